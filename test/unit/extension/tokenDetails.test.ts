import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TokenRecord } from '../../../src/core/analysis';
import { checkDocumentBytes, looksBinary } from '../../../src/extension/documentCheck';
import { isInputError } from '../../../src/core/errors';
import { hoverMarkdown, tokenDetails, visibleWhitespace } from '../../../src/extension/tokenDetails';

const text = 'ab cd\tef\n';
const rec = (index: number, start: number, end: number, context: number): TokenRecord => ({
  index, id: 100 + index, text: text.slice(start, end), start, end, partial: false, context,
  nll: Math.LN2 * 2, entropy: Math.LN2 * 1.5, rank: 3, top: [[7, 0.5], [8, 0.25]],
});
const tokens = [rec(0, 0, 2, 1), rec(1, 2, 5, 2), rec(2, 5, 8, 3), rec(3, 8, 9, 3)];

test('whitespace and control characters become visible symbols', () => {
  assert.equal(visibleWhitespace(' a\tb\r\n\u0000'), '·a→b␍↵␀');
});

test('details carry the context the model actually had (window-limited) and top-k texts', () => {
  const d = tokenDetails(tokens, text, 3, id => `<${id}>`)!;
  // context 3 = prefix token + 2 document tokens before this one: tokens 1 and 2.
  assert.equal(d.contextTail, ' cd\tef');
  assert.deepEqual(d.top, [{ id: 7, text: '<7>', prob: 0.5 }, { id: 8, text: '<8>', prob: 0.25 }]);
  assert.equal(tokenDetails(tokens, text, 0, String)!.contextTail, '', 'the first token saw only the prefix');
  assert.equal(tokenDetails(tokens, text, 4, String), null);
});

test('hover markdown shows bits, rank and context, and escapes token text', () => {
  const d = { ...tokenDetails(tokens, text, 1, () => 'a`|b')!, text: ' c`d' };
  const md = hoverMarkdown(d, false);
  assert.match(md, /NLL \*\*2\.00 bits\*\* · entropy \*\*1\.50 bits\*\* · rank \*\*3\*\* · context 2 tokens/);
  assert.ok(md.includes('`` ·cˋd ``'), md);
  assert.ok(md.includes('`` aˋ\\|b ``'), 'pipes cannot break the table');
  assert.match(hoverMarkdown(d, true), /changed since this analysis/);
});

test('binary sniffing: NUL in the first 8000 bytes only', () => {
  assert.equal(looksBinary(new TextEncoder().encode('plain text ✓')), false);
  assert.equal(looksBinary(Uint8Array.of(0x89, 0x50, 0, 1)), true);
  const late = new Uint8Array(9000).fill(65);
  late[8500] = 0;
  assert.equal(looksBinary(late), false);
});

test('size limit and binary content give InputErrors that name the file', () => {
  const text = new TextEncoder().encode('hello');
  assert.doesNotThrow(() => checkDocumentBytes('a.txt', 1024, text, 1));
  const thrown = (fn: () => void): unknown => { try { fn(); } catch (e) { return e; } return undefined; };
  const tooBig = thrown(() => checkDocumentBytes('big.log', 1025, text, 1));
  assert.ok(isInputError(tooBig) && tooBig.code === 'document-too-large' && tooBig.message.startsWith('big.log:'));
  const binary = thrown(() => checkDocumentBytes('x.bin', 4, Uint8Array.of(1, 0, 2, 3), 1));
  assert.ok(isInputError(binary) && binary.code === 'document-binary' && binary.message.startsWith('x.bin '));
});
