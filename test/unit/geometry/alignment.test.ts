import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeAlignment } from '../../../src/core/geometry/alignment';
import { orthonormalizeColumns } from '../../../src/core/geometry/dense';
import { CentredFactor, DenseFactor } from '../../../src/core/geometry/factor';
import { hiddenBasis } from '../../../src/core/geometry/hiddenBasis';
import { buildKernelFactor } from '../../../src/core/geometry/kernels';
import { shiftNull, percentile } from '../../../src/core/geometry/nulls';
import { seededRandom, gaussian } from '../../../src/core/geometry/random';
import { topEigenpairs } from '../../../src/core/geometry/spectrum';
import { runLinalg } from '../../../src/core/geometry/products';
import { centredCopy, decayingMatrix, denseEigen, denseOperator, mul, principalCosines, syntheticDocument, transpose } from './reference';

function denseFactorData(f: { factor: unknown }) {
  const d = f.factor as DenseFactor;
  return { data: d.data, T: d.rows, m: d.cols };
}

test('alignment scores match dense float64 references (no reduction: d ≤ T/4)', () => {
  const T = 120;
  const d = 12;
  const { input, hidden } = syntheticDocument(T, 30, d, seededRandom(21));
  const kf = buildKernelFactor(input, 'prototype', 'model');
  const { data, m } = denseFactorData(kf);
  const cf = new CentredFactor(kf.factor);
  const eig = runLinalg(topEigenpairs(cf, { count: 12, random: seededRandom(1) }));
  const basis = runLinalg(hiddenBasis({ data: hidden, d }, T, 128, seededRandom(2)));
  assert.equal(basis.r, d);
  assert.equal(basis.reduced, false);
  const { scores, psi, phi } = runLinalg(computeAlignment(cf, eig, basis, 4, seededRandom(3)));

  const M = denseOperator(data, T, m);
  const ref = denseEigen(M, T);
  const hc = centredCopy(hidden, T, d);
  const q = Float64Array.from(hc);
  orthonormalizeColumns(q, T, d);
  const inner = denseEigen(mul(mul(transpose(q, T, d), d, T, M, T), d, T, q, d), d);
  const scale = ref.values[0];
  for (let j = 0; j < d; j++) assert.ok(Math.abs(scores.rho[j] - inner.values[j]) < 1e-9 * scale, `ρ${j}`);
  let sr = 0;
  let sl = 0;
  for (let k = 0; k < 12; k++) {
    sr += inner.values[k];
    sl += ref.values[k];
    assert.ok(Math.abs(scores.Ak[k] - sr / sl) < 1e-8, `A_${k + 1}`);
    assert.ok(scores.rho[k] <= ref.values[k] * (1 + 1e-9), 'Poincaré ρ_j ≤ λ_j');
  }
  assert.equal(scores.poincareViolations, 0);

  const uk = new Float64Array(T * 12);
  for (let t = 0; t < T; t++) for (let j = 0; j < 12; j++) uk[t * 12 + j] = ref.vectors[t * T + j];
  const cos = principalCosines(uk, 12, q, d, T);
  for (let i = 0; i < 12; i++) assert.ok(Math.abs(scores.principalCosines[i] - cos[i]) < 1e-7, `cos θ${i}`);
  const energy = cos.reduce((a, c) => a + c * c, 0) / 12;
  assert.ok(Math.abs(scores.energy[11] - energy) < 1e-7);

  const proj = mul(transpose(uk, T, 12), 12, T, hc, d);
  const total = hc.reduce((a, x) => a + x * x, 0);
  let captured = 0;
  for (let k = 0; k < 12; k++) {
    for (let c = 0; c < d; c++) captured += proj[k * d + c] ** 2;
    assert.ok(Math.abs(scores.varianceCaptured[k] - captured / total) < 1e-8, `variance k=${k + 1}`);
  }

  // Linear CKA = ⟨H_c H_cᵀ, T·M⟩ / (‖H_c H_cᵀ‖ ‖T·M‖), all dense.
  const hh = mul(hc, T, d, transpose(hc, T, d), T);
  let dot = 0;
  let nh = 0;
  let nm = 0;
  for (let i = 0; i < T * T; i++) { dot += hh[i] * T * M[i]; nh += hh[i] ** 2; nm += (T * M[i]) ** 2; }
  assert.equal(scores.ckaExact, true);
  assert.ok(Math.abs(scores.cka - dot / Math.sqrt(nh * nm)) < 1e-9, `CKA ${scores.cka} vs ${dot / Math.sqrt(nh * nm)}`);

  // ψ_j = √T u_j, φ_j in span(H_c), both with mean square 1, correlation ≥ 0.
  for (let j = 0; j < 4; j++) {
    const ms = (a: Float64Array) => a.reduce((s, x) => s + x * x, 0) / T;
    assert.ok(Math.abs(ms(psi[j]) - 1) < 1e-9);
    assert.ok(Math.abs(ms(phi[j]) - 1) < 1e-9);
    assert.ok(scores.psiPhiCorrelation[j] >= 0 && scores.psiPhiCorrelation[j] <= 1 + 1e-12);
    const coeff = mul(transpose(q, T, d), d, T, phi[j], 1);
    const back = mul(q, T, d, coeff, 1);
    for (let t = 0; t < T; t++) assert.ok(Math.abs(back[t] - phi[j][t]) < 1e-9, 'φ_j is linear in h');
  }
});

test('Poincaré separation ρ_j ≤ λ_j holds on random (H, F), T=200, d=30', () => {
  const T = 200;
  const f = decayingMatrix(T, 40, 0.9, seededRandom(31));
  const cf = new CentredFactor(new DenseFactor(f, T, 40));
  const eig = runLinalg(topEigenpairs(cf, { count: 30, random: seededRandom(1) }));
  const h = decayingMatrix(T, 30, 1, seededRandom(32));
  const basis = runLinalg(hiddenBasis({ data: h, d: 30 }, T, 128, seededRandom(2)));
  const { scores } = runLinalg(computeAlignment(cf, eig, basis, 2, seededRandom(3)));
  for (let j = 0; j < 30; j++) assert.ok(scores.rho[j] <= eig.values[j] * (1 + 1e-9) + 1e-15);
  assert.ok(scores.Ak.every(a => a >= 0 && a <= 1 + 1e-9));
});

test('dimension guard: r_H ≤ ⌊T/4⌋, and the reduced basis is orthonormal and centred', () => {
  const T = 100;
  const d = 60;
  const h = decayingMatrix(T, d, 0.95, seededRandom(41));
  const basis = runLinalg(hiddenBasis({ data: h, d }, T, 128, seededRandom(1)));
  assert.equal(basis.r, 25);
  assert.equal(basis.reduced, true);
  const qtq = mul(transpose(basis.q, T, 25), 25, T, basis.q, 25);
  for (let i = 0; i < 25; i++) for (let j = 0; j < 25; j++) assert.ok(Math.abs(qtq[i * 25 + j] - (i === j ? 1 : 0)) < 1e-10);
  for (let j = 0; j < 25; j++) { let s = 0; for (let t = 0; t < T; t++) s += basis.q[t * 25 + j]; assert.ok(Math.abs(s) < 1e-9); }
  // The kept singular values are the top ones of H_c (dense check).
  const hc = centredCopy(h, T, d);
  const ref = denseEigen(mul(transpose(hc, T, d), d, T, hc, d), d);
  for (let j = 0; j < 5; j++) assert.ok(Math.abs(basis.singular[j] ** 2 - ref.values[j]) < 1e-6 * ref.values[j]);
});

test('CKA with an estimated ‖M‖_F (iterative path) stays close to the dense value', () => {
  const T = 160;
  const m = 110;
  const f = decayingMatrix(T, m, 0.9, seededRandom(51));
  const cf = new CentredFactor(new DenseFactor(f, T, m));
  const eig = runLinalg(topEigenpairs(cf, { count: 20, random: seededRandom(1), denseColumnLimit: 0, gramColumnLimit: 0, maxIterations: 100, tolerance: 1e-12 }));
  const h = decayingMatrix(T, 10, 0.9, seededRandom(52));
  const basis = runLinalg(hiddenBasis({ data: h, d: 10 }, T, 128, seededRandom(2)));
  const { scores } = runLinalg(computeAlignment(cf, eig, basis, 1, seededRandom(3)));
  assert.equal(scores.ckaExact, false);
  const M = denseOperator(f, T, m);
  const hc = centredCopy(h, T, 10);
  const hh = mul(hc, T, 10, transpose(hc, T, 10), T);
  let dot = 0;
  let nh = 0;
  let nm = 0;
  for (let i = 0; i < T * T; i++) { dot += hh[i] * M[i]; nh += hh[i] ** 2; nm += M[i] ** 2; }
  const exact = dot / Math.sqrt(nh * nm);
  // Top-20 part exact; the tail (≈ 0.9^40 of the scale) is estimated, so agreement is close, not exact.
  assert.ok(Math.abs(scores.cka - exact) < 0.02 * exact, `CKA ${scores.cka} vs ${exact}`);
});

test('shift null: hidden states that contain the top eigenspace score at the top percentile', () => {
  const T = 300;
  const m = 40;
  // An autocorrelated factor, so shifted copies really break the alignment.
  const random = seededRandom(61);
  const f = new Float64Array(T * m);
  for (let c = 0; c < m; c++) { let x = 0; for (let t = 0; t < T; t++) { x = 0.95 * x + 0.3 * gaussian(random); f[t * m + c] = x * Math.pow(0.9, c); } }
  const cf = new CentredFactor(new DenseFactor(f, T, m));
  const eig = runLinalg(topEigenpairs(cf, { count: 8, random: seededRandom(1) }));
  const d = 10;
  const h = new Float64Array(T * d);
  for (let t = 0; t < T; t++) for (let c = 0; c < d; c++) h[t * d + c] = (c < 8 ? eig.vectors[t * 8 + c] * 10 : 0) + 0.01 * gaussian(random);
  const basis = runLinalg(hiddenBasis({ data: h, d }, T, 128, seededRandom(2)));
  const { scores } = runLinalg(computeAlignment(cf, eig, basis, 1, seededRandom(3)));
  assert.ok(scores.Ak[7] > 0.999, `A_8 = ${scores.Ak[7]}`);
  const run = () => runLinalg(shiftNull(eig, basis, 40, seededRandom(4)));
  const a = run();
  assert.deepEqual(a, run(), 'deterministic for a seed');
  assert.ok(a.shifts.every(s => s >= 50 && s <= T - 50));
  assert.ok(a.percentile.Ak[7] >= 95, `percentile ${a.percentile.Ak[7]}`);
  assert.ok(a.percentile.energy[7] >= 95);
  assert.ok(a.nullMean.Ak[7] < scores.Ak[7]);
});

test('percentile counts ties as half', () => {
  assert.equal(percentile(2, [1, 2, 3, 4]), 37.5);
  assert.equal(percentile(5, [1, 2, 3, 4]), 100);
  assert.equal(percentile(0, [1, 2]), 0);
});
