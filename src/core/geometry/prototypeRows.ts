/**
 * The model-side prototype rows ḡ_t = Σ_w p_t(w) Ŵ_w and the pullback trace tr g*_t, filled batch by
 * batch as the scored tokens arrive, so a second thread can build them while inference still runs
 * (src/model/geometryThread.ts). The arithmetic is that of kernels.ts (prototypeFactor) and
 * computeGeometry.ts (the trace with stored norms) entry for entry, on the same top-k slices, so the result is the
 * same factor; both are exact-truncated (missing mass ε_t, reported by the core).
 */
import { pullbackTrace } from './tokenMetrics';
import { addRowTerms, RowTerms } from './weightedRows';

/** The columns of a RecordBatch the rows need (src/core/records.ts). */
export interface PrototypeBatch {
  firstIndex: number;
  count: number;
  /** Slice width: topIds/topProbs are count × k, −1 ids pad. */
  k: number;
  topIds: Int32Array;
  topProbs: Float32Array | Float64Array;
  /** NaN marks a position whose logits were not finite: its slice is empty, as in the records. */
  nll: Float32Array | Float64Array;
}

/** What GeometryInput.prototypeRows carries: the T×d factor and tr g*_t (for the unscaled W). */
export interface PrototypeRowsResult {
  data: Float64Array;
  trace: Float64Array;
}

export class PrototypeRows {
  readonly data: Float64Array;
  readonly trace: Float64Array;
  /**
   * ‖W_w‖² and 1/‖W_w‖ per vocabulary id, NaN until first needed (most of a large vocabulary is
   * never in a slice); computed as HeadIndex computes them, so the sums below are the kernel's.
   */
  private readonly normSq: Float64Array;
  private readonly inverseNorm: Float64Array;
  private readonly scratch: Float64Array;
  private readonly terms = new RowTerms();

  constructor(private readonly weight: Float32Array, readonly d: number, vocab: number, readonly tokens: number) {
    if (weight.length !== vocab * d) throw new Error(`PrototypeRows: ${weight.length} weights for ${vocab}×${d}`);
    this.data = new Float64Array(tokens * d);
    this.trace = new Float64Array(tokens);
    this.normSq = new Float64Array(vocab).fill(NaN);
    this.inverseNorm = new Float64Array(vocab);
    this.scratch = new Float64Array(d);
  }

  add(batch: PrototypeBatch): void {
    const { d, weight, terms } = this;
    const { k, topIds, topProbs } = batch;
    const ids: number[] = [];
    const probs: number[] = [];
    for (let r = 0; r < batch.count; r++) {
      const t = batch.firstIndex + r;
      if (t < 0 || t >= this.tokens) throw new Error(`PrototypeRows: token ${t} outside 0..${this.tokens - 1}`);
      ids.length = 0;
      probs.length = 0;
      if (!Number.isNaN(batch.nll[r])) {
        for (let j = 0; j < k; j++) {
          const id = topIds[r * k + j];
          if (id >= 0) { ids.push(id); probs.push(topProbs[r * k + j]); this.measure(id); }
        }
      }
      this.data.fill(0, t * d, (t + 1) * d);
      terms.clear();
      for (let e = 0; e < ids.length; e++) if (probs[e] > 0) terms.push(probs[e] * this.inverseNorm[ids[e]], ids[e] * d);
      addRowTerms(this.data, t * d, terms, weight, d);
      this.trace[t] = pullbackTrace(ids, probs, ids.length, id => id, weight, d, this.scratch, this.normSq);
    }
  }

  private measure(id: number): void {
    if (!Number.isNaN(this.normSq[id])) return;
    let s = 0;
    for (let c = 0; c < this.d; c++) s += this.weight[id * this.d + c] * this.weight[id * this.d + c];
    this.normSq[id] = s;
    this.inverseNorm[id] = s > 0 ? 1 / Math.sqrt(s) : 0;
  }
}
