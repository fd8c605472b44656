/**
 * Lanczos with full reorthogonalisation for the top eigenpairs of a symmetric positive
 * semi-definite operator given by mat-vecs. Used on m×m Gram matrices too big for a full
 * tridiagonal solve (tql2 accumulates all m vectors, ~6m³) but cheap to multiply (m² per step).
 * Converged Ritz pairs satisfy ‖A v − θ v‖ = |β_k s_k| ≤ tolerance · θ₁. The Ritz pairs of the
 * k×k tridiagonal are its eigenvalues by QL and only the wanted vectors by inverse iteration
 * (O(k² + count·k) per check, where a full solve with every vector would cost O(k³)).
 */
import { RandomFn, gaussian } from './random';
import { symmetricTridiagonalTop } from './tridiagonal';
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
  let ritz: { values: Float64Array; vectors: Float64Array } = { values: new Float64Array(0), vectors: new Float64Array(0) };
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
      ritz = tridiagonalRitz(alpha, beta, steps, count);
      const k = Math.min(count, steps);
      const scale = Math.max(ritz.values[0], 1e-300);
      converged = true;
      // Row i of ritz.vectors is the i-th Ritz vector's coefficients; its last entry s_k bounds the residual.
      for (let i = 0; i < k; i++) if (Math.abs(norm * ritz.vectors[i * steps + steps - 1]) > tolerance * scale) converged = false;
      if (converged || norm < 1e-12 || steps === maxSteps) break;
    }
    beta.push(norm);
    q = Float64Array.from(w, x => x / norm);
  }
  if (ritz.values.length !== steps) ritz = tridiagonalRitz(alpha, beta, steps, count);
  const k = Math.min(count, steps);
  const vectors = new Float64Array(n * k);
  for (let s = 0; s < steps; s++) {
    const b = basis[s];
    for (let i = 0; i < k; i++) {
      const c = ritz.vectors[i * steps + s];
      if (c === 0) continue;
      for (let r = 0; r < n; r++) vectors[r * k + i] += c * b[r];
    }
  }
  return { values: ritz.values.slice(0, k), vectors, steps, converged: converged || steps === n };
}

/** All Ritz values of the k-step tridiagonal (descending) and the top `count` Ritz vectors' coefficients (count×k rows). */
function tridiagonalRitz(alpha: number[], beta: number[], k: number, count: number): { values: Float64Array; vectors: Float64Array } {
  const diag = Float64Array.from(alpha.slice(0, k));
  const sub = new Float64Array(k);
  for (let i = 1; i < k; i++) sub[i] = beta[i - 1];
  return symmetricTridiagonalTop({ diag, sub }, count);
}

function unit(x: Float64Array): Float64Array {
  const n = Math.sqrt(dot(x, x));
  return x.map(v => v / n);
}
