import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jacobiEigen } from '../../../src/core/geometry/jacobi';
import { symmetricEigen, symmetricEigenTop, symmetricEigenvalues, singularValues } from '../../../src/core/geometry/eigen';
import { orthonormalizeColumns } from '../../../src/core/geometry/dense';
import { jsProducts, runLinalg } from '../../../src/core/geometry/products';
import { seededRandom, gaussian } from '../../../src/core/geometry/random';
import { mul, randomSymmetric, transpose } from './reference';

for (const [name, solver] of [['Jacobi', jacobiEigen], ['tridiagonal QL', symmetricEigen]] as const) {
test(`${name} eigen-decomposition reconstructs a random symmetric matrix, vectors orthonormal`, () => {
  const random = seededRandom(7);
  const n = 12;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) { const x = gaussian(random); a[i * n + j] = x; a[j * n + i] = x; }
  const { values, vectors } = solver(a, n);
  for (let i = 1; i < n; i++) assert.ok(values[i - 1] >= values[i]);
  const lam = new Float64Array(n * n);
  for (let i = 0; i < n; i++) lam[i * n + i] = values[i];
  const back = mul(mul(vectors, n, n, lam, n), n, n, transpose(vectors, n, n), n);
  for (let i = 0; i < n * n; i++) assert.ok(Math.abs(back[i] - a[i]) < 1e-12, `entry ${i}`);
  const vtv = mul(transpose(vectors, n, n), n, n, vectors, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.ok(Math.abs(vtv[i * n + j] - (i === j ? 1 : 0)) < 1e-12);
});

test(`${name} resolves a known spectrum, including tiny eigenvalues, to relative 1e-10`, () => {
  const random = seededRandom(3);
  const n = 8;
  const q = new Float64Array(n * n);
  for (let i = 0; i < q.length; i++) q[i] = gaussian(random);
  orthonormalizeColumns(q, n, n);
  const want = [100, 10, 1, 0.1, 1e-3, 1e-5, 1e-7, 0];
  const lam = new Float64Array(n * n);
  want.forEach((x, i) => { lam[i * n + i] = x; });
  const a = mul(mul(q, n, n, lam, n), n, n, transpose(q, n, n), n);
  const { values } = solver(a, n);
  want.forEach((x, i) => assert.ok(Math.abs(values[i] - x) <= 1e-12 * 100 + 1e-10 * x, `λ${i}: ${values[i]} vs ${x}`));
});

}

test('tridiagonal QL agrees with Jacobi on random and degenerate matrices', () => {
  const random = seededRandom(17);
  for (const n of [1, 2, 3, 60]) {
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) { const x = gaussian(random); a[i * n + j] = x; a[j * n + i] = x; }
    const x = symmetricEigen(a, n).values;
    const y = jacobiEigen(a, n).values;
    for (let i = 0; i < n; i++) assert.ok(Math.abs(x[i] - y[i]) < 1e-11, `n=${n} λ${i}`);
  }
  // Repeated eigenvalues (a projector): all vectors still orthonormal and A v = λ v.
  const n = 10;
  const q = Float64Array.from({ length: n * 3 }, () => gaussian(random));
  orthonormalizeColumns(q, n, 3);
  const p = mul(q, n, 3, transpose(q, n, 3), n);
  const { values, vectors } = symmetricEigen(p, n);
  values.forEach((v, i) => assert.ok(Math.abs(v - (i < 3 ? 1 : 0)) < 1e-12));
  const av = mul(p, n, n, vectors, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.ok(Math.abs(av[i * n + j] - values[j] * vectors[i * n + j]) < 1e-12);
});

/** Symmetric test matrices: random, a Gram of low rank (a cluster of zeros), a projector (repeated 1s and 0s), zero, diagonal with ties. */
function testMatrices(): Array<{ name: string; a: Float64Array; n: number }> {
  const random = seededRandom(23);
  const out: Array<{ name: string; a: Float64Array; n: number }> = [];
  const n = 40;
  out.push({ name: 'random', a: randomSymmetric(n, random), n });
  const x = Float64Array.from({ length: n * 6 }, () => gaussian(random));
  out.push({ name: 'rank-6 Gram', a: mul(x, n, 6, transpose(x, n, 6), n), n });
  const q = Float64Array.from({ length: n * 5 }, () => gaussian(random));
  orthonormalizeColumns(q, n, 5);
  out.push({ name: 'projector', a: mul(q, n, 5, transpose(q, n, 5), n), n });
  out.push({ name: 'zero', a: new Float64Array(9), n: 3 });
  const diag = new Float64Array(36);
  [3, 1, 3, 2, 1, 3].forEach((v, i) => { diag[i * 6 + i] = v; });
  out.push({ name: 'diagonal with ties', a: diag, n: 6 });
  return out;
}

test('eigenvalues only are the full solver\'s values, bit for bit', () => {
  for (const { name, a, n } of testMatrices()) assert.deepEqual(Array.from(symmetricEigenvalues(a, n)), Array.from(symmetricEigen(a, n).values), name);
});

test('top-count eigenvectors by inverse iteration: A v = λ v, orthonormal, and the span of the Jacobi vectors', () => {
  for (const { name, a, n } of testMatrices()) {
    const reference = jacobiEigen(a, n);
    const scale = Math.max(1, Math.abs(reference.values[0]), Math.abs(reference.values[n - 1]));
    for (const count of [1, 3, Math.min(n, 8), n]) {
      const { values, vectors } = runLinalg(symmetricEigenTop(a, n, count));
      for (let i = 0; i < n; i++) assert.ok(Math.abs(values[i] - reference.values[i]) < 1e-12 * scale, `${name}: λ${i}`);
      const av = mul(a, n, n, vectors, count);
      for (let i = 0; i < n; i++) for (let j = 0; j < count; j++) {
        assert.ok(Math.abs(av[i * count + j] - values[j] * vectors[i * count + j]) < 1e-12 * scale, `${name} count ${count}: residual (${i}, ${j})`);
      }
      const vtv = mul(transpose(vectors, n, count), count, n, vectors, count);
      for (let i = 0; i < count; i++) for (let j = 0; j < count; j++) assert.ok(Math.abs(vtv[i * count + j] - (i === j ? 1 : 0)) < 1e-12, `${name} count ${count}: orthonormal`);
      // Where λ_count is separated from λ_{count+1}, the top-count span is unique: cosines of the
      // principal angles with Jacobi's vectors are all 1.
      if (count < n && reference.values[count - 1] - reference.values[count] > 1e-6 * scale) {
        const lead = new Float64Array(n * count);
        for (let i = 0; i < n; i++) for (let j = 0; j < count; j++) lead[i * count + j] = reference.vectors[i * n + j];
        const cosines = singularValues(mul(transpose(lead, n, count), count, n, vectors, count), count, count);
        cosines.forEach((c, i) => assert.ok(Math.abs(c - 1) < 1e-10, `${name} count ${count}: cos θ${i} = ${c}`));
      }
    }
  }
});

test('singular values of a rectangular matrix match the eigenvalues of its Gram', () => {
  const random = seededRandom(5);
  const a = Float64Array.from({ length: 3 * 7 }, () => gaussian(random));
  const s = singularValues(a, 3, 7);
  const st = singularValues(transpose(a, 3, 7), 7, 3);
  const g = symmetricEigen(mul(a, 3, 7, transpose(a, 3, 7), 3), 3).values;
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(s[i] - Math.sqrt(g[i])) < 1e-12);
    assert.ok(Math.abs(st[i] - s[i]) < 1e-12);
  }
});

test('orthonormalisation gives QᵀQ = I, keeps the span, and refills dependent columns', () => {
  const random = seededRandom(11);
  const n = 20;
  const r = 5;
  const a = Float64Array.from({ length: n * r }, () => gaussian(random));
  for (let i = 0; i < n; i++) a[i * r + 4] = a[i * r + 0] + 2 * a[i * r + 1]; // dependent column
  const original = Float64Array.from(a);
  const dependent = orthonormalizeColumns(a, n, r, random);
  assert.equal(dependent, 1);
  const qtq = jsProducts.gemm({ a: { data: a, rows: n, cols: r }, transA: true, b: { data: a, rows: n, cols: r }, transB: false });
  for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) assert.ok(Math.abs(qtq[i * r + j] - (i === j ? 1 : 0)) < 1e-12);
  // The first four original columns lie in span(Q): residual of projection is zero.
  const coeff = jsProducts.gemm({ a: { data: a, rows: n, cols: r }, transA: true, b: { data: original, rows: n, cols: r }, transB: false });
  const proj = jsProducts.gemm({ a: { data: a, rows: n, cols: r }, transA: false, b: { data: coeff, rows: r, cols: r }, transB: false });
  for (let i = 0; i < n; i++) for (let j = 0; j < 4; j++) assert.ok(Math.abs(proj[i * r + j] - original[i * r + j]) < 1e-10);
});

test('the seeded generator is deterministic and roughly uniform', () => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b()));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05);
  assert.ok(xs.every(x => x >= 0 && x < 1));
});
