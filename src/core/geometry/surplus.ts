/**
 * Information surplus from one document (paper-spec §4.11). None of these is the paper's data
 * quantity I(H_t; W_{t+1..} | W_t):
 *  - A1 (model-defined, exact): I_θ(H;W) = H(π̄) − (1/T)Σ H_t, π̄ = (1/T)Σ p_t, for the joint
 *    (t ∼ Unif, W ∼ p_t); bounded by log T. Exact with the worker's full π̄, else from top-k slices.
 *  - A2 (model-defined, K = 2, "deep" option): see surplusA2.ts; the engine's branch runs reduce it.
 *  - B (heuristic): c_t = log p(x_{t+2} | x_≤t+1) − log p(x_{t+2} | prefix, x_{t+1}); an upper-bound
 *    proxy under exact conditionals. The second term comes from the engine's short runs on
 *    [prefix, u] per distinct token u (src/model/surplusRuns.ts).
 *  - C1 (heuristic): ℓ_t = log p_t(x_{t+2}) − log π̄(x_{t+2}), the "skip-one logit lens".
 * Index: h_t has read x_≤t, y_t = x_{t+1}, so x_{t+2} = y_{t+1}.
 */
import { sliceResiduals } from './kernels';
import { RandomFn } from './random';
import { GeometryInput } from './types';

export interface SurplusA1 {
  /** Nats. */
  value: number;
  entropyOfMean: number;
  meanEntropy: number;
  /** log T, the cap of any MI under the empirical context measure. */
  cap: number;
  provenance: 'model-defined';
  /** 'exact' with the full π̄; 'top-k' when π̄ came from slices (then `residualMass` is lumped as one outcome). */
  basis: 'exact' | 'top-k';
  residualMass: number;
}

export interface HeuristicLayer {
  /** Per token, nats (NaN where undefined, e.g. the last token). */
  values: Float64Array;
  mean: number;
  /** 95% block-bootstrap interval of the mean (blocks of 64 tokens). */
  ci: [number, number];
  provenance: 'heuristic';
  description: string;
}

export function surplusA1(input: GeometryInput): SurplusA1 {
  const T = input.entropy.length;
  let meanEntropy = 0;
  let finite = 0;
  for (let t = 0; t < T; t++) if (Number.isFinite(input.entropy[t])) { meanEntropy += input.entropy[t]; finite++; }
  meanEntropy /= Math.max(1, finite);
  let entropyOfMean = 0;
  let residualMass = 0;
  if (input.meanDistribution) {
    for (const p of input.meanDistribution) if (p > 0) entropyOfMean -= p * Math.log(p);
  } else {
    for (const p of sliceMean(input).values()) if (p > 0) entropyOfMean -= p * Math.log(p);
    for (const r of sliceResiduals(input)) residualMass += r / T;
    if (residualMass > 0) entropyOfMean -= residualMass * Math.log(residualMass);
  }
  return {
    value: Math.max(0, entropyOfMean - meanEntropy), entropyOfMean, meanEntropy, cap: Math.log(T),
    provenance: 'model-defined', basis: input.meanDistribution ? 'exact' : 'top-k', residualMass,
  };
}

/** π̄ restricted to the slices' ids (a lower bound on each true π̄_w). */
function sliceMean(input: GeometryInput): Map<number, number> {
  const { rowStart, ids, probs } = input.top;
  const T = rowStart.length - 1;
  const pi = new Map<number, number>();
  for (let e = 0; e < ids.length; e++) if (probs[e] > 0) pi.set(ids[e], (pi.get(ids[e]) ?? 0) + probs[e] / T);
  return pi;
}

export function lookAheadC1(input: GeometryInput, random: RandomFn): HeuristicLayer | null {
  if (!input.afterNextLogProb) return null;
  const T = input.targets.length;
  const slice = input.meanDistribution ? null : sliceMean(input);
  const values = new Float64Array(T).fill(NaN);
  for (let t = 0; t + 1 < T; t++) {
    const id = input.targets[t + 1];
    const pi = input.meanDistribution ? input.meanDistribution[id] : slice?.get(id) ?? 0;
    if (pi > 0) values[t] = input.afterNextLogProb[t] - Math.log(pi);
  }
  return layer(values, random, 'skip-one logit lens ℓ_t = log p_t(x_{t+2}) − log π̄(x_{t+2}); ignores conditioning on x_{t+1}');
}

export function contextAblationB(input: GeometryInput, random: RandomFn): HeuristicLayer | null {
  if (!input.ablatedLogProb) return null;
  const T = input.targets.length;
  const values = new Float64Array(T).fill(NaN);
  for (let t = 0; t + 1 < T; t++) values[t] = -input.nll[t + 1] - input.ablatedLogProb[t];
  return layer(values, random, 'context-ablation proxy c_t = log p(x_{t+2}|x_≤t+1) − log p(x_{t+2}|prefix, x_{t+1}); an upper-bound proxy, uses h_{t+1}');
}

function layer(values: Float64Array, random: RandomFn, description: string): HeuristicLayer {
  const { mean, ci } = blockBootstrapMean(values, random);
  return { values, mean, ci, provenance: 'heuristic', description };
}

/** Mean of the finite values with a 95% moving-block bootstrap interval (blocks of `block`). */
export function blockBootstrapMean(values: Float64Array, random: RandomFn, block = 64, resamples = 200): { mean: number; ci: [number, number] } {
  const finite = Array.from(values).filter(Number.isFinite);
  const n = finite.length;
  if (n === 0) return { mean: NaN, ci: [NaN, NaN] };
  const mean = finite.reduce((a, b) => a + b, 0) / n;
  const size = Math.min(block, n);
  const starts = n - size + 1;
  // Block sums from prefix sums: one subtraction per block instead of `size` additions (the same
  // draws; the sums differ from a running sum only by rounding).
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + finite[i];
  const means: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    let count = 0;
    while (count < n) {
      const s = Math.floor(random() * starts);
      const take = Math.min(size, n - count);
      sum += prefix[s + take] - prefix[s];
      count += take;
    }
    means.push(sum / n);
  }
  means.sort((a, b) => a - b);
  return { mean, ci: [means[Math.floor(0.025 * resamples)], means[Math.min(resamples - 1, Math.ceil(0.975 * resamples) - 1)]] };
}
