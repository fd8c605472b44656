/**
 * What geometry needs from the forward passes, gathered while the logits rows are in hand:
 *  - h for every scored token: the head input at the input position *before* the token (the state
 *    after reading everything before it), T×d float32, so O(T·d) memory;
 *  - the exact mean next-token distribution π̄ = (1/T)Σ_t p_t over the whole vocabulary, and
 *    log p_t(x_{t+2}) for every scored token (the look-ahead heuristic C1 needs the probability of
 *    the token after the one predicted, from the full row rather than from the top-k slice): the
 *    reduction takes both from the exponentials it computes for the metrics anyway (its extras),
 *    so ONNX Runtime's thread does nothing more; O(V) memory, no T×V storage;
 *  - a few (h, logits) rows for the head check.
 * It is a run observer (run/observers.ts) that reads the hidden-state output of each run, and the
 * reduction's extras sink (run/tokenReduction.ts).
 */
import type { ChunkMetrics } from '../../core/reduceChunk';
import { toFloat32 } from '../onnx/float16';
import type { Tensor } from '../onnx/runtime';
import { firstScoredRow, type AnalysisPlan, type RunObserver, type WindowRun } from '../run/observers';
import type { ReductionExtras } from '../run/tokenReduction';

/** Rows kept for the head check (W h + b against the logits). */
const HEAD_CHECK_ROWS = 4;

export class HiddenCapture implements RunObserver, ReductionExtras {
  readonly outputs: readonly string[];
  /** h_t for document token t (T×d). */
  hidden: Float32Array<ArrayBufferLike> = new Float32Array(0);
  /** Σ_t p_t over finite rows, and how many rows it holds. */
  readonly probabilitySum: Float64Array;
  finiteRows = 0;
  readonly checkHidden: Float32Array;
  readonly checkLogits: Float32Array;
  checkRows = 0;
  /** log p_t(x_{t+2}) for document token t (NaN for the last token and for non-finite rows). */
  afterNextLogProb = new Float64Array(0);

  /** `hiddenOutput` null: only π̄ and log p(x_{t+2}) are gathered (the hidden state could not be exposed). */
  constructor(
    private readonly hiddenOutput: string | null,
    readonly d: number,
    readonly width: number,
  ) {
    this.outputs = hiddenOutput ? [hiddenOutput] : [];
    this.probabilitySum = new Float64Array(width);
    this.checkHidden = new Float32Array(HEAD_CHECK_ROWS * d);
    this.checkLogits = new Float32Array(HEAD_CHECK_ROWS * width);
  }

  begin(plan: AnalysisPlan): void {
    this.afterNextLogProb = new Float64Array(plan.documentTokens).fill(NaN);
    // Shared memory: the geometry thread reads the rows in place (geometryThread.ts beginHidden).
    this.hidden = new Float32Array(new SharedArrayBuffer(this.hiddenOutput ? plan.documentTokens * this.d * 4 : 0));
  }

  observe(run: WindowRun): void {
    if (!this.hiddenOutput) return;
    const tensor = run.outputs[this.hiddenOutput] as Tensor | undefined;
    if (!tensor) throw new Error(`hidden-state capture: the session did not return '${this.hiddenOutput}'`);
    const n = run.to - run.from;
    const V = run.width;
    if (V !== this.width) throw new Error(`hidden-state capture: logits ${V} wide, expected ${this.width}`);
    const hidden = toFloat32(tensor.data);
    if (hidden.length !== n * this.d) throw new Error(`hidden-state capture: '${this.hiddenOutput}' holds ${hidden.length} values, expected ${n}×${this.d}`);
    // Input position j predicts document token j; only this window's targets count.
    const first = firstScoredRow(run);
    if (first >= run.to) return;
    const d = this.d;
    this.hidden.set(hidden.subarray((first - run.from) * d, n * d), first * d);
    for (let j = first; j < run.to && this.checkRows < HEAD_CHECK_ROWS; j++) {
      const r = j - run.from;
      const row = run.logits.subarray(r * V, (r + 1) * V);
      if (!allFinite(row)) continue;
      this.checkHidden.set(hidden.subarray(r * d, (r + 1) * d), this.checkRows * d);
      this.checkLogits.set(row, this.checkRows * V);
      this.checkRows++;
    }
  }

  /** A reduced chunk's sums (ReductionExtras), for the rows from document token `first` on. */
  add(first: number, metrics: ChunkMetrics): void {
    const { probabilitySum, summedRows, afterNextLogProb } = metrics;
    if (!probabilitySum || summedRows === undefined || !afterNextLogProb || probabilitySum.length !== this.width) {
      throw new Error('hidden-state capture: the reduction did not return the probability sums');
    }
    const acc = this.probabilitySum;
    for (let i = 0; i < acc.length; i++) acc[i] += probabilitySum[i];
    this.finiteRows += summedRows;
    this.afterNextLogProb.set(afterNextLogProb, first);
  }

  /** L2 norm of h_t for document tokens [from, to). */
  norms(from: number, to: number): Float64Array {
    const out = new Float64Array(to - from);
    const d = this.d;
    for (let t = from; t < to; t++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += this.hidden[t * d + c] ** 2;
      out[t - from] = Math.sqrt(s);
    }
    return out;
  }

  /** π̄ = (1/T)Σ p_t over the rows with finite logits (exact, float64). */
  meanDistribution(): Float64Array {
    const n = Math.max(1, this.finiteRows);
    return Float64Array.from(this.probabilitySum, x => x / n);
  }
}

function allFinite(values: Float32Array): boolean {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return Number.isFinite(s);
}
