/**
 * Dense float64 references for the geometry tests: explicit T×T operators, softmax rows, and
 * random test data. Slow on purpose (O(T²) and up); only for small cases.
 */
import assert from 'node:assert/strict';
import { jacobiEigen } from '../../../src/core/geometry/jacobi';
import type { Matrix } from '../../../src/core/geometry/products';
import { RandomFn, gaussian, seededRandom } from '../../../src/core/geometry/random';
import { GeometryInput } from '../../../src/core/geometry/types';

/** M = C F Fᵀ C / T as a dense T×T matrix. */
export function denseOperator(f: Float64Array, T: number, m: number): Float64Array {
  const c = centredCopy(f, T, m);
  const out = new Float64Array(T * T);
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
    let s = 0;
    for (let k = 0; k < m; k++) s += c[i * m + k] * c[j * m + k];
    out[i * T + j] = s / T;
  }
  return out;
}

export function centredCopy(f: Float64Array, T: number, m: number): Float64Array {
  const c = Float64Array.from(f);
  for (let k = 0; k < m; k++) {
    let mean = 0;
    for (let t = 0; t < T; t++) mean += c[t * m + k];
    mean /= T;
    for (let t = 0; t < T; t++) c[t * m + k] -= mean;
  }
  return c;
}

export function denseEigen(a: Float64Array, n: number) {
  return jacobiEigen(a, n, 200);
}

/** Random T×m matrix with column scales decaying geometrically (a clear spectral gap). */
export function decayingMatrix(T: number, m: number, decay: number, random: RandomFn): Float64Array {
  const out = new Float64Array(T * m);
  for (let t = 0; t < T; t++) for (let k = 0; k < m; k++) out[t * m + k] = gaussian(random) * Math.pow(decay, k);
  return out;
}

/** A symmetric n×n matrix with standard normal entries on and above the diagonal (row by row). */
export function randomSymmetric(n: number, random: RandomFn): Float64Array {
  const sym = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) { const x = gaussian(random); sym[i * n + j] = x; sym[j * n + i] = x; }
  return sym;
}

export function softmax(z: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < z.length; i++) max = Math.max(max, z[i]);
  const p = Float64Array.from(z, x => Math.exp(x - max));
  const s = p.reduce((a, b) => a + b, 0);
  return p.map(x => x / s);
}

/** Matrix product for references. */
export function mul(a: Float64Array, n: number, m: number, b: Float64Array, r: number): Float64Array {
  const out = new Float64Array(n * r);
  for (let i = 0; i < n; i++) for (let k = 0; k < m; k++) for (let j = 0; j < r; j++) out[i * r + j] += a[i * m + k] * b[k * r + j];
  return out;
}

export function transpose(a: Float64Array, n: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[j * n + i] = a[i * m + j];
  return out;
}

/** Cosines of principal angles between the column spans of orthonormal A (n×p) and B (n×q). */
export function principalCosines(a: Float64Array, p: number, b: Float64Array, q: number, n: number): Float64Array {
  const c = mul(transpose(a, n, p), p, n, b, q);
  const g = mul(c, p, q, transpose(c, p, q), p);
  return jacobiEigen(g, p).values.map(x => Math.sqrt(Math.max(0, x)));
}

/**
 * A small synthetic document: a random head W (V×d), hidden states, full softmax rows, targets
 * sampled from the rows, and top-k slices holding the whole distribution (k = V) unless k is given.
 */
export function syntheticDocument(T: number, V: number, d: number, random: RandomFn, k = V, logitScale = 2) {
  const W = new Float64Array(V * d);
  for (let i = 0; i < W.length; i++) W[i] = gaussian(random) / Math.sqrt(d) * logitScale;
  const hidden = new Float64Array(T * d);
  // Smoothly drifting hidden states, so neighbouring positions are correlated as in text.
  for (let c = 0; c < d; c++) {
    let x = gaussian(random);
    for (let t = 0; t < T; t++) { x = 0.9 * x + 0.44 * gaussian(random); hidden[t * d + c] = x; }
  }
  const rows: Float64Array[] = [];
  const targets = new Int32Array(T);
  const nll = new Float64Array(T);
  const entropy = new Float64Array(T);
  const rowStart = new Int32Array(T + 1);
  const ids: number[] = [];
  const probs: number[] = [];
  for (let t = 0; t < T; t++) {
    const z = new Float64Array(V);
    for (let w = 0; w < V; w++) for (let c = 0; c < d; c++) z[w] += W[w * d + c] * hidden[t * d + c];
    const p = softmax(z);
    rows.push(p);
    let u = random();
    let y = V - 1;
    for (let w = 0; w < V; w++) { u -= p[w]; if (u < 0) { y = w; break; } }
    targets[t] = y;
    nll[t] = -Math.log(p[y]);
    entropy[t] = -p.reduce((a, x) => a + (x > 0 ? x * Math.log(x) : 0), 0);
    const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => p[b] - p[a]).slice(0, k);
    for (const w of order) { ids.push(w); probs.push(p[w]); }
    rowStart[t + 1] = ids.length;
  }
  const input: GeometryInput = {
    targets, nll, entropy,
    top: { rowStart, ids: Int32Array.from(ids), probs: Float64Array.from(probs) },
    hidden: { data: hidden, d },
    head: { d, ids: Int32Array.from({ length: V }, (_, i) => i), rows: W },
  };
  return { input, W, hidden, rows };
}

export function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const random = seededRandom(seed);
  return { data: Float64Array.from({ length: rows * cols }, () => random() - 0.5), rows, cols };
}

/** Plain float64 op(A)·op(B), the reference. */
export function naiveProduct(a: Matrix, transA: boolean, b: Matrix, transB: boolean): Float64Array {
  const at = (x: Matrix, t: boolean, i: number, j: number) => (t ? x.data[j * x.cols + i] : x.data[i * x.cols + j]);
  const m = transA ? a.cols : a.rows;
  const k = transA ? a.rows : a.cols;
  const n = transB ? b.rows : b.cols;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let l = 0; l < k; l++) s += at(a, transA, i, l) * at(b, transB, l, j);
    out[i * n + j] = s;
  }
  return out;
}

export function assertProductClose(actual: Float64Array, expected: Float64Array, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= 1e-12 * (1 + Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** Shapes that leave edges outside the kernel's 2×4 blocks and rows longer than its 256 chunk. */
export const PRODUCT_SHAPES: Array<[number, number, number]> = [[1, 1, 1], [3, 7, 5], [7, 301, 9], [32, 513, 130], [2, 256, 4], [5, 1000, 3]];
