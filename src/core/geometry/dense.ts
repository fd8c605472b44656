/**
 * Small dense linear algebra on row-major Float64Arrays with explicit shapes: products, Gram
 * matrices and orthonormalisation. Inner loops run over contiguous rows and allocate nothing.
 */
import { RandomFn, gaussian } from './random';

/** out (n×r) = A (n×m) · B (m×r). */
export function matMul(a: Float64Array, n: number, m: number, b: Float64Array, r: number, out: Float64Array = new Float64Array(n * r)): Float64Array {
  out.fill(0);
  for (let i = 0; i < n; i++) {
    const o = i * r;
    for (let j = 0; j < m; j++) {
      const x = a[i * m + j];
      if (x === 0) continue;
      const bj = j * r;
      for (let c = 0; c < r; c++) out[o + c] += x * b[bj + c];
    }
  }
  return out;
}

/** out (m×r) = Aᵀ (m×n) · B (n×r), with A stored n×m. */
export function matTMul(a: Float64Array, n: number, m: number, b: Float64Array, r: number, out: Float64Array = new Float64Array(m * r)): Float64Array {
  out.fill(0);
  for (let i = 0; i < n; i++) {
    const bi = i * r;
    for (let j = 0; j < m; j++) {
      const x = a[i * m + j];
      if (x === 0) continue;
      const o = j * r;
      for (let c = 0; c < r; c++) out[o + c] += x * b[bi + c];
    }
  }
  return out;
}

/** Gram matrix Aᵀ A (m×m) of A (n×m), scaled by `scale`. */
export function gram(a: Float64Array, n: number, m: number, scale = 1): Float64Array {
  const g = matTMul(a, n, m, a, m);
  if (scale !== 1) for (let i = 0; i < g.length; i++) g[i] *= scale;
  return g;
}

/** Subtracts each column's mean in place; returns the means. */
export function centreColumns(a: Float64Array, n: number, m: number): Float64Array {
  const mean = new Float64Array(m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) mean[j] += a[i * m + j];
  for (let j = 0; j < m; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) a[i * m + j] -= mean[j];
  return mean;
}

/** Squared Frobenius norm. */
export function frobeniusSq(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}

/**
 * Orthonormalises the columns of A (n×r) in place by modified Gram-Schmidt applied twice
 * ("twice is enough"). A column that becomes numerically zero is replaced by a random direction
 * orthogonal to the others when `random` is given (keeps the basis full), else left zero.
 * `exclude` (optional, n entries, unit norm) is projected out first, e.g. the constant vector.
 * Returns the number of columns that were dependent.
 */
export function orthonormalizeColumns(a: Float64Array, n: number, r: number, random?: RandomFn, exclude?: Float64Array): number {
  let dependent = 0;
  const tol = 1e-10;
  for (let c = 0; c < r; c++) {
    let original = columnNorm(a, n, r, c);
    for (let attempt = 0; attempt < 4; attempt++) {
      for (let pass = 0; pass < 2; pass++) {
        if (exclude) projectOut(a, n, r, c, exclude);
        for (let p = 0; p < c; p++) {
          let dot = 0;
          for (let i = 0; i < n; i++) dot += a[i * r + p] * a[i * r + c];
          for (let i = 0; i < n; i++) a[i * r + c] -= dot * a[i * r + p];
        }
      }
      const norm = columnNorm(a, n, r, c);
      if (norm > tol * Math.max(original, 1e-300) && norm > 1e-300) {
        for (let i = 0; i < n; i++) a[i * r + c] /= norm;
        break;
      }
      if (attempt === 0) dependent++;
      if (!random || attempt === 3) {
        for (let i = 0; i < n; i++) a[i * r + c] = 0;
        break;
      }
      for (let i = 0; i < n; i++) a[i * r + c] = gaussian(random);
      original = columnNorm(a, n, r, c);
    }
  }
  return dependent;
}

function columnNorm(a: Float64Array, n: number, r: number, c: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i * r + c] * a[i * r + c];
  return Math.sqrt(s);
}

function projectOut(a: Float64Array, n: number, r: number, c: number, u: Float64Array): void {
  let dot = 0;
  for (let i = 0; i < n; i++) dot += u[i] * a[i * r + c];
  for (let i = 0; i < n; i++) a[i * r + c] -= dot * u[i];
}

/** Column j of A (n×r) as a new array. */
export function column(a: Float64Array, n: number, r: number, j: number): Float64Array {
  const out: Float64Array = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = a[i * r + j];
  return out;
}

/** The first `k` columns of A (n×r). */
export function leadingColumns(a: Float64Array, n: number, r: number, k: number): Float64Array {
  const out: Float64Array = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[i * k + j] = a[i * r + j];
  return out;
}
