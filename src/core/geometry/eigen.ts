/**
 * The symmetric eigensolver the geometry code uses (tridiagonal QL; see tridiagonal.ts), and
 * singular values of small matrices through it.
 */
import { SymmetricEigen } from './jacobi';
import { Linalg } from './products';
import { tridiagonalEigen, tridiagonalEigenTop, tridiagonalEigenvalues } from './tridiagonal';

export type { SymmetricEigen } from './jacobi';

/** Eigenvalues (descending) and eigenvectors (columns) of the symmetric n×n matrix `a`. */
export function symmetricEigen(a: Float64Array, n: number): SymmetricEigen {
  return tridiagonalEigen(a, n);
}

/** Eigenvalues only (descending), identical to symmetricEigen's, without the O(n³) vector work. */
export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  return tridiagonalEigenvalues(a, n);
}

/** All eigenvalues (descending) and only the top `count` eigenvectors, as an n×count row-major matrix. */
export function symmetricEigenTop(a: Float64Array, n: number, count: number): Linalg<{ values: Float64Array; vectors: Float64Array }> {
  return tridiagonalEigenTop(a, n, count);
}

/** Singular values (descending) of a small r×c matrix, via the eigenvalues of its smaller Gram. */
export function singularValues(a: Float64Array, r: number, c: number): Float64Array {
  const small = Math.min(r, c);
  const g = new Float64Array(small * small);
  if (r <= c) {
    for (let i = 0; i < r; i++) for (let j = i; j < r; j++) {
      let s = 0;
      for (let k = 0; k < c; k++) s += a[i * c + k] * a[j * c + k];
      g[i * r + j] = s;
      g[j * r + i] = s;
    }
  } else {
    for (let i = 0; i < c; i++) for (let j = i; j < c; j++) {
      let s = 0;
      for (let k = 0; k < r; k++) s += a[k * c + i] * a[k * c + j];
      g[i * c + j] = s;
      g[j * c + i] = s;
    }
  }
  return symmetricEigenvalues(g, small).map(x => Math.sqrt(Math.max(0, x)));
}
