/**
 * Eigenvectors of a symmetric tridiagonal matrix T for known eigenvalues, by inverse iteration
 * (LAPACK dstein's scheme): T − μI is factored once per eigenvalue (Gaussian elimination with
 * partial pivoting, dlagtf), three solves from a fixed start, and vectors of one cluster of close
 * eigenvalues orthogonalised against each other (see the loop for which after every solve).
 * O(n) per solve, O(n) per orthogonalisation against one earlier vector. Exact float64 arithmetic:
 * the vectors are accurate to O(ε‖T‖/gap) like any inverse iteration; orthogonality within
 * clusters is enforced.
 */

/** Symmetric tridiagonal T: diagonal `diag`, T[i][i−1] = sub[i] (sub[0] unused). */
export interface Tridiagonal {
  diag: Float64Array;
  sub: Float64Array;
}

/**
 * Rows 0..count−1 of the returned count×n matrix are unit eigenvectors of T for `values[j]`
 * (descending, as tql2 gives them). `norm` is ‖T‖₁, the scale of the cluster and pivot thresholds.
 */
export function tridiagonalEigenvectors(t: Tridiagonal, values: Float64Array, count: number, norm: number): Float64Array {
  const n = t.diag.length;
  const eps = 2 ** -52;
  const clusterGap = 1e-3 * norm;
  const tightGap = 1e-8 * norm;
  const tiny = Math.max(eps * norm, 1e-300);
  const lu = new ShiftedLU(n);
  const ys = new Float64Array(count * n);
  let clusterStart = 0;
  let previousShift = Infinity;
  for (let j = 0; j < count; j++) {
    if (j > 0 && values[j - 1] - values[j] > clusterGap) clusterStart = j;
    // Equal eigenvalues get slightly different shifts so their iterates separate (dstein's pertol).
    let shift = values[j];
    const pertol = 10 * eps * Math.max(norm, Math.abs(shift));
    if (j > clusterStart && previousShift - shift < pertol) shift = previousShift - pertol;
    previousShift = shift;
    lu.factor(t, shift, tiny);
    const y = ys.subarray(j * n, (j + 1) * n);
    startVector(y, j);
    // Within a cluster, vectors of (nearly) equal eigenvalues are removed after every solve: the
    // solve cannot tell those directions apart, orthogonalising is what separates them. Earlier
    // vectors whose eigenvalues lie more than `tightGap` away are damped by the solves themselves,
    // relative to the wanted direction, by (|shift − λ_j| / tightGap)³ ≤ (m·10ε / 1e-8)³ for m
    // equal eigenvalues before j (tiny), so removing them once, after the last solve, leaves only
    // small components to subtract: the same vectors to rounding at a third of the cost.
    let tightStart = j;
    while (tightStart > clusterStart && values[tightStart - 1] - values[j] <= tightGap) tightStart--;
    for (let iteration = 0; iteration < 3; iteration++) {
      lu.solve(y);
      // Scale by the largest entry first: one solve can grow y by ~1/tiny, past float64's range in y·y.
      scale(y, 1 / maxAbs(y));
      if (iteration < 2) for (let k = tightStart; k < j; k++) subtractProjection(y, ys, k * n);
      else subtractProjections(y, ys, clusterStart, j);
      scale(y, 1 / Math.sqrt(squaredNorm(y)));
    }
  }
  return ys;
}

/**
 * LU factors of T − μI with row interchanges: row i of U holds u0 (diagonal) and the two
 * superdiagonals u1, u2 (u2 only from a swap); step i used multiplier `multiplier[i]` and swapped
 * rows i, i+1 when `swapped[i]`. A pivot below `tiny` is replaced by ±tiny (μ is an eigenvalue, so
 * T − μI is singular to working precision: that is what makes the solution the eigenvector).
 * Buffers are allocated once and reused for every shift.
 */
class ShiftedLU {
  private readonly u0: Float64Array;
  private readonly u1: Float64Array;
  private readonly u2: Float64Array;
  private readonly multiplier: Float64Array;
  private readonly swapped: Uint8Array;
  constructor(private readonly n: number) {
    this.u0 = new Float64Array(n);
    this.u1 = new Float64Array(n);
    this.u2 = new Float64Array(n);
    this.multiplier = new Float64Array(n);
    this.swapped = new Uint8Array(n);
  }

  factor({ diag, sub }: Tridiagonal, mu: number, tiny: number): void {
    const { n, u0, u1, u2, multiplier, swapped } = this;
    let a0 = diag[0] - mu;
    let a1 = n > 1 ? sub[1] : 0;
    for (let i = 0; i < n - 1; i++) {
      const l = sub[i + 1]; // T[i+1][i]
      const nextDiag = diag[i + 1] - mu;
      const nextSuper = i + 2 < n ? sub[i + 2] : 0;
      if (Math.abs(a0) >= Math.abs(l)) {
        const pivot = Math.abs(a0) < tiny ? (a0 < 0 ? -tiny : tiny) : a0;
        const f = l / pivot;
        u0[i] = pivot; u1[i] = a1; u2[i] = 0;
        multiplier[i] = f; swapped[i] = 0;
        a0 = nextDiag - f * a1;
        a1 = nextSuper;
      } else {
        const f = a0 / l;
        u0[i] = l; u1[i] = nextDiag; u2[i] = nextSuper;
        multiplier[i] = f; swapped[i] = 1;
        a0 = a1 - f * nextDiag;
        a1 = -f * nextSuper;
      }
    }
    u0[n - 1] = Math.abs(a0) < tiny ? (a0 < 0 ? -tiny : tiny) : a0;
  }

  /** x ← (T − μI)⁻¹ x with the factors of the last `factor` call. */
  solve(x: Float64Array): void {
    const { n, u0, u1, u2, multiplier, swapped } = this;
    for (let i = 0; i < n - 1; i++) {
      const f = multiplier[i];
      if (swapped[i]) {
        const xi = x[i];
        x[i] = x[i + 1];
        x[i + 1] = xi - f * x[i + 1];
      } else {
        x[i + 1] -= f * x[i];
      }
    }
    x[n - 1] /= u0[n - 1];
    if (n > 1) x[n - 2] = (x[n - 2] - u1[n - 2] * x[n - 1]) / u0[n - 2];
    for (let i = n - 3; i >= 0; i--) x[i] = (x[i] - u1[i] * x[i + 1] - u2[i] * x[i + 2]) / u0[i];
  }
}

/** A fixed, well-spread start for inverse iteration (deterministic; no eigenvector is orthogonal to all of these in practice). */
function startVector(y: Float64Array, j: number): void {
  let s = (j + 1) * 2654435761 % 4294967296;
  for (let i = 0; i < y.length; i++) {
    s = (s * 1664525 + 1013904223) % 4294967296;
    y[i] = s / 4294967296 - 0.5;
  }
}

/** y −= (y·v) v for the unit vector v = ys[offset…offset+n). */
function subtractProjection(y: Float64Array, ys: Float64Array, offset: number): void {
  const n = y.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += y[i] * ys[offset + i];
  for (let i = 0; i < n; i++) y[i] -= s * ys[offset + i];
}

/**
 * y −= Σ_k (y·v_k) v_k over the unit vectors v_k = rows from..to−1 of ys, four at a time (classical
 * Gram-Schmidt within each four, modified between fours): y is loaded once per four vectors. The
 * v_k are orthonormal to rounding, so the four coefficients differ from sequential ones by
 * |y·v_a|·|v_a·v_b| ≈ ε‖y‖: the same vector to rounding.
 */
function subtractProjections(y: Float64Array, ys: Float64Array, from: number, to: number): void {
  const n = y.length;
  let k = from;
  for (; k + 3 < to; k += 4) {
    const v0 = k * n;
    const v1 = v0 + n;
    const v2 = v1 + n;
    const v3 = v2 + n;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let i = 0; i < n; i++) {
      const yi = y[i];
      s0 += yi * ys[v0 + i];
      s1 += yi * ys[v1 + i];
      s2 += yi * ys[v2 + i];
      s3 += yi * ys[v3 + i];
    }
    for (let i = 0; i < n; i++) y[i] -= s0 * ys[v0 + i] + s1 * ys[v1 + i] + s2 * ys[v2 + i] + s3 * ys[v3 + i];
  }
  for (; k < to; k++) subtractProjection(y, ys, k * n);
}

function squaredNorm(y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i] * y[i];
  return s;
}

function maxAbs(y: Float64Array): number {
  let m = 0;
  for (let i = 0; i < y.length; i++) m = Math.max(m, Math.abs(y[i]));
  return m;
}

function scale(y: Float64Array, a: number): void {
  for (let i = 0; i < y.length; i++) y[i] *= a;
}
