/**
 * The summary statistics' definitions on small hand-checked cases, the common segments on
 * tokenizations with split characters and empty tokens, and the summary of a self-comparison.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { segmentsOf } from '../../../src/core/compare/segments';
import { correlation, expectedTokensPerBlock, meanAndSe, percentile, proportion, spreadOf } from '../../../src/core/compare/statistics';

test('uncertainty of a mean is sqrt((E[x²] − E[x]²) / (n − 1)); none for one value', () => {
  const xs = [1, 2, 3, 4];
  // E[x] = 2.5, E[x²] = 7.5, Var = 1.25, se = sqrt(1.25 / 3)
  const m = meanAndSe(xs)!;
  assert.equal(m.mean, 2.5);
  assert.ok(Math.abs(m.se! - Math.sqrt(1.25 / 3)) < 1e-15);
  assert.deepEqual(meanAndSe([7]), { mean: 7, se: null });
  assert.equal(meanAndSe([]), null);
});

test('percentiles interpolate linearly at f·(n − 1); the median of an even count is the mean of the middle two', () => {
  const sorted = [0, 10, 20, 40];
  assert.equal(percentile(sorted, 0.5), 15);
  assert.equal(percentile(sorted, 0.9), 34); // position 2.7: 20 + 0.7 · 20
  assert.equal(percentile(sorted, 0), 0);
  assert.equal(percentile(sorted, 1), 40);
  const s = spreadOf([40, 0, 20, 10], true)!;
  assert.equal(s.max, 40);
  assert.equal(s.min, 0);
  assert.equal(s.median, 15);
  assert.equal(s.p25, 7.5);
  assert.equal(s.p75, 25);
  assert.equal(spreadOf([1, 2])!.p25, undefined, 'quartiles only when asked (Δp)');
});

test('a proportion has uncertainty sqrt(p (1 − p) / (n − 1)); correlation is Pearson\'s', () => {
  const p = proportion(3, 4)!;
  assert.equal(p.value, 0.75);
  assert.ok(Math.abs(p.se! - Math.sqrt(0.75 * 0.25 / 3)) < 1e-15);
  assert.ok(Math.abs(correlation([1, 2, 3], [2, 4, 6])! - 1) < 1e-15);
  assert.ok(Math.abs(correlation([1, 2, 3], [3, 2, 1])! + 1) < 1e-15);
  assert.equal(correlation([1, 1, 1], [1, 2, 3]), null, 'a constant series has no correlation');
});

test('expected tokens per speculative block: (1 − α^(γ+1)) / (1 − α), γ + 1 at α = 1', () => {
  assert.equal(expectedTokensPerBlock(1, 4), 5);
  assert.ok(Math.abs(expectedTokensPerBlock(0.5, 4) - 1.9375) < 1e-15); // 1 + 1/2 + 1/4 + 1/8 + 1/16
  assert.equal(expectedTokensPerBlock(0, 4), 1);
});

test('segments: cut only where both tokenizations start a token on a character boundary', () => {
  // Text "aé b" (UTF-16 offsets 0..4; é is 2 UTF-8 bytes). Model A: byte-level, é split over two
  // tokens whose second starts inside é (span starts at 2, but not on a boundary) and also holds
  // the space. Model B: an empty first token (a dropped dummy prefix), then characters.
  const a = { starts: [0, 1, 2, 3], boundaryStart: [1, 1, 0, 1], nll: [1, 2, 3, 4] };
  const b = { starts: [0, 0, 1, 2, 3], boundaryStart: [1, 1, 1, 1, 1], nll: [0.5, 1, 2, 3, 5] };
  const segments = segmentsOf(4, a, b);
  assert.deepEqual(segments.map(s => [s.start, s.end]), [[0, 1], [1, 3], [3, 4]], 'no cut at 2: A starts a token there mid-character');
  assert.deepEqual(segments.map(s => s.modelTokens), [[0, 1], [1, 3], [3, 4]]);
  assert.deepEqual(segments.map(s => s.againstTokens), [[0, 2], [2, 4], [4, 5]], 'the empty token goes with the segment it starts');
  assert.deepEqual(segments.map(s => [s.nllModel, s.nllAgainst, s.dNll]), [[1, 1.5, 0.5], [5, 5, 0], [4, 5, 1]]);
  assert.deepEqual(segmentsOf(0, a, b), []);
});

test('a segment holding a non-finite token has no NLL', () => {
  const a = { starts: [0, 1], boundaryStart: [1, 1], nll: [1, null] };
  const b = { starts: [0, 1], boundaryStart: [1, 1], nll: [1, 2] };
  const [first, second] = segmentsOf(2, a, b);
  assert.equal(first.dNll, 0);
  assert.equal(second.nllModel, null);
  assert.equal(second.dNll, null);
});
