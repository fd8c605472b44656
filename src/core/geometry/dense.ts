/**
 * Orthonormalisation of the columns of a row-major Float64Array with explicit shape (the range
 * finder's and the tests' bases); the products are in products.ts.
 */
import { RandomFn, gaussian } from './random';

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
