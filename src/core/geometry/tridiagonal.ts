/**
 * Symmetric eigensolver by Householder tridiagonalisation and the implicit QL algorithm (the
 * EISPACK tred2/tql2 pair, as in JAMA). O(n³) with a small constant: this is the fast path for
 * Gram and Rayleigh-Ritz matrices of a few hundred rows; the Jacobi solver is the test reference.
 */
import { SymmetricEigen } from './jacobi';
import { applyReflectors } from './householder';
import { Linalg, transpose } from './products';
import { Tridiagonal, tridiagonalEigenvectors } from './inverseIteration';

export function tridiagonalEigen(a: Float64Array, n: number): SymmetricEigen {
  // V is stored transposed (V[i][j] lives at j*n + i) so every O(n³) inner loop runs over
  // contiguous memory; the input is symmetric, so its transpose is itself.
  const V = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tred2(V, d, e, n);
  tql2(V, d, e, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j] - d[i]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = d[src];
    for (let k = 0; k < n; k++) vectors[k * n + dst] = V[src * n + k];
  });
  return { values, vectors };
}

/** Eigenvalues only, descending: the same values as tridiagonalEigen, at about a fifth of the cost. */
export function tridiagonalEigenvalues(a: Float64Array, n: number): Float64Array {
  const V = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tred2(V, d, e, n, false);
  tql2(null, d, e, n);
  return d.sort().reverse();
}

/**
 * All eigenvalues (descending, as tridiagonalEigen) and the eigenvectors of the top `count` only,
 * as columns of an n×count row-major matrix. The vectors come from inverse iteration on the
 * tridiagonal form (inverseIteration.ts) mapped back through the stored Householder reflectors of
 * the reduction (householder.ts, whose products are Linalg steps): O(count·n²), without ever forming
 * the n×n transform (tred2's O(n³) accumulation).
 */
export function* tridiagonalEigenTop(a: Float64Array, n: number, count: number): Linalg<{ values: Float64Array; vectors: Float64Array }> {
  count = Math.max(0, Math.min(count, n));
  if (n <= 2 || count === n) {
    const full = tridiagonalEigen(a, n);
    const vectors = new Float64Array(n * count);
    for (let i = 0; i < n; i++) for (let j = 0; j < count; j++) vectors[i * count + j] = full.vectors[i * n + j];
    return { values: full.values, vectors };
  }
  const reflectors = Float64Array.from(a); // after tred2: reflector i in reflectors[i*n .. i*n+i)
  const halfSquaredNorms = new Float64Array(n);
  const diag = new Float64Array(n);
  const sub = new Float64Array(n); // sub[i] = T[i][i−1], sub[0] = 0
  tred2(reflectors, diag, sub, n, false, halfSquaredNorms);
  const { values, vectors: ys } = symmetricTridiagonalTop({ diag, sub }, count);
  yield* applyReflectors(reflectors, halfSquaredNorms, n, ys, count);
  return { values, vectors: transpose(ys, count, n) };
}

/**
 * All eigenvalues (descending) of a symmetric tridiagonal matrix (diag, sub[i] = T[i][i−1]) by QL,
 * and the eigenvectors of the top `count` by inverse iteration, as rows of a count×n matrix:
 * O(n² + count·n), where a full solve accumulating every vector costs O(n³).
 */
export function symmetricTridiagonalTop(t: Tridiagonal, count: number): { values: Float64Array; vectors: Float64Array } {
  const { diag, sub } = t;
  const n = diag.length;
  const d = Float64Array.from(diag);
  const e = Float64Array.from(sub);
  tql2(null, d, e, n);
  const values = d.sort().reverse();
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(diag[i]) + Math.abs(sub[i]) + (i + 1 < n ? Math.abs(sub[i + 1]) : 0));
  return { values, vectors: tridiagonalEigenvectors(t, values, Math.max(0, Math.min(count, n)), norm) };
}

/**
 * For a matrix that is already symmetric tridiagonal (diagonal `diag`, sub-diagonal `sub` with
 * sub[i] = T[i][i−1], sub[0] unused): every eigenvalue (descending, by QL without vectors, O(n²))
 * and the unit eigenvectors of the top `count` as rows of a count×n matrix (inverse iteration,
 * O(count·n)). No Householder step: the matrix is tridiagonal to begin with.
 */
export function tridiagonalMatrixTop(diag: Float64Array, sub: Float64Array, count: number): { values: Float64Array; rows: Float64Array } {
  const n = diag.length;
  const d = Float64Array.from(diag);
  const e = Float64Array.from(sub);
  e[0] = 0;
  tql2(null, d, e, n);
  const values = d.sort().reverse();
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(diag[i]) + (i > 0 ? Math.abs(sub[i]) : 0) + (i + 1 < n ? Math.abs(sub[i + 1]) : 0));
  const k = Math.max(0, Math.min(count, n));
  const fixedSub = Float64Array.from(sub);
  fixedSub[0] = 0;
  return { values, rows: tridiagonalEigenvectors({ diag: Float64Array.from(diag), sub: fixedSub }, values, k, norm) };
}

/**
 * Householder reduction A = Q T Qᵀ (JAMA's tred2, V stored transposed). With `accumulate` Q is
 * formed in V (O(n³)); without, only d and e (T's diagonal and subdiagonal) are final and V keeps
 * the scaled Householder vectors (row i, entries 0..i−1), their h_i = ‖u_i‖²/2 written to
 * `reflectorScales` when given (applyReflectors uses them instead of forming Q).
 */
function tred2(V: Float64Array, d: Float64Array, e: Float64Array, n: number, accumulate = true, reflectorScales?: Float64Array): void {
  for (let j = 0; j < n; j++) d[j] = V[j * n + (n - 1)];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[j * n + (i - 1)];
        V[j * n + i] = 0;
        V[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) { d[k] /= scale; h += d[k] * d[k]; }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) V[i * n + j] = d[j];
      symmetricProduct(V, n, i, d, e);
      f = 0;
      for (let j = 0; j < i; j++) { e[j] /= h; f += e[j] * d[j]; }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      rankTwoUpdate(V, n, i, d, e);
      for (let j = 0; j < i; j++) {
        d[j] = V[j * n + (i - 1)];
        V[j * n + i] = 0;
      }
    }
    d[i] = h;
  }
  if (!accumulate) {
    if (reflectorScales) reflectorScales.set(d);
    // The diagonal sits on V's diagonal until the accumulation below moves it (see JAMA's tred2).
    for (let j = 0; j < n; j++) d[j] = V[j * n + j];
    e[0] = 0;
    return;
  }
  for (let i = 0; i < n - 1; i++) {
    V[i * n + (n - 1)] = V[i * n + i];
    V[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[(i + 1) * n + k] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[(i + 1) * n + k] * V[j * n + k];
        for (let k = 0; k <= i; k++) V[j * n + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[(i + 1) * n + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[j * n + (n - 1)];
    V[j * n + (n - 1)] = 0;
  }
  V[(n - 1) * n + (n - 1)] = 1;
  e[0] = 0;
}

/**
 * e[0..i) = A u for the symmetric leading i×i block A of V (upper triangle in rows j, entries k ≥ j)
 * and u = d[0..i): tred2's loop, two rows per pass so e[k] and d[k] are loaded once for both.
 * Every sum is formed in the same order as one row at a time, so the results are bit-identical.
 */
function symmetricProduct(V: Float64Array, n: number, i: number, d: Float64Array, e: Float64Array): void {
  e.fill(0, 0, i);
  let j = 0;
  for (; j + 1 < i; j += 2) {
    const r0 = j * n;
    const r1 = r0 + n;
    const f0 = d[j];
    const f1 = d[j + 1];
    let g0 = e[j] + V[r0 + j] * f0;
    const v01 = V[r0 + j + 1];
    g0 += v01 * d[j + 1];
    e[j + 1] += v01 * f0;
    let g1 = e[j + 1] + V[r1 + j + 1] * f1;
    for (let k = j + 2; k < i; k++) {
      const a = V[r0 + k];
      const b = V[r1 + k];
      const dk = d[k];
      g0 += a * dk;
      g1 += b * dk;
      e[k] = e[k] + a * f0 + b * f1;
    }
    e[j] = g0;
    e[j + 1] = g1;
  }
  if (j < i) e[j] += V[j * n + j] * d[j];
}

/** Rows j < i of V, entries k ≥ j: V[j][k] −= d[j]·e[k] + e[j]·d[k] (tred2's update), two rows per pass. */
function rankTwoUpdate(V: Float64Array, n: number, i: number, d: Float64Array, e: Float64Array): void {
  let j = 0;
  for (; j + 1 < i; j += 2) {
    const r0 = j * n;
    const r1 = r0 + n;
    const f0 = d[j];
    const g0 = e[j];
    const f1 = d[j + 1];
    const g1 = e[j + 1];
    V[r0 + j] -= f0 * e[j] + g0 * d[j];
    for (let k = j + 1; k < i; k++) {
      const ek = e[k];
      const dk = d[k];
      V[r0 + k] -= f0 * ek + g0 * dk;
      V[r1 + k] -= f1 * ek + g1 * dk;
    }
  }
  if (j < i) V[j * n + j] -= d[j] * e[j] + e[j] * d[j];
}

/** `V` null: eigenvalues only (the same d/e arithmetic, so the same values, without the O(n³) rotations). */
function tql2(V: Float64Array | null, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = Math.pow(2, -52);
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      for (let iter = 0; iter < 60; iter++) {
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          if (V) for (let k = 0; k < n; k++) {
            h = V[(i + 1) * n + k];
            V[(i + 1) * n + k] = s * V[i * n + k] + c * h;
            V[i * n + k] = c * V[i * n + k] - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
        if (Math.abs(e[l]) <= eps * tst1) break;
      }
    }
    d[l] += f;
    e[l] = 0;
  }
}

/**
 * √(a² + b²) without Math.hypot, which is slow in V8 (it guards against overflow for every call):
 * the plain form whenever a² + b² is well inside float64's range (within rounding of hypot), the
 * scaled Math.hypot only where it would overflow or underflow.
 */
function hypot(a: number, b: number): number {
  const s = a * a + b * b;
  return s > 1e-290 && s < 1e290 ? Math.sqrt(s) : Math.hypot(a, b);
}
