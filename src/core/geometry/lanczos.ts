/**
 * Lanczos with full reorthogonalisation for the top eigenpairs of a symmetric positive
 * semi-definite operator given by mat-vecs. Used on m×m Gram matrices too big for a full
 * tridiagonal solve (tql2 accumulates all m vectors, ~6m³) but cheap to multiply (m² per step).
 * Converged Ritz pairs satisfy ‖A v − θ v‖ = |β_k s_k| ≤ tolerance · θ₁.
 */
import { symmetricEigen, SymmetricEigen } from './eigen';
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
  let ritz: SymmetricEigen = { values: new Float64Array(0), vectors: new Float64Array(0) };
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
      ritz = tridiagonalRitz(alpha, beta, steps);
      const k = Math.min(count, steps);
      const scale = Math.max(ritz.values[0], 1e-300);
      converged = true;
      for (let i = 0; i < k; i++) if (Math.abs(norm * ritz.vectors[(steps - 1) * steps + i]) > tolerance * scale) converged = false;
      if (converged || norm < 1e-12 || steps === maxSteps) break;
    }
    beta.push(norm);
    q = Float64Array.from(w, x => x / norm);
  }
  if (ritz.values.length !== steps) ritz = tridiagonalRitz(alpha, beta, steps);
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
