/**
 * The dimension guard of paper-spec §4.10: hidden states are centred and reduced to their top r_H
 * principal components, r_H ≤ min(cap, ⌊T/4⌋, d), because with rank(H_c) ≥ T−1 every alignment
 * score is trivially 1. The orthonormal score basis Q (T×r_H) is the whitened H the scores use.
 */
import { DenseFactor, CentredFactor } from './factor';
import { HiddenGram, HiddenGramResult } from './hiddenGram';
import { Linalg } from './products';
import { topEigenpairs, usesGram } from './spectrum';
import { RandomFn } from './random';

export interface HiddenBasis {
  /** Orthonormal, centred T×r basis of the reduced hidden states (the PCA left singular vectors). */
  q: Float64Array;
  r: number;
  /** Singular values of H_c along each column of q (H_c ≈ q · diag(s) · Vᵀ). */
  singular: Float64Array;
  /** The centred hidden states, T×d (for the exact variance-captured score). */
  centred: Float64Array;
  d: number;
  /** ‖H_c‖²_F and the share of it the r kept components hold. */
  totalSq: number;
  capturedShare: number;
  /** Whether r had to be reduced below d (then components come from a truncated PCA). */
  reduced: boolean;
  pcaConverged: boolean;
}

export function* hiddenBasis(hidden: { data: Float32Array | Float64Array; d: number }, T: number, cap: number, random: RandomFn, given?: HiddenGramResult): Linalg<HiddenBasis> {
  const { d } = hidden;
  const source = hidden.data;
  if (source.length < T * d) throw new Error(`hidden states: ${source.length} values for ${T}×${d}`);
  // The centred Gram and the mean come from HiddenGram whether or not a thread built them already,
  // so both ways give the same numbers. Rows with a non-finite entry (positions whose logits were
  // NaN) are left out of both and set to zero after centring, so they cannot poison the basis.
  // Beyond GRAM_COLUMN_LIMIT the PCA never reads a Gram: only the mean and the finite rows are taken.
  let stats = given;
  if (!stats) {
    const accumulator = new HiddenGram(d, T, usesGram(d));
    yield* accumulator.add(source, 0, T);
    stats = yield* accumulator.finish();
  }
  if ((stats.gram && stats.gram.length !== d * d) || stats.finite.length !== T) throw new Error(`hidden-state Gram of ${stats.gram?.length} values for ${T}×${d}`);
  const { mean, finite } = stats;
  const centred = new Float64Array(T * d);
  for (let t = 0; t < T; t++) if (finite[t]) centreRow(source, t * d, mean, centred, d);
  const dense = new DenseFactor(centred, T, d);
  const factor = new CentredFactor(dense, stats.gram ?? undefined, true);
  // ‖H_c‖²: the trace of the centred Gram when there is one (the same sum of squares in exact arithmetic).
  const totalSq = factor.frobeniusSq();
  const target = Math.max(1, Math.min(cap, Math.floor(T / 4), d));
  const pca = yield* topEigenpairs(factor, {
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
    q, r, singular, centred, d, totalSq,
    capturedShare: totalSq > 0 ? captured / totalSq : 0,
    reduced: r < d,
    pcaConverged: pca.converged,
  };
}

/** centred[at..at+d) = source[at..at+d) − mean. */
function centreRow(source: Float32Array | Float64Array, at: number, mean: Float64Array, centred: Float64Array, d: number): void {
  for (let c = 0; c < d; c++) centred[at + c] = source[at + c] - mean[c];
}
