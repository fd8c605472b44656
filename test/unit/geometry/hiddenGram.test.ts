import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HiddenGram } from '../../../src/core/geometry/hiddenGram';
import { runLinalg } from '../../../src/core/geometry/products';
import { seededRandom } from '../../../src/core/geometry/random';

/** Σ over finite rows of (h − μ)(h − μ)ᵀ in plain float64 loops, μ the finite rows' mean. */
function referenceGram(h: Float32Array, T: number, d: number) {
  const finite = Array.from({ length: T }, (_, t) => h.subarray(t * d, (t + 1) * d).every(Number.isFinite));
  const n = finite.filter(Boolean).length;
  const mean = new Float64Array(d);
  for (let t = 0; t < T; t++) if (finite[t]) for (let c = 0; c < d; c++) mean[c] += h[t * d + c] / n;
  const gram = new Float64Array(d * d);
  for (let t = 0; t < T; t++) if (finite[t]) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) gram[i * d + j] += (h[t * d + i] - mean[i]) * (h[t * d + j] - mean[j]);
  return { gram, mean, n };
}

function states(T: number, d: number, offset: number): Float32Array {
  const random = seededRandom(3);
  // A large common offset, as final-layer states often have: the shift keeps it from cancelling.
  return Float32Array.from({ length: T * d }, (_, i) => offset * (1 + (i % d) / d) + random() - 0.5);
}

test('the streamed hidden-state Gram equals a float64 reference, ignores non-finite rows, and does not depend on how rows are split', () => {
  // Longer than two of BlockGram's 1,024-row blocks, so the splits below cross block boundaries.
  const T = 2500, d = 9;
  const h = states(T, d, 300);
  h[40 * d + 3] = NaN;
  h[2100 * d] = Infinity;
  const whole = new HiddenGram(d, T);
  runLinalg(whole.add(h, 0, T));
  const a = runLinalg(whole.finish());
  const ref = referenceGram(h, T, d);
  assert.equal(a.finiteCount, ref.n);
  assert.equal(a.finite[40], 0);
  assert.equal(a.finite[2100], 0);
  const scale = Math.max(...Array.from(ref.gram, Math.abs));
  for (let i = 0; i < d * d; i++) assert.ok(Math.abs(a.gram![i] - ref.gram[i]) <= 1e-12 * scale, `entry ${i}: ${a.gram![i]} vs ${ref.gram[i]}`);
  for (let c = 0; c < d; c++) assert.ok(Math.abs(a.mean[c] - ref.mean[c]) <= 1e-12 * Math.abs(ref.mean[c]));
  const parts = new HiddenGram(d, T);
  for (const [first, count] of [[0, 1], [1, 1100], [1101, 955], [2056, 444]]) runLinalg(parts.add(h.subarray(first * d), first, count));
  assert.deepEqual(runLinalg(parts.finish()), a, 'the same sums whatever the split');
});

test('constant hidden states have a Gram of exactly zero; rows out of order or too many are refused; without the Gram only the mean is kept', () => {
  const T = 300, d = 4;
  const constant = new Float32Array(T * d).fill(7.25);
  const g = new HiddenGram(d, T);
  runLinalg(g.add(constant, 0, T));
  const result = runLinalg(g.finish());
  assert.ok(result.gram!.every(x => x === 0));
  assert.deepEqual(Array.from(result.mean), [7.25, 7.25, 7.25, 7.25]);
  const ordered = new HiddenGram(d, T);
  assert.throws(() => runLinalg(ordered.add(constant, 5, 2)), /rows from 5, expected 0/);
  assert.throws(() => runLinalg(ordered.add(constant, 0, T + 1)), /do not fit/);
  runLinalg(ordered.add(constant, 0, 10));
  assert.throws(() => runLinalg(ordered.finish()), /10 of 300 rows added/);
  const meanOnly = new HiddenGram(d, T, false);
  runLinalg(meanOnly.add(states(T, d, 1), 0, T));
  const m = runLinalg(meanOnly.finish());
  assert.equal(m.gram, null);
  assert.ok(m.mean.every(Number.isFinite));
});
