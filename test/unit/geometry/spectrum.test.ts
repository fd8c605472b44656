import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CentredFactor, DenseFactor, SparseFactor } from '../../../src/core/geometry/factor';
import { topEigenpairs } from '../../../src/core/geometry/spectrum';
import { runLinalg } from '../../../src/core/geometry/products';
import { seededRandom, gaussian } from '../../../src/core/geometry/random';
import { decayingMatrix, denseEigen, denseOperator, principalCosines } from './reference';

function checkAgainstDense(f: Float64Array, T: number, m: number, count: number, options: { denseColumnLimit?: number; gramColumnLimit?: number; maxIterations?: number }) {
  const dense = denseEigen(denseOperator(f, T, m), T);
  const eig = runLinalg(topEigenpairs(new CentredFactor(new DenseFactor(f, T, m)), { count, random: seededRandom(9), tolerance: 1e-13, ...options }));
  for (let j = 0; j < count; j++) {
    const rel = Math.abs(eig.values[j] - dense.values[j]) / dense.values[j];
    assert.ok(rel < 1e-6, `λ${j}: ${eig.values[j]} vs ${dense.values[j]} (rel ${rel})`);
  }
  // Subspaces: principal angles between the top-`count` eigenvectors are all ~0.
  const ref = new Float64Array(T * count);
  for (let t = 0; t < T; t++) for (let j = 0; j < count; j++) ref[t * count + j] = dense.vectors[t * T + j];
  const cos = principalCosines(eig.vectors, count, ref, count, T);
  for (let j = 0; j < count; j++) assert.ok(cos[j] > 1 - 1e-6, `cos θ${j} = ${cos[j]}`);
  let trace = 0;
  for (const x of dense.values) trace += x;
  assert.ok(Math.abs(eig.trace - trace) < 1e-10 * trace);
  return eig;
}

test('subspace iteration matches dense eigenpairs of C F Fᵀ C / T (decaying spectrum)', () => {
  const T = 150;
  const m = 120;
  const f = decayingMatrix(T, m, 0.9, seededRandom(1));
  const eig = checkAgainstDense(f, T, m, 10, { denseColumnLimit: 0, gramColumnLimit: 0, maxIterations: 200 });
  assert.equal(eig.method, 'subspace-iteration');
  assert.ok(eig.converged);
});

test('the Gram + Lanczos path matches dense eigenpairs and gives the exact Σλ²', () => {
  const T = 140;
  const m = 110;
  const f = decayingMatrix(T, m, 0.93, seededRandom(12));
  const eig = checkAgainstDense(f, T, m, 12, { denseColumnLimit: 0 });
  assert.equal(eig.method, 'gram-lanczos');
  assert.ok(eig.converged);
  const dense = denseEigen(denseOperator(f, T, m), T);
  const sumSquares = dense.values.reduce((a, x) => a + x * x, 0);
  assert.ok(Math.abs((eig.sumSquares as number) - sumSquares) < 1e-10 * sumSquares);
});

test('the dense Gram path is exact, including Σλ²', () => {
  const T = 80;
  const m = 30;
  const f = decayingMatrix(T, m, 0.95, seededRandom(2));
  const eig = checkAgainstDense(f, T, m, 12, {});
  assert.equal(eig.method, 'dense-gram');
  const dense = denseEigen(denseOperator(f, T, m), T);
  const sumSquares = dense.values.reduce((a, x) => a + x * x, 0);
  assert.ok(Math.abs((eig.sumSquares as number) - sumSquares) < 1e-10 * sumSquares);
});

test('sparse and dense factors of the same matrix give the same eigenpairs', () => {
  const random = seededRandom(4);
  const T = 90;
  const m = 140;
  const dense = new Float64Array(T * m);
  const rowStart = new Int32Array(T + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  for (let t = 0; t < T; t++) {
    const chosen = new Set<number>();
    while (chosen.size < 6) chosen.add(Math.floor(random() * (t % 3 === 0 ? 20 : m)));
    for (const c of [...chosen].sort((a, b) => a - b)) { const v = Math.abs(gaussian(random)); cols.push(c); vals.push(v); dense[t * m + c] = v; }
    rowStart[t + 1] = cols.length;
  }
  const sparse = new SparseFactor(rowStart, Int32Array.from(cols), Float64Array.from(vals), T, m);
  const a = runLinalg(topEigenpairs(new CentredFactor(sparse), { count: 6, random: seededRandom(1), denseColumnLimit: 0, gramColumnLimit: 0, maxIterations: 300, tolerance: 1e-14 }));
  const b = runLinalg(topEigenpairs(new CentredFactor(sparse), { count: 6, random: seededRandom(1), denseColumnLimit: 0 }));
  assert.equal(b.method, 'gram-lanczos');
  const ref = denseEigen(denseOperator(dense, T, m), T);
  for (let j = 0; j < 6; j++) {
    assert.ok(Math.abs(a.values[j] - ref.values[j]) < 1e-6 * ref.values[j], `λ${j}`);
    assert.ok(Math.abs(b.values[j] - ref.values[j]) < 1e-9 * ref.values[0], `Lanczos λ${j}`);
  }
});

test('eigenvectors are centred (orthogonal to constants) and have deterministic signs', () => {
  const T = 100;
  const m = 110;
  const f = decayingMatrix(T, m, 0.85, seededRandom(8));
  const run = () => runLinalg(topEigenpairs(new CentredFactor(new DenseFactor(f, T, m)), { count: 5, random: seededRandom(3), denseColumnLimit: 0, gramColumnLimit: 0 }));
  const a = run();
  const b = run();
  assert.deepEqual(Array.from(a.vectors), Array.from(b.vectors));
  for (let j = 0; j < 5; j++) {
    let sum = 0;
    let best = 0;
    for (let t = 0; t < T; t++) { sum += a.vectors[t * 5 + j]; if (Math.abs(a.vectors[t * 5 + j]) > Math.abs(best)) best = a.vectors[t * 5 + j]; }
    assert.ok(Math.abs(sum) < 1e-9);
    assert.ok(best > 0);
  }
});

test('a rank-deficient operator returns zero eigenvalues beyond its rank, without NaN', () => {
  const T = 40;
  const m = 3;
  const f = decayingMatrix(T, m, 1, seededRandom(6));
  const eig = runLinalg(topEigenpairs(new CentredFactor(new DenseFactor(f, T, m)), { count: 8, random: seededRandom(1) }));
  assert.equal(eig.count, 3);
  assert.ok(eig.values.every(Number.isFinite));
  assert.ok(eig.vectors.every(Number.isFinite));
});

test('the Gram paths leave coefficients with U = CF · coefficients (signs and scaling included); subspace iteration none', () => {
  const T = 300;
  for (const [m, options, method] of [[40, {}, 'dense-gram'], [60, { denseColumnLimit: 10 }, 'gram-lanczos'], [60, { denseColumnLimit: 10, gramColumnLimit: 20 }, 'subspace-iteration']] as const) {
    const random = seededRandom(m);
    const f = Float64Array.from({ length: T * m }, () => gaussian(random) + 0.3);
    const cf = new CentredFactor(new DenseFactor(f, T, m));
    const eig = runLinalg(topEigenpairs(cf, { count: 6, random: seededRandom(2), ...options }));
    assert.equal(eig.method, method);
    if (method === 'subspace-iteration') { assert.equal(eig.coefficients, undefined); continue; }
    const rebuilt = runLinalg(cf.mul(eig.coefficients!, eig.count));
    let worst = 0;
    for (let i = 0; i < rebuilt.length; i++) worst = Math.max(worst, Math.abs(rebuilt[i] - eig.vectors[i]));
    assert.ok(worst < 1e-12, `${method}: |CF·G − U| = ${worst}`);
  }
});
