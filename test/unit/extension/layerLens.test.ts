/**
 * The layer-lens panel's pure parts: the host's validator of panel messages (a webview is untrusted
 * input), the document's held lens ranges and the page the panel draws from them, token lookups by
 * offset, the depth colour buckets and the grid's colour scale.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TokenRecord } from '../../../src/core/analysis';
import { LayerTable } from '../../../src/core/lens/table';
import type { LayerLens } from '../../../src/core/lens/types';
import { depthBucket, DocumentLens, tokensIn } from '../../../src/extension/layerLensPages';
import { parseLensMessage, parseLensPanelState } from '../../../src/protocol/layerLensPanel';
import { lensBucket, lensValue } from '../../../webview/layers/scale';

test('lens panel messages: well-formed ones pass with only their own fields', () => {
  assert.deepEqual(parseLensMessage({ type: 'lens/ready', extra: '<img src=x>' }, 0), { type: 'lens/ready' });
  assert.deepEqual(parseLensMessage({ type: 'token/reveal', index: 3 }, 4), { type: 'token/reveal', index: 3 });
  assert.deepEqual(parseLensMessage({ type: 'lens/visible', first: 1, last: 3, more: 1 }, 4), { type: 'lens/visible', first: 1, last: 3 });
  assert.deepEqual(parseLensMessage({ type: 'lens/metric', metric: 'klToFinal' }, 0), { type: 'lens/metric', metric: 'klToFinal' });
  assert.deepEqual(parseLensMessage({ type: 'lens/depthColouring', on: true }, 0), { type: 'lens/depthColouring', on: true });
});

test('lens panel messages: unknown types, bad fields and indices out of range are dropped', () => {
  for (const bad of [null, 7, 'lens/ready', {}, { type: 'lens/exec' }, { type: 'token/reveal', index: 4 }, { type: 'token/reveal', index: -1 },
    { type: 'token/reveal', index: 0.5 }, { type: 'lens/visible', first: 3, last: 1 }, { type: 'lens/visible', first: 0, last: 9 },
    { type: 'lens/metric', metric: 'varentropy' }, { type: 'lens/depthColouring', on: 'yes' }]) {
    assert.equal(parseLensMessage(bad, 4), undefined, JSON.stringify(bad));
  }
  assert.deepEqual(parseLensPanelState({ uri: 'file:///a', metric: 'nll' }), { uri: 'file:///a', metric: 'nll' });
  assert.equal(parseLensPanelState({ uri: 'file:///a', metric: 'evil' }), undefined);
});

/** A lens of `tokens` tokens from `from` on, 3 layers, top-2, with recognisable numbers. */
function lens(from: number, tokens: number): LayerLens {
  const table = new LayerTable(3, from, tokens, 2);
  const cells = 3 * tokens;
  table.place(from, {
    layers: 3, rows: tokens, k: 2,
    nll: Float64Array.from({ length: cells }, (_, i) => i), entropy: new Float64Array(cells).fill(1), klToFinal: new Float64Array(cells),
    rank: new Int32Array(cells).fill(1),
    topIds: Int32Array.from({ length: cells * 2 }, (_, i) => (i % 2 === 0 ? 10 + Math.floor(i / 2) % tokens : 99)),
    topProbs: new Float64Array(cells * 2).fill(0.5),
  });
  return table.finish();
}

const records = (n: number): TokenRecord[] => Array.from({ length: n }, (_, i) => ({
  index: i, id: 10 + i, text: i % 2 ? ' a' : '\n', start: 2 * i, end: 2 * i + 2, partial: false, context: i + 1, nll: 1, entropy: 1, rank: 1, top: [],
}));

test('DocumentLens: ranges, what is missing, and the page the panel draws', () => {
  const doc = new DocumentLens(100);
  assert.equal(doc.empty, true);
  doc.add(lens(10, 20));
  doc.add(lens(40, 10));
  assert.deepEqual(doc.covered(), [[10, 30], [40, 50]]);
  assert.equal(doc.firstMissing(10, 30), -1);
  assert.equal(doc.firstMissing(10, 45), 30);
  assert.equal(doc.count, 3);
  // A range holding an older one replaces it.
  doc.add(lens(5, 30));
  assert.deepEqual(doc.covered(), [[40, 50], [5, 35]]);
  const page = doc.page(records(100), 33, 42, id => `t${id}`);
  assert.equal(page.tokens.length, 9);
  assert.deepEqual(page.computed, [true, true, false, false, false, false, false, true, true]);
  assert.deepEqual(page.tokens.slice(0, 2), [{ text: '·a', id: 43 }, { text: '↵', id: 44 }], 'whitespace made visible');
  // Layer 1 of token 33 is cell 1 * 30 + (33 - 5) of its range.
  assert.equal(page.nll[1 * 9 + 0], 30 + 28);
  assert.equal(page.nll[1 * 9 + 2], null, 'not computed');
  assert.equal(page.top1[0], 10 + 28);
  assert.equal(page.texts[38], 't38');
  assert.equal(page.texts[99], 't99');
  assert.equal(page.depth[2], null);
});

test('tokensIn finds the tokens meeting an offset range; depth buckets run from the embedding to the last block', () => {
  const starts = Int32Array.from([0, 3, 5, 9]);
  const ends = Int32Array.from([3, 5, 9, 12]);
  assert.deepEqual(tokensIn(starts, ends, 0, 12), { first: 0, last: 3 });
  assert.deepEqual(tokensIn(starts, ends, 4, 6), { first: 1, last: 2 });
  assert.deepEqual(tokensIn(starts, ends, 12, 20), { first: -1, last: -1 });
  assert.deepEqual([0, 1, 2, 3, 4].map(d => depthBucket(d, 4)), [0, 1, 2, 3, 4]);
  assert.deepEqual([0, 1, 2].map(d => depthBucket(d, 2)), [0, 1, 4]);
  assert.deepEqual([0, 1, 11, 12, 21, 22, 31, 32].map(d => depthBucket(d, 32)), [0, 1, 1, 2, 2, 3, 3, 4]);
});

test('the grid colours bits for the log metrics, plain ranks, and its own KL scale', () => {
  assert.equal(lensValue('entropy', Math.LN2 * 2), 2);
  assert.equal(lensValue('rank', 7), 7);
  assert.ok(Number.isNaN(lensValue('nll', null)));
  assert.equal(lensBucket('klToFinal', 0), 0);
  assert.equal(lensBucket('klToFinal', 100), 7);
  assert.equal(lensBucket('klToFinal', NaN), -1);
  assert.equal(lensBucket('nll', 0.1), 0);
});
