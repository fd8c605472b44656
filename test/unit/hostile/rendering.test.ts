/**
 * Model and document strings on their way to the screen: the panel's messages are validated before
 * the host acts (hostile shapes, prototype keys, out-of-range indices), the editor hover keeps token
 * text inside code spans (no links, no HTML, no table breaks), and the webview sources never turn a
 * string into markup. The browser E2E (test/e2e/hostile.mjs) checks the rendered result.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hoverMarkdown } from '../../../src/extension/tokenDetails';
import { parsePanelMessage, parsePanelState, type TokenDetails } from '../../../src/protocol/heatmapPanel';

const repo = join(__dirname, '..', '..', '..', '..');

test('panel messages: hostile shapes and values are dropped, valid ones keep only their own fields', () => {
  const tokens = 10;
  const dropped: unknown[] = [
    null, undefined, 42, 'token/reveal', [], [{ type: 'panel/ready' }],
    { type: 'eval', code: 'process.exit()' }, { type: 'TOKEN/REVEAL', index: 1 }, { type: 'constructor' }, { type: '__proto__' },
    { type: 'token/reveal', index: 10 }, { type: 'token/reveal', index: -1 }, { type: 'token/reveal', index: 1.5 },
    { type: 'token/reveal', index: '3' }, { type: 'token/reveal', index: NaN }, { type: 'token/reveal', index: Infinity },
    { type: 'token/reveal', index: 1e300 }, { type: 'token/reveal', index: { valueOf: () => 1 } }, { type: 'token/reveal' },
    { type: 'token/details', index: 2 }, { type: 'token/details', index: 2, requestId: 'x' }, { type: 'token/details', index: 99, requestId: 1 },
    { type: 'metric/set', metric: 'toString' }, { type: 'metric/set', metric: '__proto__' }, { type: 'metric/set', metric: ['nll'] },
    { type: 'panel/rendered', tokens: -1, ms: 1 }, { type: 'panel/rendered', tokens: 1, ms: NaN },
  ];
  for (const raw of dropped) assert.equal(parsePanelMessage(raw, tokens), undefined, JSON.stringify(raw) ?? String(raw));
  // With no analysis held (0 tokens) no index is valid.
  assert.equal(parsePanelMessage({ type: 'token/reveal', index: 0 }, 0), undefined);
  const polluted = JSON.parse('{"type":"token/reveal","index":3,"__proto__":{"admin":true},"extra":"<script>"}');
  const parsed = parsePanelMessage(polluted, tokens);
  assert.deepEqual(parsed, { type: 'token/reveal', index: 3 });
  assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
  assert.equal(({} as Record<string, unknown>).admin, undefined, 'no prototype pollution');
});

test('saved panel state from the webview is validated before a reload trusts it', () => {
  for (const raw of [null, 'x', { uri: 1, metric: 'nll' }, { uri: 'file:///a', metric: 'evil' }, { metric: 'nll' }]) {
    assert.equal(parsePanelState(raw), undefined, JSON.stringify(raw));
  }
  // Fields of the wrong type fall back to their defaults (scroll top, colour scale, follow the editor); unknown ones are dropped.
  assert.deepEqual(parsePanelState({ uri: 'file:///a', metric: 'nll', scrollTop: 'x', scale: '<evil>', extra: 1 }), { uri: 'file:///a', metric: 'nll', scrollTop: 0, scale: 'quantile', follow: true });
  assert.deepEqual(parsePanelState({ uri: 'file:///a', metric: 'kl', scrollTop: 12, scale: 'gltr', follow: false }), { uri: 'file:///a', metric: 'kl', scrollTop: 12, scale: 'gltr', follow: false });
});

test('editor hover: hostile token and vocabulary texts stay inside code spans', () => {
  const hostile = [
    '[run](command:workbench.action.terminal.new)', '<img src=x onerror=alert(1)>', '<script>alert(1)</script>',
    '`` break out ``', 'a|b|c', 'line\nbreak', '](javascript:alert(1))', '**bold** _it_', '\u202eevil', '&lt;',
  ];
  const details: TokenDetails = {
    index: 0, id: 1, text: hostile[0], nll: 1, entropy: 1, rank: 1, context: 1, contextTail: '',
    top: hostile.map((text, id) => ({ id, text, prob: 0.05 })),
  };
  const md = hoverMarkdown(details, false);
  const lines = md.split('\n');
  const rows = lines.filter(l => l.startsWith('| ') && !l.startsWith('| prediction'));
  assert.equal(rows.length, hostile.length, 'one table row per prediction: no text broke a row or added one');
  for (const row of rows) {
    // A row is `| `` text `` | p |`: the only unescaped pipes are the three cell borders.
    assert.match(row, /^\| `` .* `` \| [\d.e%-]+ \|$/, row);
    assert.equal(row.replace(/\\\|/g, '').split('|').length, 4, row);
    const inner = row.slice('| `` '.length, row.lastIndexOf(' `` |'));
    assert.ok(!inner.includes('`') && !inner.includes('\n'), `the text cannot close its code span: ${row}`);
  }
  assert.ok(!/\n\n.*<script>/.test(md.replace(/`` [^`]* ``/g, '')), 'outside code spans there is no markup');
});

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

test('webview sources never parse strings as HTML or code', () => {
  const files = sources(join(repo, 'webview'));
  assert.ok(files.length >= 5, `${files.length} webview sources`);
  const sinks = /\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|\beval\(|new Function\(|setAttribute\(\s*['"]on|\.srcdoc\b|createContextualFragment|\.href\s*=/;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const hit = sinks.exec(text);
    assert.equal(hit, null, `${file}: ${hit?.[0]}`);
  }
});
