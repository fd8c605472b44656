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
  // Work on the transpose so every dot product and update runs over contiguous memory.
  const v = new Float64Array(r * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < r; c++) v[c * n + i] = a[i * r + c];
  let dependent = 0;
  const tol = 1e-10;
  for (let c = 0; c < r; c++) {
    const col = v.subarray(c * n, (c + 1) * n);
    let original = norm(col);
    for (let attempt = 0; attempt < 4; attempt++) {
      for (let pass = 0; pass < 2; pass++) {
        if (exclude) subtractProjection(col, exclude);
        for (let p = 0; p < c; p++) subtractProjection(col, v.subarray(p * n, (p + 1) * n));
      }
      const length = norm(col);
      if (length > tol * Math.max(original, 1e-300) && length > 1e-300) {
        for (let i = 0; i < n; i++) col[i] /= length;
        break;
      }
      if (attempt === 0) dependent++;
      if (!random || attempt === 3) {
        col.fill(0);
        break;
      }
      for (let i = 0; i < n; i++) col[i] = gaussian(random);
      original = norm(col);
    }
  }
  for (let i = 0; i < n; i++) for (let c = 0; c < r; c++) a[i * r + c] = v[c * n + i];
  return dependent;
}

function norm(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

/** x ← x − ⟨u, x⟩ u for a unit vector u. */
function subtractProjection(x: Float64Array, u: Float64Array): void {
  let dot = 0;
  for (let i = 0; i < x.length; i++) dot += u[i] * x[i];
  if (dot === 0) return;
  for (let i = 0; i < x.length; i++) x[i] -= dot * u[i];
}

/** Column j of A (n×r) as a new array. */
export function column(a: Float64Array, n: number, r: number, j: number): Float64Array {
  const out: Float64Array = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = a[i * r + j];
  return out;
}
