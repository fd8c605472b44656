import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orthonormalizeColumns } from '../../../src/core/geometry/dense';
import { HiddenBasis } from '../../../src/core/geometry/hiddenBasis';
import { claimedShiftScores, drawShifts, NullScores, SHIFT_BATCH, shiftNull, shiftScores, summariseShiftNull } from '../../../src/core/geometry/nulls';
import { runLinalg } from '../../../src/core/geometry/products';
import { gaussian, RandomFn, seededRandom } from '../../../src/core/geometry/random';
import { Eigenpairs } from '../../../src/core/geometry/spectrum';
import { denseEigen } from './reference';

/** Autocorrelated T×m columns (AR(1)), so shifting really breaks an alignment, and not all at once. */
function autocorrelated(T: number, m: number, random: RandomFn): Float64Array {
  const out = new Float64Array(T * m);
  for (let c = 0; c < m; c++) { let x = 0; for (let t = 0; t < T; t++) { x = 0.9 * x + gaussian(random); out[t * m + c] = x; } }
  return out;
}

/**
 * Operator eigenpairs (K orthonormal columns, decaying λ) and a hidden basis (r orthonormal
 * columns) that contains the top `aligned` eigenvectors plus noise: the observed top scores stand
 * far above the shifted ones, the later ones sit among them.
 */
function syntheticCase(T: number, K: number, r: number, aligned: number, seed: number): { eig: Eigenpairs; basis: HiddenBasis } {
  const random = seededRandom(seed);
  const u = autocorrelated(T, K, random);
  orthonormalizeColumns(u, T, K);
  const q = autocorrelated(T, r, random);
  for (let t = 0; t < T; t++) for (let j = 0; j < aligned; j++) q[t * r + j] += 30 * u[t * K + j];
  orthonormalizeColumns(q, T, r);
  const values = Float64Array.from({ length: K }, (_, k) => 2 * 0.8 ** k);
  const singular = Float64Array.from({ length: r }, (_, c) => 3 * 0.9 ** c);
  const totalSq = 1.25 * singular.reduce((a, s) => a + s * s, 0);
  return {
    eig: { values, vectors: u, count: K, trace: 12, sumSquares: null, method: 'dense-gram', iterations: 1, converged: true },
    basis: { q, r, singular, centred: new Float64Array(0), d: r, totalSq, capturedShare: 0.8, reduced: true, pcaConverged: true },
  };
}

/** The scores of one shift in plain float64 loops: C = Uᵀ roll(Q, s), then the paper's formulas. */
function referenceScores(eig: Eigenpairs, basis: HiddenBasis, shift: number): NullScores {
  const { r, q } = basis;
  const K = Math.min(eig.count, r);
  const T = q.length / r;
  const c = new Float64Array(K * r);
  for (let t = 0; t < T; t++) {
    const source = (((t - shift) % T) + T) % T;
    for (let j = 0; j < K; j++) for (let k = 0; k < r; k++) c[j * r + k] += eig.vectors[t * eig.count + j] * q[source * r + k];
  }
  const m = new Float64Array(K * K);
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) {
    for (let k = 0; k < r; k++) m[i * K + j] += c[i * r + k] * c[j * r + k];
    m[i * K + j] *= Math.sqrt(eig.values[i] * eig.values[j]);
  }
  const rho = Array.from(denseEigen(m, K).values).sort((a, b) => b - a);
  const Ak: number[] = [], energy: number[] = [], varianceCaptured: number[] = [];
  let sumRho = 0, sumLambda = 0, rowSq = 0, weightedSq = 0, cka = 0;
  for (let j = 0; j < K; j++) {
    sumRho += Math.max(0, rho[j]);
    sumLambda += eig.values[j];
    Ak.push(sumRho / sumLambda);
    let row = 0, weighted = 0;
    for (let k = 0; k < r; k++) { row += c[j * r + k] ** 2; weighted += basis.singular[k] ** 2 * c[j * r + k] ** 2; }
    rowSq += row;
    weightedSq += weighted;
    cka += eig.values[j] * weighted;
    energy.push(rowSq / (j + 1));
    varianceCaptured.push(weightedSq / basis.totalSq);
  }
  return { Ak, energy, varianceCaptured, cka };
}

function referencePercentile(value: number, sample: number[]): number {
  let below = 0;
  for (const x of sample) below += x < value ? 1 : x === value ? 0.5 : 0;
  return (100 * below) / sample.length;
}

const T = 1029, K = 7, r = 13, COUNT = 40;

test('shift null gives the percentiles of a float64 reference, and null means within 1e-5', () => {
  // aligned 3: the observed top scores far above the shifted ones; aligned 0: among them.
  for (const aligned of [3, 0]) {
    const { eig, basis } = syntheticCase(T, K, r, aligned, 5);
    const result = runLinalg(shiftNull(eig, basis, COUNT, seededRandom(9)));
    assert.deepEqual(result.shifts, drawShifts(seededRandom(9), COUNT, T));
    const observed = referenceScores(eig, basis, 0);
    const nulls = result.shifts.map(s => referenceScores(eig, basis, s));
    let inside = 0;
    for (const key of ['Ak', 'energy', 'varianceCaptured'] as const) for (let k = 0; k < K; k++) {
      const what = `aligned ${aligned}, ${key}[${k}]`;
      const sample = nulls.map(n => n[key][k]);
      // The premise of exact equality: no null score within 1e-5 of the observed one (products in another order, or in float32, would not move it that far).
      const gap = Math.min(...sample.map(x => Math.abs(x - observed[key][k])));
      assert.ok(gap > 1e-5 * Math.abs(observed[key][k]), `${what}: too close to a null score for this test`);
      const expected = referencePercentile(observed[key][k], sample);
      if (expected > 0 && expected < 100) inside++;
      assert.equal(result.percentile[key][k], expected, `${what} percentile`);
      const mean = sample.reduce((a, b) => a + b, 0) / sample.length;
      assert.ok(Math.abs(result.nullMean[key][k] - mean) <= 1e-5 * Math.abs(mean), `${what} null mean ${result.nullMean[key][k]} vs ${mean}`);
    }
    if (aligned > 0) assert.ok(result.percentile.Ak.every(p => p === 100) && result.percentile.cka === 100, `aligned: ${JSON.stringify(result.percentile)}`);
    else assert.ok(inside >= 5, `only ${inside} percentiles strictly inside (0, 100)`);
    const ckaSample = nulls.map(n => n.cka);
    assert.equal(result.percentile.cka, referencePercentile(observed.cka, ckaSample));
    const ckaRelative = ckaSample.reduce((a, b) => a + b, 0) / ckaSample.length / observed.cka;
    assert.ok(Math.abs(result.nullMean.ckaRelative - ckaRelative) <= 1e-5 * ckaRelative, `CKA null mean ${result.nullMean.ckaRelative} vs ${ckaRelative}`);
  }
});

test('shift null splits: scores over any partition of the shifts, concatenated, summarise exactly as one call', () => {
  const { eig, basis } = syntheticCase(T, K, r, 3, 6);
  const shifts = drawShifts(seededRandom(3), COUNT, T);
  const whole = runLinalg(shiftScores(eig, basis, [0, ...shifts]));
  assert.equal(whole.length, COUNT + 1);
  const parts = [[0, ...shifts.slice(0, 11)], shifts.slice(11, 12), shifts.slice(12)];
  const joined = parts.flatMap(part => runLinalg(shiftScores(eig, basis, part)));
  assert.deepEqual(joined, whole);
  // The observed scores can come from any part, e.g. the second thread's.
  const [observed] = runLinalg(shiftScores(eig, basis, [shifts[5], 0])).slice(1);
  assert.deepEqual(observed, whole[0]);
  const summary = summariseShiftNull(joined[0], joined.slice(1), shifts, K, r);
  assert.deepEqual(summary, runLinalg(shiftNull(eig, basis, COUNT, seededRandom(3))));
  assert.deepEqual(summary.shifts, shifts);
});

test('claimed shift scores: callers sharing a counter each take batches of shifts one at a time; merged by index they equal one call', () => {
  const { eig, basis } = syntheticCase(T, K, r, 3, 6);
  const shifts = [0, ...drawShifts(seededRandom(3), COUNT, T)];
  const whole = runLinalg(shiftScores(eig, basis, shifts));
  // Another caller already took the first 2 batches (its counter moved on): this one computes the rest, once each.
  const counter = new Int32Array(new SharedArrayBuffer(4));
  counter[0] = 2;
  const rest = runLinalg(claimedShiftScores(eig, basis, shifts, counter));
  const taken = 2 * SHIFT_BATCH;
  assert.deepEqual(rest.map(([index]) => index), Array.from({ length: shifts.length - taken }, (_, i) => taken + i));
  for (const [index, scores] of rest) assert.deepEqual(scores, whole[index]);
  assert.ok(counter[0] * SHIFT_BATCH >= shifts.length, 'the counter is past the end');
  assert.deepEqual(runLinalg(claimedShiftScores(eig, basis, shifts, counter)), [], 'nothing is left to claim');
  // A basis without components claims nothing, so the other side's list stays whole.
  const empty = new Int32Array(new SharedArrayBuffer(4));
  assert.deepEqual(runLinalg(claimedShiftScores(eig, { ...basis, r: 0, q: new Float64Array(0) }, shifts, empty)), []);
  assert.equal(empty[0], 0);
});
