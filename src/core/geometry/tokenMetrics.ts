/**
 * Per-token quantities of paper-spec §4.0-4.8, all exact for the model in float64:
 * row statistics of a full logits row (NLL, entropy, varentropy, rank, log-partition), excess
 * surprisal e_t = NLL − H and ζ_t = e_t/√Vr_t, the alignment/log-partition split NLL = A_t + U_t,
 * and the trace of the pullback Fisher metric tr g*(h) = Σ_w p_w‖W_w‖² − ‖Wᵀp‖².
 */
import { addRowTerms, RowTerms } from './weightedRows';

export interface RowStatistics {
  /** log Σ exp z (the log-partition U_t). */
  logPartition: number;
  nll: number;
  entropy: number;
  /** Var_{w∼p}[−log p(w)] = Var_{w∼p}[z_w]. */
  varentropy: number;
  targetLogit: number;
  /** 1 + #{w : z_w > z_target}; ties counted separately. */
  rank: number;
  ties: number;
  finite: boolean;
}

/** Three passes over one logits row (max, partition and mean, variance); float64 accumulators. */
export function logitRowStatistics(z: ArrayLike<number>, target: number): RowStatistics {
  const V = z.length;
  let max = -Infinity;
  let finite = true;
  for (let w = 0; w < V; w++) {
    const x = z[w];
    if (!Number.isFinite(x)) finite = false;
    else if (x > max) max = x;
  }
  const targetLogit = z[target];
  if (!finite || !Number.isFinite(targetLogit)) {
    return { logPartition: NaN, nll: NaN, entropy: NaN, varentropy: NaN, targetLogit, rank: NaN, ties: 0, finite: false };
  }
  let sum = 0;
  let weighted = 0;
  let rank = 1;
  let ties = 0;
  for (let w = 0; w < V; w++) {
    const e = Math.exp(z[w] - max);
    sum += e;
    weighted += e * z[w];
    if (z[w] > targetLogit) rank++;
    else if (z[w] === targetLogit && w !== target) ties++;
  }
  const logPartition = max + Math.log(sum);
  const meanLogit = weighted / sum;
  let variance = 0;
  for (let w = 0; w < V; w++) {
    const p = Math.exp(z[w] - logPartition);
    if (p === 0) continue;
    const dz = z[w] - meanLogit;
    variance += p * dz * dz;
  }
  const entropy = Math.min(Math.max(logPartition - meanLogit, 0), Math.log(V));
  return { logPartition, nll: logPartition - targetLogit, entropy, varentropy: variance, targetLogit, rank, ties, finite: true };
}

export interface ExcessSurprisal {
  /** e_t = NLL_t − H_t, nats. */
  excess: Float64Array;
  /** ζ_t = e_t / √Vr_t; NaN where Vr_t ≤ floor (an almost deterministic prediction). */
  standardised: Float64Array;
}

export function excessSurprisal(nll: Float64Array, entropy: Float64Array, varentropy?: Float64Array, floor = 1e-10): ExcessSurprisal {
  const T = nll.length;
  const excess = new Float64Array(T);
  const standardised = new Float64Array(T).fill(NaN);
  for (let t = 0; t < T; t++) {
    excess[t] = nll[t] - entropy[t];
    if (varentropy && varentropy[t] > floor) standardised[t] = excess[t] / Math.sqrt(varentropy[t]);
  }
  return { excess, standardised };
}

/** A_t = −z_t(y_t) and U_t = log Z_t, so NLL_t = A_t + U_t exactly (v2 A.9, observed target). */
export function alignmentPartitionSplit(targetLogit: number, logPartition: number): { alignment: number; partition: number } {
  return { alignment: -targetLogit, partition: logPartition };
}

/**
 * tr g*(h) over a support (ids, probabilities): Σ p_w‖W_w‖² − ‖Σ p_w W_w‖², one pass over the
 * support with a d-vector accumulator. With the full vocabulary as support it is exact; with a top-k
 * slice of missing mass ε it is within 3·ε·max_w‖W_w‖² of the exact value (bound derived in the
 * geometry notes: ε‖W‖² + 2(1−ε)ε‖W‖² + ε²‖W‖²). `rowNormSq[r]` = ‖row r‖² (HeadIndex.normSq),
 * when given, saves recomputing every ‖W_w‖² per entry; without it they are summed from `rows`
 * (the same norms; the mean is summed in another order, so the results agree to rounding).
 */
export function pullbackTrace(
  ids: ArrayLike<number>, probs: ArrayLike<number>, count: number,
  rowOf: (id: number) => number, rows: Float32Array | Float64Array, d: number, scratch: Float64Array = new Float64Array(d),
  rowNormSq?: ArrayLike<number>,
): number {
  scratch.fill(0);
  let weightedNorms = 0;
  if (rowNormSq) {
    // Norms given: only the mean is left to sum, two rows per pass (weightedRows.ts).
    const terms = sharedTerms;
    terms.clear();
    for (let e = 0; e < count; e++) {
      const p = probs[e];
      if (p === 0) continue;
      const r = rowOf(ids[e]);
      weightedNorms += p * rowNormSq[r];
      terms.push(p, r * d);
    }
    addRowTerms(scratch, 0, terms, rows, d);
  } else {
    // One pass over each row for its norm and its share of the mean.
    for (let e = 0; e < count; e++) {
      const p = probs[e];
      if (p === 0) continue;
      const base = rowOf(ids[e]) * d;
      let normSq = 0;
      for (let c = 0; c < d; c++) {
        const x = rows[base + c];
        normSq += x * x;
        scratch[c] += p * x;
      }
      weightedNorms += p * normSq;
    }
  }
  let meanSq = 0;
  for (let c = 0; c < d; c++) meanSq += scratch[c] * scratch[c];
  return Math.max(0, weightedNorms - meanSq);
}

/** Reused by every pullbackTrace call (single-threaded; grown to the largest support seen). */
const sharedTerms = new RowTerms();

/** tr g* from a full logits row and the full head (V×d): exact, one pass over the row and W. */
export function pullbackTraceFullRow(z: ArrayLike<number>, logPartition: number, head: Float32Array | Float64Array, d: number, scratch: Float64Array = new Float64Array(d)): number {
  const V = z.length;
  const probs = new Float64Array(V);
  for (let w = 0; w < V; w++) probs[w] = Math.exp(z[w] - logPartition);
  return pullbackTrace(identityIds(V), probs, V, w => w, head, d, scratch);
}

let identityCache: Int32Array | null = null;
function identityIds(V: number): Int32Array {
  if (!identityCache || identityCache.length < V) identityCache = Int32Array.from({ length: V }, (_, i) => i);
  return identityCache;
}
