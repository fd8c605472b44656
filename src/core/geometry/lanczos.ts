/**
 * Lanczos with full reorthogonalisation for the top eigenpairs of a symmetric positive
 * semi-definite operator given by mat-vecs. Used on m×m Gram matrices too big for a full
 * tridiagonal solve (tql2 accumulates all m vectors, ~6m³) but cheap to multiply (m² per step).
 * Converged Ritz pairs satisfy ‖A v − θ v‖ = |β_k s_k| ≤ tolerance · θ₁.
 */
import { symmetricEigen } from './eigen';
import { tridiagonalMatrixTop } from './tridiagonal';
import { RandomFn, gaussian } from './random';
import { axpy, dot } from './vectorOps';

export interface LanczosResult {
  values: Float64Array;
  /** n×count, row-major, unit columns. */
  vectors: Float64Array;
  steps: number;
  converged: boolean;
}

export function lanczosTop(
  apply: (x: Float64Array, out: Float64Array) => void, n: number, count: number, random: RandomFn,
  tolerance = 1e-10, maxSteps = Math.min(n, Math.max(5 * count + 40, 100)),
): LanczosResult {
  const basis: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  let q = unit(Float64Array.from({ length: n }, () => gaussian(random)));
  const w = new Float64Array(n);
  let steps = 0;
  let converged = false;
  while (steps < maxSteps) {
    basis.push(q);
    apply(q, w);
    const a = dot(w, q);
    alpha.push(a);
    for (let pass = 0; pass < 2; pass++) for (const b of basis) axpy(w, -dot(w, b), b);
    const norm = Math.sqrt(dot(w, w));
    steps++;
    const checkNow = steps >= count && (steps % 5 === 0 || steps === maxSteps || norm < 1e-12);
    if (checkNow) {
      // The test needs the top Ritz values and the last entries of their vectors only: QL without
      // vectors and inverse iteration on T_k (O(k² + count·k)), not a dense O(k³) solve per check;
      // the Ritz pairs returned come from the full solve below, once.
      const k = Math.min(count, steps);
      const check = tridiagonalRitzCheck(alpha, beta, steps, k);
      const scale = Math.max(check.values[0], 1e-300);
      converged = true;
      for (let i = 0; i < k; i++) if (Math.abs(norm * check.rows[i * steps + steps - 1]) > tolerance * scale) converged = false;
      if (converged || norm < 1e-12 || steps === maxSteps) break;
    }
    beta.push(norm);
    q = Float64Array.from(w, x => x / norm);
  }
  const ritz = tridiagonalRitz(alpha, beta, steps);
  const k = Math.min(count, steps);
  const vectors = new Float64Array(n * k);
  for (let s = 0; s < steps; s++) {
    const b = basis[s];
    for (let i = 0; i < k; i++) {
      const c = ritz.vectors[s * steps + i];
      if (c === 0) continue;
      for (let r = 0; r < n; r++) vectors[r * k + i] += c * b[r];
    }
  }
  return { values: ritz.values.slice(0, k), vectors, steps, converged: converged || steps === n };
}

/** Top Ritz values of T_k and the unit eigenvectors of the first `count` (rows), for the convergence test. */
function tridiagonalRitzCheck(alpha: number[], beta: number[], k: number, count: number): { values: Float64Array; rows: Float64Array } {
  const diag = Float64Array.from(alpha.slice(0, k));
  const sub = new Float64Array(k);
  for (let i = 1; i < k; i++) sub[i] = beta[i - 1];
  return tridiagonalMatrixTop(diag, sub, count);
}

function tridiagonalRitz(alpha: number[], beta: number[], k: number) {
  const t = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    t[i * k + i] = alpha[i];
    if (i + 1 < k) { t[i * k + i + 1] = beta[i]; t[(i + 1) * k + i] = beta[i]; }
  }
  return symmetricEigen(t, k);
}

function unit(x: Float64Array): Float64Array {
  const n = Math.sqrt(dot(x, x));
  return x.map(v => v / n);
}
