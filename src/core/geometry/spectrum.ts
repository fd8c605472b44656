/**
 * Top eigenpairs of the centred operator M = CF(CF)ᵀ/T from its factor, never forming T×T.
 * Small factors (few columns) take an exact dense path through the m×m Gram; otherwise block
 * subspace iteration with Rayleigh-Ritz (randomized range finder + power steps) runs until the
 * wanted Ritz values settle. Eigenvalues are then exact to the reported tolerance.
 */
import { orthonormalizeColumns, matMul, gram } from './dense';
import { CentredFactor } from './factor';
import { symmetricEigen } from './eigen';
import { RandomFn, fillGaussian } from './random';

export interface EigenOptions {
  /** How many eigenpairs are wanted. */
  count: number;
  random: RandomFn;
  /** Extra probe columns beyond `count` (default 10). */
  oversample?: number;
  /** Maximum subspace iterations (default 12). */
  maxIterations?: number;
  /** Stop when every wanted Ritz value moved by less than tolerance · λ₁ (default 1e-8). */
  tolerance?: number;
  /** Use the exact m×m Gram path when the factor has at most this many columns (default 384). */
  denseColumnLimit?: number;
}

export interface Eigenpairs {
  /** λ₁ ≥ λ₂ ≥ … (count of them, or fewer when the rank is smaller than count). */
  values: Float64Array;
  /** Unit eigenvectors as columns of a T×count row-major matrix; sign: largest entry positive. */
  vectors: Float64Array;
  count: number;
  /** tr M = ‖CF‖²_F / T, exact. */
  trace: number;
  /** Σ of all λ² when known exactly (dense path), else null. */
  sumSquares: number | null;
  method: 'dense-gram' | 'subspace-iteration';
  iterations: number;
  converged: boolean;
}

export function topEigenpairs(cf: CentredFactor, options: EigenOptions): Eigenpairs {
  const T = cf.rows;
  const m = cf.cols;
  const count = Math.max(0, Math.min(options.count, m, T - 1));
  const width = Math.min(count + (options.oversample ?? 10), m, T - 1);
  const trace = cf.frobeniusSq() / T;
  if (m <= (options.denseColumnLimit ?? 384) || width >= m) return denseGramPath(cf, count, trace);

  const tolerance = options.tolerance ?? 1e-8;
  const maxIterations = options.maxIterations ?? 12;
  const constant = new Float64Array(T).fill(1 / Math.sqrt(T));
  const probes = fillGaussian(new Float64Array(m * width), options.random);
  let q: Float64Array = cf.mul(probes, width);
  orthonormalizeColumns(q, T, width, options.random, constant);
  const b = new Float64Array(m * width);
  let previous: Float64Array | null = null;
  let iterations = 0;
  let converged = false;
  for (;;) {
    iterations++;
    cf.tmul(q, width, b);
    const ritz = symmetricEigen(gram(b, m, width, 1 / T), width);
    const top = ritz.values.subarray(0, count);
    converged = previous !== null && settled(previous, top, tolerance);
    if (converged || iterations >= maxIterations) {
      const vectors = matMul(q, T, width, leading(ritz.vectors, width, count), count);
      return finish({ values: Float64Array.from(top), vectors, count, trace, sumSquares: null, method: 'subspace-iteration', iterations, converged }, T);
    }
    previous = Float64Array.from(top);
    q = cf.mul(b, width, q);
    orthonormalizeColumns(q, T, width, options.random, constant);
  }
}

function settled(previous: Float64Array, current: Float64Array, tolerance: number): boolean {
  const scale = Math.max(Math.abs(current[0] ?? 0), 1e-300);
  for (let j = 0; j < current.length; j++) if (Math.abs(current[j] - previous[j]) > tolerance * scale) return false;
  return true;
}

/** Exact path: eigen of G = (CF)ᵀ(CF)/T (m×m); u_j = CF v_j / √(T λ_j). */
function denseGramPath(cf: CentredFactor, count: number, trace: number): Eigenpairs {
  const T = cf.rows;
  const m = cf.cols;
  const g = cf.gram();
  for (let i = 0; i < g.length; i++) g[i] /= T;
  const eig = symmetricEigen(g, m);
  let sumSquares = 0;
  for (const x of eig.values) sumSquares += x * x;
  const values = Float64Array.from(eig.values.subarray(0, count), x => Math.max(0, x));
  const vectors = cf.mul(leading(eig.vectors, m, count), count);
  for (let j = 0; j < count; j++) {
    const norm = Math.sqrt(T * values[j]);
    const floor = 1e-12 * Math.sqrt(T * Math.max(values[0] ?? 0, 1e-300));
    for (let t = 0; t < T; t++) vectors[t * count + j] = norm > floor ? vectors[t * count + j] / norm : 0;
  }
  return finish({ values, vectors, count, trace, sumSquares, method: 'dense-gram', iterations: 1, converged: true }, T);
}

function leading(vectors: Float64Array, n: number, k: number): Float64Array {
  const out: Float64Array = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[i * k + j] = vectors[i * n + j];
  return out;
}

/** Deterministic signs: each eigenvector's largest-magnitude entry is made positive. */
function finish(e: Eigenpairs, T: number): Eigenpairs {
  const k = e.count;
  for (let j = 0; j < k; j++) {
    let best = 0;
    for (let t = 0; t < T; t++) if (Math.abs(e.vectors[t * k + j]) > Math.abs(best)) best = e.vectors[t * k + j];
    if (best < 0) for (let t = 0; t < T; t++) e.vectors[t * k + j] = -e.vectors[t * k + j];
  }
  return e;
}
