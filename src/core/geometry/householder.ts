/**
 * The back-transform of the tridiagonal eigensolver: eigenvectors y of T become x = Q y of A
 * (A = Q T Qᵀ) through tred2's stored Householder reflectors, never forming Q. Reflectors are
 * applied in blocks of 32 in the compact WY form (LAPACK dlarft/dlarfb): P_{i+31} ⋯ P_i =
 * I − V S Vᵀ, so each block is three matrix products on blocked.ts's A·Bᵀ kernel (wasm SIMD)
 * instead of 32 passes of dot products. Exact float64 arithmetic; the same Q to rounding.
 */
import { addABt, rowsOf } from './blocked';

const BLOCK = 32;

/**
 * x ← Q x for each of the `count` rows x of `ys` (count×n), where Q = P_{n−1} ⋯ P_1,
 * P_i = I − u_i u_iᵀ / h_i with u_i the first i entries of row i of `reflectors` (tred2's scaled
 * Householder vectors, h_i = ‖u_i‖²/2; h_i = 0 means P_i = I).
 */
export function applyReflectors(reflectors: Float64Array, h: Float64Array, n: number, ys: Float64Array, count: number): void {
  const v = new Float64Array(BLOCK * n);
  const vT = new Float64Array(n * BLOCK);
  const vtv = new Float64Array(BLOCK * BLOCK);
  const s = new Float64Array(BLOCK * BLOCK);
  const wT = new Float64Array(count * BLOCK);
  const zT = new Float64Array(count * BLOCK);
  // P_1 acts first: blocks in increasing i, and within a block B = P_{last} ⋯ P_{first}.
  for (let first = 1; first < n; first += BLOCK) {
    const last = Math.min(n - 1, first + BLOCK - 1);
    const b = last - first + 1;
    const length = last; // every reflector of the block lives in entries 0..last−1
    // Column c of V is u_{last−c} (LAPACK's forward order: B = H_0 H_1 ⋯ H_{b−1}, H_c = P_{last−c}),
    // zero past its own length; stored as rows of v (b×length) and as vT (length×b).
    const tau = new Float64Array(b);
    v.fill(0, 0, b * length);
    for (let c = 0; c < b; c++) {
      const i = last - c;
      tau[c] = h[i] === 0 ? 0 : 1 / h[i];
      if (tau[c] !== 0) v.set(reflectors.subarray(i * n, i * n + i), c * length);
    }
    for (let k = 0; k < length; k++) for (let c = 0; c < b; c++) vT[k * b + c] = v[c * length + k];
    // S (b×b, upper triangular; dlarft): S[c][c] = τ_c, S[0:c][c] = −τ_c S[0:c][0:c] Vᵀ_{0:c} v_c.
    vtv.fill(0, 0, b * b);
    addABt(rowsOf(v, b, length), rowsOf(v, b, length), length, vtv, b);
    s.fill(0, 0, b * b);
    for (let c = 0; c < b; c++) {
      s[c * b + c] = tau[c];
      for (let r = 0; r < c; r++) {
        let sum = 0;
        for (let q = r; q < c; q++) sum += s[r * b + q] * vtv[q * b + c];
        s[r * b + c] = -tau[c] * sum;
      }
    }
    // Y −= V S Vᵀ Y, on rows: Wᵀ = Y V (count×b), Zᵀ = −Wᵀ Sᵀ, then each row of ys += Zᵀ Vᵀ.
    wT.fill(0, 0, count * b);
    addABt({ data: ys, rows: count, stride: n, offset: 0 }, rowsOf(v, b, length), length, wT, b);
    for (let i = 0; i < b * b; i++) s[i] = -s[i];
    zT.fill(0, 0, count * b);
    addABt(rowsOf(wT, count, b), rowsOf(s, b, b), b, zT, b);
    addABt(rowsOf(zT, count, b), rowsOf(vT, length, b), b, ys, n);
  }
}
