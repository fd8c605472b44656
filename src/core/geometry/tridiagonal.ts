/**
 * Symmetric eigensolver by Householder tridiagonalisation and the implicit QL algorithm (the
 * EISPACK tred2/tql2 pair, as in JAMA). O(n³) with a small constant: this is the fast path for
 * Gram and Rayleigh-Ritz matrices of a few hundred rows; the Jacobi solver is the test reference.
 */
import { SymmetricEigen } from './jacobi';
import { axpy, dot } from './vectorOps';

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

/** `accumulate` false: only d and e (the tridiagonal) are wanted, V is left as scratch. */
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
 * tridiagonal form (LAPACK dstein's scheme: a few solves with (T − λI) from a fixed start, vectors
 * of one cluster of close eigenvalues orthogonalised against each other) mapped back through the
 * Householder transform: O(count·n²) instead of the O(n³) rotations tql2 would accumulate for all n.
 */
export function tridiagonalEigenTop(a: Float64Array, n: number, count: number): { values: Float64Array; vectors: Float64Array } {
  count = Math.max(0, Math.min(count, n));
  if (n <= 2 || count === n) {
    const full = tridiagonalEigen(a, n);
    const vectors = new Float64Array(n * count);
    for (let i = 0; i < n; i++) for (let j = 0; j < count; j++) vectors[i * count + j] = full.vectors[i * n + j];
    return { values: full.values, vectors };
  }
  const Q = Float64Array.from(a); // after tred2: Q[k][i] at i*n + k, A = Q T Qᵀ
  const diag = new Float64Array(n);
  const sub = new Float64Array(n); // sub[i] = T[i][i−1], sub[0] = 0
  tred2(Q, diag, sub, n);
  const d = Float64Array.from(diag);
  const e = Float64Array.from(sub);
  tql2(null, d, e, n);
  const values = d.sort().reverse();
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(diag[i]) + Math.abs(sub[i]) + (i + 1 < n ? Math.abs(sub[i + 1]) : 0));
  const eps = 2 ** -52;
  const clusterGap = 1e-3 * norm;
  const ys: Float64Array[] = [];
  let clusterStart = 0;
  let previousShift = Infinity;
  for (let j = 0; j < count; j++) {
    if (j > 0 && values[j - 1] - values[j] > clusterGap) clusterStart = j;
    // Equal eigenvalues get slightly different shifts so their iterates separate (dstein's pertol).
    let shift = values[j];
    if (j > clusterStart && previousShift - shift < 10 * eps * Math.max(norm, Math.abs(shift))) shift = previousShift - 10 * eps * Math.max(norm, Math.abs(shift));
    previousShift = shift;
    let y = startVector(n, j);
    for (let iteration = 0; iteration < 3; iteration++) {
      y = solveShifted(diag, sub, shift, y, Math.max(eps * norm, 1e-300));
      // Scale by the largest entry first: one solve can grow y by ~1/tiny, past float64's range in y·y.
      scale(y, 1 / maxAbs(y));
      for (let k = clusterStart; k < j; k++) axpy(y, -dot(y, ys[k]), ys[k]);
      scale(y, 1 / Math.sqrt(dot(y, y)));
    }
    ys.push(y);
  }
  const vectors = new Float64Array(n * count);
  for (let j = 0; j < count; j++) {
    const y = ys[j];
    for (let i = 0; i < n; i++) {
      const yi = y[i];
      if (yi === 0) continue;
      const row = i * n;
      for (let k = 0; k < n; k++) vectors[k * count + j] += Q[row + k] * yi;
    }
  }
  return { values, vectors };
}

/** A fixed, well-spread start for inverse iteration (deterministic; no eigenvector is orthogonal to all of these in practice). */
function startVector(n: number, j: number): Float64Array {
  const y = new Float64Array(n);
  let s = (j + 1) * 2654435761 % 4294967296;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) % 4294967296;
    y[i] = s / 4294967296 - 0.5;
  }
  return y;
}

/**
 * x = (T − μI)⁻¹ b for the symmetric tridiagonal T (diagonal `diag`, T[i][i−1] = sub[i]) by
 * Gaussian elimination with partial pivoting; a pivot below `tiny` is replaced by `tiny` (μ is an
 * eigenvalue, so the matrix is singular to working precision: that is what makes x the eigenvector).
 */
function solveShifted(diag: Float64Array, sub: Float64Array, mu: number, b: Float64Array, tiny: number): Float64Array {
  const n = diag.length;
  // Row i of U: u0 (diagonal), u1, u2 (two superdiagonals, u2 from row swaps).
  const u0 = new Float64Array(n);
  const u1 = new Float64Array(n);
  const u2 = new Float64Array(n);
  const x = Float64Array.from(b);
  let a0 = diag[0] - mu;
  let a1 = n > 1 ? sub[1] : 0;
  let a2 = 0;
  for (let i = 0; i < n - 1; i++) {
    const l = sub[i + 1]; // T[i+1][i]
    const nextDiag = diag[i + 1] - mu;
    const nextSuper = i + 2 < n ? sub[i + 2] : 0;
    if (Math.abs(a0) >= Math.abs(l)) {
      const pivot = Math.abs(a0) < tiny ? (a0 < 0 ? -tiny : tiny) : a0;
      const f = l / pivot;
      u0[i] = pivot; u1[i] = a1; u2[i] = a2;
      x[i + 1] -= f * x[i];
      a0 = nextDiag - f * a1;
      a1 = nextSuper;
      a2 = 0;
    } else {
      const f = a0 / l;
      u0[i] = l; u1[i] = nextDiag; u2[i] = nextSuper;
      const t = x[i]; x[i] = x[i + 1]; x[i + 1] = t - f * x[i + 1];
      a0 = a1 - f * nextDiag;
      a1 = a2 - f * nextSuper;
      a2 = 0;
    }
  }
  u0[n - 1] = Math.abs(a0) < tiny ? (a0 < 0 ? -tiny : tiny) : a0;
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    if (i + 1 < n) s -= u1[i] * x[i + 1];
    if (i + 2 < n) s -= u2[i] * x[i + 2];
    x[i] = s / u0[i];
  }
  return x;
}

function maxAbs(y: Float64Array): number {
  let m = 0;
  for (let i = 0; i < y.length; i++) m = Math.max(m, Math.abs(y[i]));
  return m;
}

function scale(y: Float64Array, a: number): void {
  for (let i = 0; i < y.length; i++) y[i] *= a;
}

function tred2(V: Float64Array, d: Float64Array, e: Float64Array, n: number, accumulate = true): void {
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
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[i * n + j] = f;
        g = e[j] + V[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[j * n + k] * d[k];
          e[k] += V[j * n + k] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) { e[j] /= h; f += e[j] * d[j]; }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) V[j * n + k] -= f * e[k] + g * d[k];
        d[j] = V[j * n + (i - 1)];
        V[j * n + i] = 0;
      }
    }
    d[i] = h;
  }
  if (!accumulate) {
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
        let r = Math.hypot(p, 1);
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
          r = Math.hypot(p, e[i]);
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
