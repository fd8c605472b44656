/**
 * What the geometry needs from an analysis, gathered while it runs (GeometryGathering: the
 * hidden-state capture and, with the deep option, the A2 branches observe the same runs) and kept
 * afterwards (KeptInputs), so that the spectrum can be computed, and recomputed for other options,
 * without running the model over the document again.
 *
 * A kept input holds, for T tokens: h_t (T×d float32), the per-token NLL, entropy, varentropy, rank
 * and log-partition, the top-k slices (ids and probabilities), log p_t(x_{t+2}), the exact π̄ over
 * the vocabulary (V float64), a few (h, logits) rows for the head check, the document's ids, and the
 * A2 result when the branches ran. Heuristic B's values are added the first time they are asked for.
 * O(T·(d + k) + V) numbers, never T×V.
 */
import type { GeometryInput, SurplusA2 } from '../../core/geometry';
import { geometryInputFromBatches } from '../../core/geometry';
import type { RecordBatch } from '../../core/records';
import type { LoadedModel } from '../load/loader';
import type { RunObserver } from '../run/observers';
import { BranchLookahead } from './branchLookahead';
import type { HeadModel } from './headModel';
import { HiddenCapture } from './hiddenCapture';

export interface KeptGeometryInput {
  /** The engine's handle for this kept input (front ends name it in geometry requests). */
  id: number;
  /** The prefix token followed by the document's ids (heuristic B's short runs read them). */
  ids: Int32Array;
  /** Per-token statistics, top-k slices, π̄ and log p(x_{t+2}); no hidden states, no head rows. */
  base: GeometryInput;
  /** h_t, T×d float32, or null when the hidden state could not be exposed. */
  hidden: Float32Array | null;
  d: number;
  /** (h, logits) rows for the head check. */
  check: { hidden: Float32Array; logits: Float32Array; rows: number };
  /** Surplus A2 as gathered during the analysis (deep option), with the options it was gathered for. */
  deep: { positions: number; seed: number; result: SurplusA2 | null; failure?: string; ms: number; branchRuns: number } | null;
  /** Heuristic B's log p(x_{t+2} | prefix, x_{t+1}), once computed. */
  ablated?: { values: Float64Array; distinctTokens: number; runs: number; ms: number };
  /** Bytes held by the arrays above (the budget counts these). */
  bytes: number;
}

/** What the deep option needs gathered during inference. */
export interface GatherOptions {
  /** Sampled positions for A2's branches (0: no branches). */
  deepSurplus: number;
  seed: number;
}

/**
 * Observes an analysis for the geometry: the hidden-state capture (h_t, π̄, log p(x_{t+2}), the head
 * check rows) and, with the deep option, the A2 branches. The caller passes `observers` and
 * `reductionExtras` to analyzeText and calls `started` and `batch` from its sink.
 */
export class GeometryGathering {
  readonly capture: HiddenCapture;
  readonly branch: BranchLookahead | null;
  readonly hasHidden: boolean;
  private readonly batches: RecordBatch[] = [];
  private ids: Int32Array = new Int32Array(0);

  constructor(model: LoadedModel, geo: HeadModel, private readonly options: GatherOptions) {
    const d = geo.weights?.hidden ?? model.info.hiddenSize;
    const hiddenOutput = d > 0 ? geo.hiddenOutput : null;
    this.hasHidden = hiddenOutput !== null;
    this.capture = new HiddenCapture(hiddenOutput, d, model.logitsWidth);
    this.branch = options.deepSurplus ? new BranchLookahead(model.signature, model.logitsWidth, options.deepSurplus, undefined, options.seed) : null;
  }

  get observers(): RunObserver[] {
    return [this.capture, ...(this.branch ? [this.branch] : [])];
  }

  get tokens(): number {
    return this.batches.reduce((n, b) => n + b.count, 0);
  }

  started(ids: Int32Array): void {
    this.ids = ids;
  }

  batch(batch: RecordBatch): void {
    this.batches.push(batch);
  }

  /** ‖h_t‖ for the records of a batch (undefined without hidden states). */
  norms(batch: RecordBatch): Float64Array | undefined {
    return this.hasHidden ? this.capture.norms(batch.firstIndex, batch.firstIndex + batch.count) : undefined;
  }

  /** The gathered input (the batches are dropped: their columns now live in `base`). */
  finish(id: number): KeptGeometryInput {
    const c = this.capture;
    // The reduction's log p(x_{t+2}) from the full rows replaces the one read from the slices.
    const extras: Partial<GeometryInput> = { meanDistribution: c.meanDistribution(), afterNextLogProb: c.afterNextLogProb };
    const base = geometryInputFromBatches(this.batches, extras);
    this.batches.length = 0;
    const b = this.branch;
    const deep = b ? { positions: this.options.deepSurplus, seed: this.options.seed, result: b.result(), failure: b.failure, ms: b.ms, branchRuns: b.branchRuns } : null;
    const kept: KeptGeometryInput = {
      id, ids: this.ids, base, hidden: this.hasHidden ? c.hidden as Float32Array : null, d: c.d,
      check: { hidden: c.checkHidden, logits: c.checkLogits, rows: c.checkRows }, deep, bytes: 0,
    };
    kept.bytes = keptBytes(kept);
    return kept;
  }
}

/** Bytes of the arrays a kept input holds. */
export function keptBytes(k: KeptGeometryInput): number {
  const b = k.base;
  const arrays: Array<ArrayLike<number> & { byteLength: number } | undefined> = [
    k.ids, b.targets, b.nll, b.entropy, b.varentropy, b.rank, b.logPartition, b.top.rowStart, b.top.ids, b.top.probs,
    b.meanDistribution, b.afterNextLogProb, k.hidden ?? undefined, k.check.hidden, k.check.logits, k.ablated?.values,
  ];
  return arrays.reduce((n, a) => n + (a?.byteLength ?? 0), 0);
}

/** Default budget of the kept inputs of one model. */
export const KEPT_BYTES = 256 * 1024 * 1024;
/** At most this many documents are kept per model. */
export const KEPT_DOCUMENTS = 8;

/**
 * The kept inputs of one model, most recently used last, bounded by a byte budget and a document
 * count (the oldest go first). An input larger than the whole budget is not kept.
 */
export class KeptInputs {
  private readonly entries = new Map<number, KeptGeometryInput>();
  private nextId = 1;

  constructor(private readonly budget = KEPT_BYTES, private readonly maxDocuments = KEPT_DOCUMENTS) {}

  /** A fresh id for an input about to be gathered. */
  newId(): number {
    return this.nextId++;
  }

  /** Keeps `input`; returns false (and keeps nothing) when it alone exceeds the budget. */
  keep(input: KeptGeometryInput): boolean {
    if (input.bytes > this.budget) return false;
    this.entries.set(input.id, input);
    this.trim();
    return true;
  }

  /** The kept input `id` (and marks it recently used), or undefined when it was dropped. */
  take(id: number): KeptGeometryInput | undefined {
    const input = this.entries.get(id);
    if (input) { this.entries.delete(id); this.entries.set(id, input); }
    return input;
  }

  /** Re-counts an input whose cached parts grew (B's values) and trims. */
  grew(input: KeptGeometryInput): void {
    input.bytes = keptBytes(input);
    this.trim(input.id);
  }

  get bytes(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.bytes;
    return n;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  private trim(protect?: number): void {
    for (const [id] of this.entries) {
      if (this.bytes <= this.budget && this.entries.size <= this.maxDocuments) return;
      if (id !== protect) this.entries.delete(id);
    }
  }
}
