/**
 * The dimension guard of paper-spec §4.10: hidden states are centred and reduced to their top r_H
 * principal components, r_H ≤ min(cap, ⌊T/4⌋, d), because with rank(H_c) ≥ T−1 every alignment
 * score is trivially 1. The orthonormal score basis Q (T×r_H) is the whitened H the scores use.
 */
import { DenseFactor, CentredFactor } from './factor';
import { topEigenpairs } from './spectrum';
import { RandomFn } from './random';

export interface HiddenBasis {
  /** Orthonormal, centred T×r basis of the reduced hidden states (the PCA left singular vectors). */
  q: Float64Array;
  r: number;
  /** Singular values of H_c along each column of q (H_c ≈ q · diag(s) · Vᵀ). */
  singular: Float64Array;
  /** The centred hidden states transposed, d×T (for the exact variance-captured score). */
  centredT: Float64Array;
  d: number;
  /** ‖H_c‖²_F and the share of it the r kept components hold. */
  totalSq: number;
  capturedShare: number;
  /** Whether r had to be reduced below d (then components come from a truncated PCA). */
  reduced: boolean;
  pcaConverged: boolean;
}

export function hiddenBasis(hidden: { data: Float32Array | Float64Array; d: number }, T: number, cap: number, random: RandomFn): HiddenBasis {
  const { d } = hidden;
  const source = hidden.data;
  if (source.length < T * d) throw new Error(`hidden states: ${source.length} values for ${T}×${d}`);
  const centred = new Float64Array(T * d);
  // Rows with a non-finite entry (positions whose logits were NaN) are set to the mean of the
  // others, i.e. zero after centring, so they cannot poison the basis. One pass copies, checks and
  // sums each row (x − x is NaN exactly when x is not finite).
  const finite = new Uint8Array(T);
  let finiteCount = 0;
  const mean = new Float64Array(d);
  for (let t = 0; t < T; t++) {
    const row = t * d;
    let check = 0;
    for (let c = 0; c < d; c++) {
      const x = source[row + c];
      centred[row + c] = x;
      check += x - x;
    }
    if (check !== 0) continue;
    finite[t] = 1;
    finiteCount++;
    for (let c = 0; c < d; c++) mean[c] += centred[row + c];
  }
  for (let c = 0; c < d; c++) mean[c] /= Math.max(1, finiteCount);
  let totalSq = 0;
  for (let t = 0; t < T; t++) for (let c = 0; c < d; c++) {
    const x = finite[t] ? centred[t * d + c] - mean[c] : 0;
    centred[t * d + c] = x;
    totalSq += x * x;
  }
  const target = Math.max(1, Math.min(cap, Math.floor(T / 4), d));
  const dense = new DenseFactor(centred, T, d);
  const pca = topEigenpairs(new CentredFactor(dense), {
    // Exact (Gram) for d ≤ 384; beyond, a randomized range finder with two power steps: any good
    // r_H-dimensional reduction serves the guard, and the kept share is reported.
    count: target, random, maxIterations: 3, tolerance: 1e-6,
  });
  // Drop numerically null directions so q stays orthonormal (rank-deficient H).
  const floor = 1e-12 * (pca.values[0] ?? 0);
  let r = 0;
  while (r < pca.count && pca.values[r] > floor) r++;
  // The PCA's own T×count vectors when every component is kept (the usual case): no T×r copy.
  const q = r === pca.count ? pca.vectors : new Float64Array(T * r);
  if (q !== pca.vectors) for (let t = 0; t < T; t++) for (let j = 0; j < r; j++) q[t * r + j] = pca.vectors[t * pca.count + j];
  const singular = Float64Array.from(pca.values.subarray(0, r), l => Math.sqrt(T * l));
  let captured = 0;
  for (const s of singular) captured += s * s;
  return {
    q, r, singular, centredT: dense.transposed(), d, totalSq,
    capturedShare: totalSq > 0 ? captured / totalSq : 0,
    reduced: r < d,
    pcaConverged: pca.converged,
  };
}
