import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jacobiEigen } from '../../../src/core/geometry/jacobi';
import { symmetricEigenTop } from '../../../src/core/geometry/eigen';
import { orthonormalizeColumns } from '../../../src/core/geometry/dense';
import { runLinalg } from '../../../src/core/geometry/products';
import { seededRandom, gaussian, RandomFn } from '../../../src/core/geometry/random';
import { mul, principalCosines, randomSymmetric, transpose } from './reference';

/** Q diag(λ) Qᵀ for a random orthogonal Q: a symmetric matrix with exactly the given spectrum. */
function withSpectrum(lambda: number[], random: RandomFn): Float64Array {
  const n = lambda.length;
  const q = Float64Array.from({ length: n * n }, () => gaussian(random));
  orthonormalizeColumns(q, n, n);
  const scaled = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) scaled[i * n + j] = q[i * n + j] * lambda[j];
  return mul(scaled, n, n, transpose(q, n, n), n);
}

/** Larger cases than linalg.test.ts: sizes of the real Grams (d = 192) and spectra that stress inverse iteration. */
function hardMatrices(): Array<{ name: string; a: Float64Array; n: number }> {
  const random = seededRandom(41);
  const out: Array<{ name: string; a: Float64Array; n: number }> = [];
  const n = 200;
  out.push({ name: 'random n=200', a: randomSymmetric(n, random), n });
  // A power-law Gram spectrum like the hidden states': one long chain of eigenvalues closer than 1e-3‖A‖.
  out.push({ name: 'power law n=192', a: withSpectrum(Array.from({ length: 192 }, (_, j) => Math.pow(j + 1, -1.5)), random), n: 192 });
  // Exact repeats (multiplicity 4 and 3), near repeats at relative spacings 1e-13 … 1e-5, and zeros.
  const clustered: number[] = [];
  for (let g = 0; g < 4; g++) clustered.push(5);
  for (const spacing of [1e-13, 1e-10, 1e-7, 1e-5]) for (let g = 0; g < 5; g++) clustered.push(2 + spacing * g + clustered.length * 1e-3);
  for (let g = 0; g < 3; g++) clustered.push(-1);
  while (clustered.length < 120) clustered.push(clustered.length < 100 ? 0.5 + 1e-4 * clustered.length : 0);
  out.push({ name: 'clustered n=120', a: withSpectrum(clustered, random), n: 120 });
  return out;
}

test('top-count eigenpairs match Jacobi on large, clustered and repeated spectra: values, residual ‖Av − λv‖, orthonormality, span', () => {
  for (const { name, a, n } of hardMatrices()) {
    const reference = jacobiEigen(a, n, 200);
    const scale = Math.max(Math.abs(reference.values[0]), Math.abs(reference.values[n - 1]));
    for (const count of [1, 32, n - 1]) {
      const { values, vectors } = runLinalg(symmetricEigenTop(a, n, count));
      for (let i = 0; i < n; i++) assert.ok(Math.abs(values[i] - reference.values[i]) < 1e-12 * scale, `${name}: λ${i} ${values[i]} vs ${reference.values[i]}`);
      const av = mul(a, n, n, vectors, count);
      for (let j = 0; j < count; j++) {
        let residual = 0;
        for (let i = 0; i < n; i++) residual += (av[i * count + j] - values[j] * vectors[i * count + j]) ** 2;
        assert.ok(Math.sqrt(residual) < 1e-12 * scale, `${name} count ${count}: ‖Av − λv‖ of vector ${j} = ${Math.sqrt(residual)}`);
      }
      const vtv = mul(transpose(vectors, n, count), count, n, vectors, count);
      for (let i = 0; i < count; i++) for (let j = 0; j < count; j++) {
        assert.ok(Math.abs(vtv[i * count + j] - (i === j ? 1 : 0)) < 1e-12, `${name} count ${count}: (VᵀV)[${i}][${j}] = ${vtv[i * count + j]}`);
      }
      // The top-count span is unique where λ_count is separated from λ_{count+1}; the principal
      // angles to Jacobi's span are then bounded by residual / gap (here ≤ 1e-12 · scale / gap).
      const gap = reference.values[count - 1] - reference.values[count];
      if (gap > 1e-6 * scale) {
        const lead = new Float64Array(n * count);
        for (let i = 0; i < n; i++) for (let j = 0; j < count; j++) lead[i * count + j] = reference.vectors[i * n + j];
        const cosines = principalCosines(lead, count, vectors, count, n);
        cosines.forEach((c, i) => assert.ok(1 - c < 1e-10, `${name} count ${count}: cos θ${i} = ${c}`));
      }
    }
  }
});

test('eigenpairs of matrices scaled by 1e±100 are the scaled eigenpairs (the QL rotations take no square root of an out-of-range sum)', () => {
  const random = seededRandom(8);
  const n = 30;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) { const x = gaussian(random); a[i * n + j] = x; a[j * n + i] = x; }
  const base = runLinalg(symmetricEigenTop(a, n, 5));
  for (const factor of [1e100, 1e-100]) {
    const { values, vectors } = runLinalg(symmetricEigenTop(a.map(x => x * factor), n, 5));
    for (let i = 0; i < n; i++) assert.ok(Math.abs(values[i] / factor - base.values[i]) < 1e-13 * Math.abs(base.values[0]), `×${factor}: λ${i}`);
    for (let j = 0; j < 5; j++) {
      let cos = 0;
      for (let i = 0; i < n; i++) cos += vectors[i * 5 + j] * base.vectors[i * 5 + j];
      assert.ok(Math.abs(Math.abs(cos) - 1) < 1e-12, `×${factor}: vector ${j}, |cos| = ${Math.abs(cos)}`);
    }
  }
});
