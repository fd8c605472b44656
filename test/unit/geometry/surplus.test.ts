import { test } from 'node:test';
import assert from 'node:assert/strict';
import { surplusA1, lookAheadC1, contextAblationB, blockBootstrapMean } from '../../../src/core/geometry/surplus';
import { seededRandom, gaussian } from '../../../src/core/geometry/random';
import { syntheticDocument } from './reference';

test('A1 = H(π̄) − mean H_t, exact with the full π̄, equal from full slices, ≤ log T', () => {
  const T = 60;
  const V = 20;
  const doc = syntheticDocument(T, V, 4, seededRandom(8));
  const pi = new Float64Array(V);
  doc.rows.forEach(p => p.forEach((x, w) => { pi[w] += x / T; }));
  const hPi = -pi.reduce((a, x) => a + x * Math.log(x), 0);
  const meanH = doc.input.entropy.reduce((a, x) => a + x, 0) / T;
  const fromSlices = surplusA1(doc.input);
  const exact = surplusA1({ ...doc.input, meanDistribution: pi });
  assert.equal(exact.basis, 'exact');
  assert.equal(fromSlices.basis, 'top-k');
  assert.ok(Math.abs(exact.value - (hPi - meanH)) < 1e-12);
  assert.ok(Math.abs(fromSlices.value - exact.value) < 1e-9);
  assert.ok(exact.value <= Math.log(T));
  // Generalised JS form: (1/T) Σ_t KL(p_t ‖ π̄).
  const js = doc.rows.reduce((a, p) => a + p.reduce((s, x, w) => s + x * Math.log(x / pi[w]), 0), 0) / T;
  assert.ok(Math.abs(js - exact.value) < 1e-12);
});

test('C1 and B per-token layers follow their formulas and are labelled heuristic', () => {
  const T = 40;
  const V = 10;
  const doc = syntheticDocument(T, V, 3, seededRandom(9));
  const pi = new Float64Array(V);
  doc.rows.forEach(p => p.forEach((x, w) => { pi[w] += x / T; }));
  const afterNext = Float64Array.from({ length: T }, (_, t) => (t + 1 < T ? Math.log(doc.rows[t][doc.input.targets[t + 1]]) : NaN));
  const ablated = Float64Array.from({ length: T }, (_, t) => -1 - t / T);
  const input = { ...doc.input, meanDistribution: pi, afterNextLogProb: afterNext, ablatedLogProb: ablated };
  const c1 = lookAheadC1(input, seededRandom(1))!;
  const b = contextAblationB(input, seededRandom(1))!;
  assert.equal(c1.provenance, 'heuristic');
  assert.equal(b.provenance, 'heuristic');
  for (let t = 0; t + 1 < T; t++) {
    const y2 = doc.input.targets[t + 1];
    assert.ok(Math.abs(c1.values[t] - (Math.log(doc.rows[t][y2]) - Math.log(pi[y2]))) < 1e-12);
    assert.ok(Math.abs(b.values[t] - (-doc.input.nll[t + 1] - ablated[t])) < 1e-12);
  }
  assert.ok(Number.isNaN(c1.values[T - 1]));
  assert.equal(lookAheadC1(doc.input, seededRandom(1)), null);
});

test('block bootstrap: deterministic for a seed, interval brackets the mean', () => {
  const random = seededRandom(3);
  const values = Float64Array.from({ length: 500 }, () => 1 + gaussian(random));
  const a = blockBootstrapMean(values, seededRandom(5));
  assert.deepEqual(a, blockBootstrapMean(values, seededRandom(5)));
  assert.ok(a.ci[0] < a.mean && a.mean < a.ci[1]);
  assert.ok(a.ci[1] - a.ci[0] < 0.5);
});
