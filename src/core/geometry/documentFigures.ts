/**
 * Document figures of paper-spec §4.4-4.6: the martingale Z statistic, accuracy@1/@5, mean H vs
 * mean NLL, and the surprisal-versus-entropy calibration with ECE_H. The diagonal and the model-null
 * error bars are exact consequences of "the model is the source"; the empirical SE is descriptive.
 */

export interface CalibrationBin {
  count: number;
  meanEntropy: number;
  meanNll: number;
  /** √(Σ Vr_t)/n: exact standard error of mean NLL under the model-as-source null. */
  nullSe: number | null;
  /** sd(e_t)/√n. */
  empiricalSe: number;
  /** Fewer than 10 tokens: show greyed out. */
  sparse: boolean;
}

export interface DocumentFigures {
  /** Tokens the figures are over (finite NLL, entropy and varentropy), and how many were left out. */
  tokens: number;
  excluded: number;
  meanNll: number;
  meanEntropy: number;
  /** Z = Σe_t / √ΣVr_t, ≈ N(0,1) if the text were sampled from the model (martingale CLT). */
  martingaleZ: number | null;
  accuracyAt1: number | null;
  accuracyAt5: number | null;
  meanReciprocalRank: number | null;
  /** ECE_H = Σ_b (n_b/T)|mean NLL − mean H|_b. */
  eceH: number;
  calibration: CalibrationBin[];
  /** Top-1 reliability: bins of max probability vs hit rate (needs ranks and top probabilities). */
  reliability: Array<{ count: number; meanConfidence: number; hitRate: number }> | null;
}

export function documentFigures(
  nll: Float64Array, entropy: Float64Array, varentropy?: Float64Array, rank?: Int32Array, topProbability?: Float64Array,
): DocumentFigures {
  const nllLength = nll.length;
  // Tokens whose logits were not finite carry NaN; every figure is over the finite ones only.
  const keep = finiteTokens(nll, entropy, varentropy);
  const T = keep.length;
  if (keep.length < nllLength) {
    const pick = (a: ArrayLike<number>) => Array.from(keep, t => a[t]);
    nll = Float64Array.from(pick(nll));
    entropy = Float64Array.from(pick(entropy));
    varentropy = varentropy && Float64Array.from(pick(varentropy));
    rank = rank && Int32Array.from(pick(rank));
    topProbability = topProbability && Float64Array.from(pick(topProbability));
  }
  let sumNll = 0;
  let sumH = 0;
  for (let t = 0; t < T; t++) { sumNll += nll[t]; sumH += entropy[t]; }
  let at1 = 0;
  let at5 = 0;
  let mrr = 0;
  if (rank) for (let t = 0; t < T; t++) { if (rank[t] === 1) at1++; if (rank[t] <= 5) at5++; mrr += 1 / rank[t]; }
  const calibration = T > 0 ? calibrationBins(nll, entropy, varentropy) : [];
  let eceH = 0;
  for (const b of calibration) eceH += (b.count / T) * Math.abs(b.meanNll - b.meanEntropy);
  return {
    tokens: T,
    excluded: nllLength - T,
    meanNll: sumNll / T,
    meanEntropy: sumH / T,
    martingaleZ: varentropy ? martingaleZ(nll, entropy, varentropy) : null,
    accuracyAt1: rank ? at1 / T : null,
    accuracyAt5: rank ? at5 / T : null,
    meanReciprocalRank: rank ? mrr / T : null,
    eceH,
    calibration,
    reliability: rank && topProbability ? reliabilityBins(topProbability, rank) : null,
  };
}

/**
 * Z = Σ(NLL_t − H_t) / sqrt(Σ varentropy_t) over the tokens whose three values are finite; ≈ N(0, 1)
 * if the text were sampled from the model (martingale CLT). Null when Σ varentropy is 0. The same
 * number, negated, is Fast-DetectGPT's analytic criterion (core/compare/detection.ts).
 */
export function martingaleZ(nll: ArrayLike<number>, entropy: ArrayLike<number>, varentropy: ArrayLike<number>): number | null {
  let sumNll = 0;
  let sumH = 0;
  let sumVr = 0;
  for (let t = 0; t < nll.length; t++) {
    if (!Number.isFinite(nll[t]) || !Number.isFinite(entropy[t]) || !Number.isFinite(varentropy[t])) continue;
    sumNll += nll[t];
    sumH += entropy[t];
    sumVr += varentropy[t];
  }
  return sumVr > 0 ? (sumNll - sumH) / Math.sqrt(sumVr) : null;
}

/** Indices of tokens whose NLL, entropy (and varentropy, when given) are finite. */
export function finiteTokens(nll: Float64Array, entropy: Float64Array, varentropy?: Float64Array): number[] {
  const keep: number[] = [];
  for (let t = 0; t < nll.length; t++) {
    if (Number.isFinite(nll[t]) && Number.isFinite(entropy[t]) && (!varentropy || Number.isFinite(varentropy[t]))) keep.push(t);
  }
  return keep;
}

/** Equal-count bins of H_t, B = min(20, ⌊T/30⌋) (at least 1). */
export function calibrationBins(nll: Float64Array, entropy: Float64Array, varentropy?: Float64Array): CalibrationBin[] {
  const T = nll.length;
  const B = Math.max(1, Math.min(20, Math.floor(T / 30)));
  const order = Array.from({ length: T }, (_, t) => t).sort((a, b) => entropy[a] - entropy[b]);
  const bins: CalibrationBin[] = [];
  for (let b = 0; b < B; b++) {
    const lo = Math.floor((b * T) / B);
    const hi = Math.floor(((b + 1) * T) / B);
    const n = hi - lo;
    if (n === 0) continue;
    let h = 0;
    let s = 0;
    let vr = 0;
    for (let i = lo; i < hi; i++) { const t = order[i]; h += entropy[t]; s += nll[t]; if (varentropy) vr += varentropy[t]; }
    const meanExcess = (s - h) / n;
    let ss = 0;
    for (let i = lo; i < hi; i++) { const t = order[i]; const e = nll[t] - entropy[t] - meanExcess; ss += e * e; }
    bins.push({
      count: n, meanEntropy: h / n, meanNll: s / n,
      nullSe: varentropy ? Math.sqrt(vr) / n : null,
      empiricalSe: n > 1 ? Math.sqrt(ss / (n - 1)) / Math.sqrt(n) : NaN,
      sparse: n < 10,
    });
  }
  return bins;
}

function reliabilityBins(topProbability: Float64Array, rank: Int32Array, B = 10): Array<{ count: number; meanConfidence: number; hitRate: number }> {
  const count = new Float64Array(B);
  const confidence = new Float64Array(B);
  const hits = new Float64Array(B);
  for (let t = 0; t < rank.length; t++) {
    const p = topProbability[t];
    const b = Math.min(B - 1, Math.max(0, Math.floor(p * B)));
    count[b]++;
    confidence[b] += p;
    if (rank[t] === 1) hits[b]++;
  }
  const out = [];
  for (let b = 0; b < B; b++) if (count[b] > 0) out.push({ count: count[b], meanConfidence: confidence[b] / count[b], hitRate: hits[b] / count[b] });
  return out;
}
