/**
 * The back-transform of the tridiagonal eigensolver: eigenvectors y of T become x = Q y of A
 * (A = Q T Qᵀ) through tred2's stored Householder reflectors, never forming Q. Reflectors are
 * applied in blocks of 32 in the compact WY form (LAPACK dlarft/dlarfb): P_{i+31} ⋯ P_i =
 * I − V S Vᵀ, so each block is three matrix products (Linalg steps, products.ts) instead of 32
 * passes of dot products. Exact float64 arithmetic; the same Q to rounding.
 */
import { gemm, gram, Linalg } from './products';

const BLOCK = 32;

/**
 * x ← Q x for each of the `count` rows x of `ys` (count×n), where Q = P_{n−1} ⋯ P_1,
 * P_i = I − u_i u_iᵀ / h_i with u_i the first i entries of row i of `reflectors` (tred2's scaled
 * Householder vectors, h_i = ‖u_i‖²/2; h_i = 0 means P_i = I).
 */
export function* applyReflectors(reflectors: Float64Array, h: Float64Array, n: number, ys: Float64Array, count: number): Linalg<void> {
  const s = new Float64Array(BLOCK * BLOCK);
  // P_1 acts first: blocks in increasing i, and within a block B = P_{last} ⋯ P_{first}.
  for (let first = 1; first < n; first += BLOCK) {
    const last = Math.min(n - 1, first + BLOCK - 1);
    const b = last - first + 1;
    const length = last; // every reflector of the block lives in entries 0..last−1
    // Row c of V (b×length) is u_{last−c} (LAPACK's forward order: B = H_0 H_1 ⋯ H_{b−1},
    // H_c = P_{last−c}), zero past its own length.
    const tau = new Float64Array(b);
    const v = new Float64Array(b * length);
    for (let c = 0; c < b; c++) {
      const i = last - c;
      tau[c] = h[i] === 0 ? 0 : 1 / h[i];
      if (tau[c] !== 0) v.set(reflectors.subarray(i * n, i * n + i), c * length);
    }
    const vm = { data: v, rows: b, cols: length };
    // S (b×b, upper triangular; dlarft): S[c][c] = τ_c, S[0:c][c] = −τ_c S[0:c][0:c] Vᵀ_{0:c} v_c.
    const vtv = yield* gram(vm, false);
    s.fill(0, 0, b * b);
    for (let c = 0; c < b; c++) {
      s[c * b + c] = tau[c];
      for (let r = 0; r < c; r++) {
        let sum = 0;
        for (let q = r; q < c; q++) sum += s[r * b + q] * vtv[q * b + c];
        s[r * b + c] = -tau[c] * sum;
      }
    }
    for (let i = 0; i < b * b; i++) s[i] = -s[i];
    // Y[:, 0:length] −= Y V S Vᵀ on rows: Wᵀ = Y Vᵀ (count×b), Zᵀ = −Wᵀ Sᵀ, then Y += Zᵀ V.
    const head = length === n ? ys : new Float64Array(count * length);
    if (head !== ys) for (let i = 0; i < count; i++) head.set(ys.subarray(i * n, i * n + length), i * length);
    const wT = yield* gemm({ data: head, rows: count, cols: length }, false, vm, true);
    const zT = yield* gemm({ data: wT, rows: count, cols: b }, false, { data: s, rows: b, cols: b }, true);
    const update = yield* gemm({ data: zT, rows: count, cols: b }, false, vm, false);
    for (let i = 0; i < count; i++) for (let k = 0; k < length; k++) ys[i * n + k] += update[i * length + k];
  }
}
