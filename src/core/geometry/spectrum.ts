/**
 * Top eigenpairs of the centred operator M = CF(CF)ᵀ/T from its factor, never forming T×T.
 * Small factors (few columns) take an exact dense path through the m×m Gram; otherwise block
 * subspace iteration with Rayleigh-Ritz (randomized range finder + power steps) runs until the
 * wanted Ritz values settle. Eigenvalues are then exact to the reported tolerance.
 */
import { orthonormalizeColumns } from './dense';
import { CentredFactor, SparseFactor } from './factor';
import { symmetricEigen, symmetricEigenTop } from './eigen';
import { lanczosTop } from './lanczos';
import { gemm, gram, Linalg } from './products';
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
  /** Full eigen-decomposition of the m×m Gram when the factor has at most this many columns (default 384). */
  denseColumnLimit?: number;
  /** Up to this many columns, form the Gram and take its top pairs by Lanczos (default 1536). */
  gramColumnLimit?: number;
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
  method: 'dense-gram' | 'gram-lanczos' | 'subspace-iteration';
  /**
   * The Gram paths' eigenvectors in factor coordinates: U = CF · coefficients (m×count, row-major,
   * scaling and signs included), so a product Uᵀ(CF)ᵀY can be taken as coefficientsᵀ((CF)ᵀY).
   * Absent after subspace iteration.
   */
  coefficients?: Float64Array;
  iterations: number;
  converged: boolean;
}

/** Default column limits: a full eigen-decomposition of the Gram up to the first, Lanczos on it up to the second. */
export const DENSE_COLUMN_LIMIT = 384;
export const GRAM_COLUMN_LIMIT = 1536;

/** Whether topEigenpairs reads the m×m Gram (cf.gram()) for this many columns, with the default limits. */
export function usesGram(m: number): boolean {
  return m <= GRAM_COLUMN_LIMIT;
}

export function* topEigenpairs(cf: CentredFactor, options: EigenOptions): Linalg<Eigenpairs> {
  const T = cf.rows;
  const m = cf.cols;
  const count = Math.max(0, Math.min(options.count, m, T - 1));
  const width = Math.min(count + (options.oversample ?? 10), m, T - 1);
  const trace = cf.frobeniusSq() / T;
  if (m <= (options.denseColumnLimit ?? DENSE_COLUMN_LIMIT) || width >= m) return yield* gramPath(cf, count, trace, null);
  if (m <= (options.gramColumnLimit ?? GRAM_COLUMN_LIMIT)) return yield* gramPath(cf, count, trace, options);

  const tolerance = options.tolerance ?? 1e-8;
  const maxIterations = options.maxIterations ?? 12;
  const constant = new Float64Array(T).fill(1 / Math.sqrt(T));
  const probes = fillGaussian(new Float64Array(m * width), options.random);
  let q: Float64Array = yield* cf.mul(probes, width);
  orthonormalizeColumns(q, T, width, options.random, constant);
  let previous: Float64Array | null = null;
  let iterations = 0;
  let converged = false;
  for (;;) {
    iterations++;
    const b = yield* cf.tmul(q, width);
    const g = yield* gram({ data: b, rows: m, cols: width }, true);
    const scale = 1 / T;
    for (let i = 0; i < g.length; i++) g[i] *= scale;
    const ritz = symmetricEigen(g, width);
    const top = ritz.values.subarray(0, count);
    converged = previous !== null && settled(previous, top, tolerance);
    if (converged || iterations >= maxIterations) {
      const vectors = yield* gemm({ data: q, rows: T, cols: width }, false, { data: leading(ritz.vectors, width, count), rows: width, cols: count }, false);
      return finish({ values: Float64Array.from(top), vectors, count, trace, sumSquares: null, method: 'subspace-iteration', iterations, converged }, T);
    }
    previous = Float64Array.from(top);
    q = yield* cf.mul(b, width);
    orthonormalizeColumns(q, T, width, options.random, constant);
  }
}

function settled(previous: Float64Array, current: Float64Array, tolerance: number): boolean {
  const scale = Math.max(Math.abs(current[0] ?? 0), 1e-300);
  for (let j = 0; j < current.length; j++) if (Math.abs(current[j] - previous[j]) > tolerance * scale) return false;
  return true;
}

/**
 * Exact path through G = (CF)ᵀ(CF)/T (m×m), which shares M's nonzero eigenvalues: a full
 * eigen-decomposition, or Lanczos for the top pairs when m is larger. u_j = CF v_j / √(T λ_j).
 * Σλ² = ‖G‖²_F comes for free.
 */
function* gramPath(cf: CentredFactor, count: number, trace: number, lanczos: EigenOptions | null): Linalg<Eigenpairs> {
  const T = cf.rows;
  const m = cf.cols;
  const g = yield* cf.gram();
  let sumSquares = 0;
  for (let i = 0; i < g.length; i++) { g[i] /= T; sumSquares += g[i] * g[i]; }
  let top: Float64Array;
  let basis: Float64Array;
  let iterations = 1;
  let converged = true;
  if (lanczos) {
    // A sparse factor (the Bhattacharyya, linear and HaoChen kernels: k entries per row) applies the
    // Gram as (CF)ᵀ(CF x)/T in 2·nnz multiply-adds instead of m²: the same operator, other rounding.
    const apply = gramProductThroughFactor(cf) ?? ((x: Float64Array, out: Float64Array) => symmetricProduct(g, m, x, out));
    const result = lanczosTop(apply, m, count, lanczos.random, lanczos.tolerance ?? 1e-10);
    top = result.values;
    basis = result.vectors;
    iterations = result.steps;
    converged = result.converged;
    count = result.values.length;
  } else {
    // All m eigenvalues (Σλ² above is exact anyway) but only the `count` vectors that are used.
    const eig = yield* symmetricEigenTop(g, m, count);
    top = eig.values.subarray(0, count);
    basis = eig.vectors;
  }
  const values = Float64Array.from(top, x => Math.max(0, x));
  const vectors = yield* cf.mul(basis, count);
  const coefficients = basis.slice(0, m * count);
  const floor = 1e-12 * Math.sqrt(T * Math.max(values[0] ?? 0, 1e-300));
  const norms = Float64Array.from(values.subarray(0, count), v => Math.sqrt(T * v));
  // Row by row (the layout's order): a column at a time would stride through T·count doubles per column.
  for (let t = 0; t < T; t++) {
    const row = t * count;
    for (let j = 0; j < count; j++) vectors[row + j] = norms[j] > floor ? vectors[row + j] / norms[j] : 0;
  }
  for (let i = 0; i < m; i++) for (let j = 0; j < count; j++) coefficients[i * count + j] = norms[j] > floor ? coefficients[i * count + j] / norms[j] : 0;
  const method = lanczos ? 'gram-lanczos' : 'dense-gram';
  return finish({ values, vectors, count, trace, sumSquares, method, iterations, converged, coefficients }, T);
}

/**
 * out = (CF)ᵀ(CF x)/T = (Fᵀ(F x) − T μ(μᵀx))/T through a sparse factor, when that is cheaper than the
 * dense m×m product (2·nnz < m²); null otherwise. (1ᵀ CF x = 0, so no other centring term.)
 */
function gramProductThroughFactor(cf: CentredFactor): ((x: Float64Array, out: Float64Array) => void) | null {
  const f = cf.factor;
  if (!(f instanceof SparseFactor) || 2 * f.nonzeros >= cf.cols * cf.cols) return null;
  const T = cf.rows;
  const scratch = new Float64Array(T);
  return (x, out) => {
    // A sparse factor's products are its own loops (no GEMM is asked for), so they run here.
    f.gramVector(x, out, scratch);
    let mx = 0;
    for (let j = 0; j < cf.cols; j++) mx += cf.mean[j] * x[j];
    for (let j = 0; j < cf.cols; j++) out[j] = (out[j] - T * cf.mean[j] * mx) / T;
  };
}

/** out = G x for a symmetric m×m G (row-major). */
function symmetricProduct(g: Float64Array, m: number, x: Float64Array, out: Float64Array): void {
  for (let i = 0; i < m; i++) {
    let s = 0;
    const row = i * m;
    for (let j = 0; j < m; j++) s += g[row + j] * x[j];
    out[i] = s;
  }
}

function leading(vectors: Float64Array, n: number, k: number): Float64Array {
  const out: Float64Array = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[i * k + j] = vectors[i * n + j];
  return out;
}

/** Deterministic signs: each eigenvector's largest-magnitude entry is made positive. */
function finish(e: Eigenpairs, T: number): Eigenpairs {
  const k = e.count;
  const v = e.vectors;
  // Row-major passes: the first entry of largest magnitude per column, then the flips.
  const best = new Float64Array(k);
  for (let t = 0; t < T; t++) for (let j = 0; j < k; j++) if (Math.abs(v[t * k + j]) > Math.abs(best[j])) best[j] = v[t * k + j];
  for (let t = 0; t < T; t++) for (let j = 0; j < k; j++) if (best[j] < 0) v[t * k + j] = -v[t * k + j];
  const g = e.coefficients;
  if (g) for (let i = 0; i < g.length / k; i++) for (let j = 0; j < k; j++) if (best[j] < 0) g[i * k + j] = -g[i * k + j];
  return e;
}
