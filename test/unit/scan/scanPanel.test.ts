/** The folder scan panel's pure parts: the table's order and filter, and the validation of what the webview sends. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failedLine, scoredLine, type ScanModel } from '../../../src/core/scan/record';
import { parseScanPanelMessage } from '../../../src/protocol/scanPanel';
import { DEFAULT_VIEW, viewRows } from '../../../webview/scan/table';

const model: ScanModel = { name: 'm', modelType: 'gpt2', vocabSize: 10, hiddenSize: 4, layers: 1, contextLength: 8, dtype: 'float32', window: 8, stride: 4 };
const row = (path: string, bpb: number | null, tokens: number, entropy: number, hot?: number) =>
  scoredLine(path, 'x', 1, { tokens, totalNll: 1, meanNll: 1, perplexity: 1, bitsPerByte: bpb, meanEntropy: entropy, nonFinite: 0 },
    hot === undefined ? [] : [{ start: 0, end: 1, line: 1, bitsPerToken: hot, text: 'x' }], model);

test('table: ranked worst first by default; any column either way; unscored rows stay last; the filter matches paths', () => {
  const rows = [row('b.txt', 2, 10, 3, 5), failedLine('bin/x.png', { skipped: 'binary' }), row('A/c.md', 3, 5, 1, 9), row('d.txt', null, 0, 0), row('e.txt', 1, 50, 2, 7)];
  const paths = (v: Partial<typeof DEFAULT_VIEW>) => viewRows(rows, { ...DEFAULT_VIEW, ...v }).map(r => r.path);
  assert.deepEqual(paths({}), ['A/c.md', 'b.txt', 'e.txt', 'bin/x.png', 'd.txt']);
  assert.deepEqual(paths({ descending: false }), ['e.txt', 'b.txt', 'A/c.md', 'bin/x.png', 'd.txt']);
  assert.deepEqual(paths({ sort: 'tokens' }), ['e.txt', 'b.txt', 'A/c.md', 'd.txt', 'bin/x.png']);
  assert.deepEqual(paths({ sort: 'hot', descending: false }), ['b.txt', 'e.txt', 'A/c.md', 'bin/x.png', 'd.txt']);
  assert.deepEqual(paths({ sort: 'path', descending: false }), ['A/c.md', 'b.txt', 'bin/x.png', 'd.txt', 'e.txt']);
  assert.deepEqual(paths({ filter: ' .TXT' }), ['b.txt', 'e.txt', 'd.txt'], 'trimmed, case-insensitive');
  assert.deepEqual(paths({ filter: 'b' }), ['b.txt', 'bin/x.png']);
  assert.equal(rows[0].path, 'b.txt', 'the input is not reordered');
});

test('panel messages: known types only, paths the scan listed only, hot span index in range', () => {
  const known = (p: string) => p === 'a.txt';
  assert.deepEqual(parseScanPanelMessage({ type: 'scan/cancel', extra: 1 }, known), { type: 'scan/cancel' });
  assert.deepEqual(parseScanPanelMessage({ type: 'file/open', path: 'a.txt', hot: 0 }, known), { type: 'file/open', path: 'a.txt', hot: 0 });
  assert.deepEqual(parseScanPanelMessage({ type: 'file/open', path: 'a.txt' }, known), { type: 'file/open', path: 'a.txt' });
  for (const bad of [null, 'scan/cancel', { type: 'file/delete', path: 'a.txt' }, { type: 'file/open', path: '../../etc/passwd' }, { type: 'file/open', path: 'a.txt', hot: -1 },
    { type: 'file/open', path: 'a.txt', hot: 1.5 }, { type: 'file/open', path: 'a.txt', hot: '0' }, { type: 'file/open', path: ['a.txt'] }]) {
    assert.equal(parseScanPanelMessage(bad, known), undefined, JSON.stringify(bad));
  }
});
