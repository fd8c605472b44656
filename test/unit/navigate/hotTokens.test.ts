import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HEAT_BOUNDS } from '../../../src/core/heat';
import { hotSpots, hottestTokens, hotThreshold, nextHotToken } from '../../../src/core/navigate/hotTokens';
import { makeHeatScale } from '../../../src/core/heatScale';

/** Tokens of one character each over `text`, with the given NLLs (nats). */
function tokensOf(text: string, nll: Array<number | null>) {
  return nll.map((v, i) => ({ start: i, end: i + 1, nll: v }));
}

test('hot spots: the worst windows by mean NLL, without overlap, worst first, with their first token', () => {
  const nll = Array.from({ length: 100 }, () => 1);
  for (let i = 60; i < 64; i++) nll[i] = 9; // the worst 4-token run
  for (let i = 10; i < 14; i++) nll[i] = 5; // the second
  const text = 'x'.repeat(50) + '\n' + 'y'.repeat(49);
  const spots = hotSpots(text, tokensOf(text, nll), 4, 3);
  assert.equal(spots.length, 3);
  assert.deepEqual(spots.slice(0, 2).map(s => s.first), [60, 10]);
  assert.equal(spots[0].start, 60);
  assert.equal(spots[0].end, 64);
  assert.equal(spots[0].line, 2, 'offset 60 is past the newline at 50');
  assert.equal(spots[0].count, 4);
  assert.ok(Math.abs(spots[0].bitsPerToken - 9 / Math.LN2) < 1e-12, 'mean NLL in bits');
  assert.ok(Math.abs(spots[1].bitsPerToken - 5 / Math.LN2) < 1e-12);
  // Without overlap: no two spots share a token.
  const covered = new Set<number>();
  for (const s of spots) for (let i = s.first; i < s.first + s.count; i++) {
    assert.ok(!covered.has(i), `token ${i} in two spots`);
    covered.add(i);
  }
});

test('hot spots: a span longer than the document is the whole document; null NLLs count for nothing', () => {
  const text = 'abcde';
  const spots = hotSpots(text, tokensOf(text, [2, null, 4, null, 6]), 32, 5);
  assert.equal(spots.length, 1);
  assert.equal(spots[0].first, 0);
  assert.equal(spots[0].count, 5);
  assert.ok(Math.abs(spots[0].bitsPerToken - 4 / Math.LN2) < 1e-12, 'mean over the 3 finite tokens');
  assert.deepEqual(hotSpots('', [], 32, 5), []);
});

test('the navigation threshold is the lower bound of the chosen bucket of the scale on screen', () => {
  assert.equal(hotThreshold(makeHeatScale('absolute', 'nll'), 6), HEAT_BOUNDS.nll[5]);
  assert.equal(hotThreshold(makeHeatScale('absolute', 'rank'), 7), HEAT_BOUNDS.rank[6]);
  assert.equal(hotThreshold(makeHeatScale('absolute', 'entropy'), 0), HEAT_BOUNDS.entropy[0], 'clamped to bucket 1');
  assert.equal(hotThreshold(makeHeatScale('absolute', 'nll'), 99), HEAT_BOUNDS.nll[6], 'clamped to the hottest bucket');
  // The default, document-relative scale: buckets 6 and 7 of 0..7 are the document's hottest quarter.
  const values = Float64Array.from({ length: 800 }, (_, i) => i / 100);
  const quantile = makeHeatScale('quantile', 'nll', values);
  assert.equal(hotThreshold(quantile, 6), quantile.bounds[5]);
  assert.equal(values.filter(v => v >= hotThreshold(quantile, 6)).length, 200, 'the stops are the hottest quarter');
  // GLTR has four buckets: any bucket past its third bound is its hottest (rank beyond 1000).
  assert.equal(hotThreshold(makeHeatScale('gltr', 'nll'), 6), makeHeatScale('gltr', 'nll').bounds[2]);
});

test('next / previous hot token: strictly after / before, wrapping, NaN never hot', () => {
  const v = [0, 9, NaN, 1, 12, 0, 8];
  assert.equal(nextHotToken(v, -1, 1, 8), 1);
  assert.equal(nextHotToken(v, 1, 1, 8), 4);
  assert.equal(nextHotToken(v, 4, 1, 8), 6);
  assert.equal(nextHotToken(v, 6, 1, 8), 1, 'wraps to the first');
  assert.equal(nextHotToken(v, 4, -1, 8), 1);
  assert.equal(nextHotToken(v, 1, -1, 8), 6, 'wraps to the last');
  assert.equal(nextHotToken(v, v.length, -1, 8), 6);
  assert.equal(nextHotToken(v, 0, 1, 100), -1, 'nothing that hot');
  assert.equal(nextHotToken([9], 0, 1, 8), 0, 'the only hot token is found again');
  assert.equal(nextHotToken([], -1, 1, 0), -1);
});

test('the hottest 1 %: ceil(1 % of the known tokens), the highest values, ties to the earlier token', () => {
  const values = Array.from({ length: 250 }, (_, i) => (i * 37) % 101);
  values[17] = NaN;
  const hot = hottestTokens(values, 0.01);
  assert.equal(hot.length, Math.ceil(249 * 0.01));
  const cut = Math.min(...hot.map(i => values[i]));
  const hotter = values.filter((x, i) => !hot.includes(i) && x > cut);
  assert.deepEqual(hotter, [], 'no unmarked token is hotter than a marked one');
  assert.deepEqual([...hot].sort((a, b) => a - b), hot, 'ascending');
  assert.deepEqual(hottestTokens([3, 3, 3], 0.01), [0], 'tie at the cut: the earlier token');
  assert.deepEqual(hottestTokens([NaN, NaN]), []);
});
