import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildKernelFactor } from '../../../src/core/geometry/kernels';
import { DenseFactor, SparseFactor, Factor } from '../../../src/core/geometry/factor';
import { runLinalg } from '../../../src/core/geometry/products';
import { seededRandom } from '../../../src/core/geometry/random';
import { syntheticDocument } from './reference';

/** K = F Fᵀ as a dense T×T matrix from any factor (via products with the identity). */
function kernelMatrix(f: Factor): Float64Array {
  const T = f.rows;
  const eye = new Float64Array(T * T);
  for (let t = 0; t < T; t++) eye[t * T + t] = 1;
  const ft = runLinalg(f.tmul(eye, T));
  return runLinalg(f.mul(ft, T));
}

const T = 25;
const V = 15;
const d = 5;
const doc = syntheticDocument(T, V, d, seededRandom(3));

test('prototype kernel: K_ij = ⟨ḡ_i, ḡ_j⟩ with ḡ = Σ_w p(w) W_w/‖W_w‖ (model) and Ŵ_y (data)', () => {
  const unit = (w: number) => { const row = doc.W.subarray(w * d, (w + 1) * d); const n = Math.hypot(...row); return Array.from(row, x => x / n); };
  const gbar = doc.rows.map(p => { const g = new Array(d).fill(0); p.forEach((pw, w) => unit(w).forEach((x, c) => { g[c] += pw * x; })); return g; });
  const K = kernelMatrix(buildKernelFactor(doc.input, 'prototype', 'model').factor);
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
    const ref = gbar[i].reduce((a, x, c) => a + x * gbar[j][c], 0);
    assert.ok(Math.abs(K[i * T + j] - ref) < 1e-12);
  }
  const data = buildKernelFactor(doc.input, 'prototype', 'data');
  assert.ok(data.factor instanceof DenseFactor);
  const Kd = kernelMatrix(data.factor);
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
    const ref = unit(doc.input.targets[i]).reduce((a, x, c) => a + x * unit(doc.input.targets[j])[c], 0);
    assert.ok(Math.abs(Kd[i * T + j] - ref) < 1e-12);
  }
  assert.equal(data.info.side, 'data');
});

test('Bhattacharyya kernel: K_ij = Σ √(p_i p_j), unit diagonal with full distributions', () => {
  const kf = buildKernelFactor(doc.input, 'bhattacharyya', 'model');
  assert.ok(kf.factor instanceof SparseFactor);
  assert.equal(kf.info.inPaper, true);
  const K = kernelMatrix(kf.factor);
  for (let i = 0; i < T; i++) {
    assert.ok(Math.abs(K[i * T + i] - 1) < 1e-12);
    for (let j = 0; j < T; j++) {
      const ref = doc.rows[i].reduce((a, p, w) => a + Math.sqrt(p * doc.rows[j][w]), 0);
      assert.ok(Math.abs(K[i * T + j] - ref) < 1e-12);
    }
  }
});

test('HaoChen kernel (labelled not in paper): K/T has eigenvalue 1 with the constant eigenvector', () => {
  const kf = buildKernelFactor(doc.input, 'haochen', 'model');
  assert.equal(kf.info.inPaper, false);
  assert.match(kf.info.label, /NOT the paper/);
  const K = kernelMatrix(kf.factor);
  for (let i = 0; i < T; i++) {
    let row = 0;
    for (let j = 0; j < T; j++) row += K[i * T + j] / T;
    assert.ok(Math.abs(row - 1) < 1e-12, `row ${i} sums to ${row}`);
  }
});

test('one-hot data-side kernels other than the prototype are refused', () => {
  assert.throws(() => buildKernelFactor(doc.input, 'bhattacharyya', 'data'), /degenerate/);
});

test('truncated slices report their missing mass', () => {
  const truncated = syntheticDocument(20, 30, 4, seededRandom(4), 3);
  const kf = buildKernelFactor(truncated.input, 'prototype', 'model');
  const expected = Math.max(...truncated.rows.map(p => 1 - Array.from(p).sort((a, b) => b - a).slice(0, 3).reduce((a, x) => a + x, 0)));
  assert.ok(Math.abs(kf.info.maxResidual - expected) < 1e-12);
  assert.ok(kf.info.maxResidual > 0);
});
