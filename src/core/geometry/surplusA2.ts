/**
 * Surplus A2 (paper-spec §4.11), model-defined: the paper's K = 2 surplus I(H; W' | W) with the
 * model in place of the data process, on the document's own contexts. H is uniform over the S
 * sampled positions t, W ∼ p̃_t (the top-k_b candidates of p_t, renormalised) and W' ∼ q_{t,w}, the
 * model's next distribution after the branch x_≤t ⊕ w (one decode step through the KV cache):
 *   H(W'|H,W) = (1/S) Σ_t Σ_w p̃_t(w) H(q_{t,w})
 *   π̃(w)      = (1/S) Σ_t p̃_t(w)
 *   H(W'|W)   = Σ_w π̃(w) H( Σ_t p̃_t(w) q_{t,w} / (S π̃(w)) )
 *   A2        = H(W'|W) − H(W'|H,W)  (nats) ≤ H(H|W) ≤ log S.
 * Exact for that joint, up to the branch truncation (covered mass reported). Not the data quantity.
 * All sums in float64; each q row is a log-softmax of float32 logits computed in float64.
 */

export interface SurplusA2 {
  /** Nats. */
  value: number;
  /** H(W'|H,W) and H(W'|W), nats. */
  conditionalEntropy: number;
  mixtureEntropy: number;
  /** log S: the cap of any MI with H uniform over S positions. */
  cap: number;
  /** Positions used (S) and candidates per position (k_b). */
  positions: number;
  candidates: number;
  /** Mean and minimum over positions of Σ_{top k_b} p_t(w), the mass the branches cover. */
  coveredMass: number;
  minCoveredMass: number;
  /** Distinct candidate tokens w (rows of V kept for the mixtures). */
  distinctCandidates: number;
  /** Sampled positions dropped because p_t or a branch row was not finite. */
  skippedPositions: number;
  provenance: 'model-defined';
  description: string;
}

/**
 * Adds positions one at a time so nothing T×k_b×V is ever held. Memory: one float64 row of V per
 * distinct candidate w (the mixture Σ_t p̃_t(w) q_{t,w}), so at most min(S·k_b, V) rows; top
 * candidates repeat across positions, so far fewer in practice.
 */
export class SurplusA2Accumulator {
  private readonly mixtures = new Map<number, { weight: number; sum: Float64Array }>();
  private conditionalSum = 0;
  private coveredSum = 0;
  private minCovered = Infinity;
  private count = 0;
  private skipped = 0;
  private candidates = 0;
  private readonly logQ: Float64Array;

  constructor(readonly width: number) {
    this.logQ = new Float64Array(width);
  }

  /**
   * One position t: candidate ids w, their p_t(w) (not renormalised), and the branch logits rows
   * (ids.length × width, row i is the next-token logits after x_≤t ⊕ ids[i]).
   */
  addPosition(ids: ArrayLike<number>, probs: ArrayLike<number>, logits: ArrayLike<number>): void {
    const k = ids.length;
    const V = this.width;
    if (logits.length !== k * V) throw new Error(`surplus A2: ${logits.length} branch logits for ${k} candidates × ${V}`);
    let covered = 0;
    for (let i = 0; i < k; i++) covered += probs[i];
    if (!(covered > 0)) { this.skipped++; return; }
    const rows: Array<{ id: number; weight: number; logQ: Float64Array; entropy: number }> = [];
    for (let i = 0; i < k; i++) {
      const weight = probs[i] / covered;
      const logQ = new Float64Array(V);
      const entropy = logSoftmax(logits, i * V, V, logQ);
      if (!Number.isFinite(entropy)) { this.skipped++; return; }
      rows.push({ id: ids[i], weight, logQ, entropy });
    }
    for (const r of rows) {
      this.conditionalSum += r.weight * r.entropy;
      let m = this.mixtures.get(r.id);
      if (!m) this.mixtures.set(r.id, (m = { weight: 0, sum: new Float64Array(V) }));
      m.weight += r.weight;
      for (let v = 0; v < V; v++) m.sum[v] += r.weight * Math.exp(r.logQ[v]);
    }
    this.coveredSum += covered;
    this.minCovered = Math.min(this.minCovered, covered);
    this.candidates = Math.max(this.candidates, k);
    this.count++;
  }

  /** A sampled position that has no branches (its p_t was not finite): counted, not averaged in. */
  skipPosition(): void {
    this.skipped++;
  }

  get positions(): number {
    return this.count;
  }

  result(): SurplusA2 | null {
    const S = this.count;
    if (S === 0) return null;
    const conditionalEntropy = this.conditionalSum / S;
    let mixtureEntropy = 0;
    for (const { weight, sum } of this.mixtures.values()) {
      // π̃(w) = weight / S; the mixture's distribution is sum / weight.
      let h = 0;
      for (let v = 0; v < sum.length; v++) {
        const q = sum[v] / weight;
        if (q > 0) h -= q * Math.log(q);
      }
      mixtureEntropy += (weight / S) * h;
    }
    return {
      // ≥ 0 by concavity of H; a float64 rounding below 0 is shown as 0.
      value: Math.max(0, mixtureEntropy - conditionalEntropy),
      conditionalEntropy, mixtureEntropy, cap: Math.log(S),
      positions: S, candidates: this.candidates,
      coveredMass: this.coveredSum / S, minCoveredMass: this.minCovered,
      distinctCandidates: this.mixtures.size, skippedPositions: this.skipped,
      provenance: 'model-defined',
      description: `model-defined surplus I_θ(H; W'|W) by branch look-ahead through the KV cache on ${S} sampled positions, top-${this.candidates} candidates renormalised; capped by log S`,
    };
  }
}

/** One position's inputs for `surplusA2` (the pure form of the accumulator, for tests and tools). */
export interface BranchPosition {
  ids: ArrayLike<number>;
  probs: ArrayLike<number>;
  logits: ArrayLike<number>;
}

export function surplusA2(width: number, positions: readonly BranchPosition[]): SurplusA2 | null {
  const acc = new SurplusA2Accumulator(width);
  for (const p of positions) acc.addPosition(p.ids, p.probs, p.logits);
  return acc.result();
}

/**
 * log softmax of row[offset, offset + V) into `out` (float64, max-shifted); returns the entropy
 * −Σ q log q, or NaN when the row is not finite.
 */
export function logSoftmax(row: ArrayLike<number>, offset: number, V: number, out: Float64Array): number {
  let max = -Infinity;
  for (let v = 0; v < V; v++) if (row[offset + v] > max) max = row[offset + v];
  if (!Number.isFinite(max)) return NaN;
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(row[offset + v] - max);
  const lse = max + Math.log(sum);
  let entropy = 0;
  for (let v = 0; v < V; v++) {
    const l = row[offset + v] - lse;
    out[v] = l;
    if (Number.isFinite(l)) entropy -= Math.exp(l) * l;
    else if (l !== -Infinity) return NaN;
  }
  return entropy;
}

/** The k most probable entries of a logits row: ids and their probabilities p(w) (float64). */
export function topCandidates(row: ArrayLike<number>, offset: number, V: number, k: number): { ids: Int32Array; probs: Float64Array } | null {
  const lse = logSumExp(row, offset, V);
  if (!Number.isFinite(lse)) return null;
  // Insertion into a sorted list of k: O(V·k) for small k; ties keep the lower id first.
  const n = Math.min(k, V);
  const ids: number[] = [];
  for (let v = 0; v < V; v++) {
    const z = row[offset + v];
    if (ids.length === n && !(z > row[offset + ids[n - 1]])) continue;
    let at = ids.length;
    while (at > 0 && z > row[offset + ids[at - 1]]) at--;
    ids.splice(at, 0, v);
    if (ids.length > n) ids.pop();
  }
  return { ids: Int32Array.from(ids), probs: Float64Array.from(ids, id => Math.exp(row[offset + id] - lse)) };
}

/** log Σ exp(row[offset .. offset + V)) in float64, max-shifted; NaN for a non-finite row. */
export function logSumExp(row: ArrayLike<number>, offset: number, V: number): number {
  let max = -Infinity;
  for (let v = 0; v < V; v++) if (row[offset + v] > max) max = row[offset + v];
  if (!Number.isFinite(max)) return NaN;
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(row[offset + v] - max);
  return Number.isFinite(sum) ? max + Math.log(sum) : NaN;
}
