/**
 * What geometry needs from the forward passes, gathered while the logits rows are in hand:
 *  - h for every scored token: the head input at the input position *before* the token (the state
 *    after reading everything before it), T×d float32, so O(T·d) memory;
 *  - the exact mean next-token distribution π̄ = (1/T)Σ_t p_t over the whole vocabulary, and
 *    log p_t(x_{t+2}) for every scored token (the look-ahead heuristic C1 needs the probability of
 *    the token after the one predicted, from the full row rather than from the top-k slice): the
 *    reduction takes both from the exponentials it computes for the metrics anyway (reduceChunk's
 *    extras), so ONNX Runtime's thread does nothing more; O(V) memory, no T×V storage;
 *  - a few (h, logits) rows for the head check.
 * It wraps the session handed to the analyzer, placing each run's rows by replaying the analyzer's
 * window plan (runs go through each window in order, from its start to its end), and the reducer,
 * whose every chunk holds the scored rows of the run just before it.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { ChunkMetrics } from '../core/reduceChunk';
import { planWindows, type ScoringWindow } from '../core/windows';
import { toFloat32 } from './float16';
import type { ChunkReducer } from './reducers';

/** Rows kept for the head check (W h + b against the logits). */
const HEAD_CHECK_ROWS = 4;

export class HiddenCapture {
  private plan: ScoringWindow[] = [];
  private windowIndex = 0;
  private from = 0;
  /** h_t for document token t (T×d). */
  hidden: Float32Array<ArrayBufferLike> = new Float32Array(0);
  /** Σ_t p_t over finite rows, and how many rows it holds. */
  readonly probabilitySum: Float64Array;
  finiteRows = 0;
  /** Input positions of the scored rows of each run, until the reduction of those rows is submitted. */
  private readonly unreduced: Array<{ first: number; count: number }> = [];
  readonly checkHidden: Float32Array;
  readonly checkLogits: Float32Array;
  checkRows = 0;
  /** log p_t(x_{t+2}) for document token t (NaN for the last token and for non-finite rows). */
  afterNextLogProb = new Float64Array(0);
  /** The prefix token and the document's ids, as fed. */
  private ids: Int32Array = new Int32Array(0);

  /** `hiddenOutput` null: only π̄ and log p(x_{t+2}) are gathered (the hidden state could not be exposed). */
  constructor(
    private readonly hiddenOutput: string | null,
    private readonly logitsName: string,
    readonly d: number,
    readonly width: number,
  ) {
    this.probabilitySum = new Float64Array(width);
    this.checkHidden = new Float32Array(HEAD_CHECK_ROWS * d);
    this.checkLogits = new Float32Array(HEAD_CHECK_ROWS * width);
  }

  /** Called once the analyzer knows the document length and window settings (before any run). */
  start(documentTokens: number, window: number, stride: number, ids: Int32Array): void {
    this.plan = planWindows(documentTokens + 1, window, stride);
    this.ids = ids;
    this.afterNextLogProb = new Float64Array(documentTokens).fill(NaN);
    this.windowIndex = 0;
    this.from = this.plan[0]?.start ?? 0;
    this.unreduced.length = 0;
    // Shared memory: the geometry thread reads the rows in place (geometryThread.ts beginHidden).
    this.hidden = new Float32Array(new SharedArrayBuffer(this.hiddenOutput ? documentTokens * this.d * 4 : 0));
  }

  /** A session whose run() also feeds this capture; everything else the analyzer never calls. */
  wrap(session: InferenceSession): InferenceSession {
    const run = async (...args: unknown[]): Promise<InferenceSession.ReturnType> => {
      const outputs = await (session.run as (...a: unknown[]) => Promise<InferenceSession.ReturnType>)(...args);
      this.take(outputs[this.logitsName] as Tensor, this.hiddenOutput ? (outputs[this.hiddenOutput] as Tensor | undefined) : null);
      return outputs;
    };
    return new Proxy(session, { get: (target, key) => (key === 'run' ? run : Reflect.get(target, key)) });
  }

  /**
   * A reducer that asks `inner` for π̄'s sums and log p(x_{t+2}) with every chunk and adds them here.
   * The scorer submits each run's scored rows right after the run, so chunks pair with runs in order.
   */
  tapReducer(inner: ChunkReducer): ChunkReducer {
    return {
      submit: async (logits, width, targets, k) => {
        const rows = this.unreduced.shift();
        if (!rows || rows.count !== targets.length) throw new Error(`hidden-state capture: a reduction of ${targets.length} rows does not follow the captured runs`);
        const afterNext = Int32Array.from({ length: rows.count }, (_, r) => this.afterNextId(rows.first + r));
        const { result } = await inner.submit(logits, width, targets, k, afterNext);
        return { result: result.then(metrics => { this.addReduced(rows.first, metrics); return metrics; }) };
      },
      // The model owns its reducer; an analysis only borrows it.
      close: async () => undefined,
    };
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

  /** Input position j predicts document token j (input id j + 1); the token after it is input id j + 2 (−1: none). */
  private afterNextId(j: number): number {
    return j + 2 < this.ids.length ? this.ids[j + 2] : -1;
  }

  /** `hiddenTensor` null: no hidden output wanted; undefined: wanted but missing. */
  private take(logitsTensor: Tensor, hiddenTensor: Tensor | null | undefined): void {
    const w = this.plan[this.windowIndex];
    if (!w) throw new Error('hidden-state capture: a run outside the window plan');
    if (hiddenTensor === undefined) throw new Error(`hidden-state capture: the session did not return '${this.hiddenOutput}'`);
    const n = Number(logitsTensor.dims[1]);
    const V = Number(logitsTensor.dims[2]);
    const from = this.from;
    if (from + n > w.end || V !== this.width) throw new Error(`hidden-state capture: run of ${n}×${V} does not follow the window plan`);
    const hidden = hiddenTensor ? toFloat32(hiddenTensor.data) : null;
    if (hidden && hidden.length !== n * this.d) throw new Error(`hidden-state capture: '${this.hiddenOutput}' holds ${hidden.length} values, expected ${n}×${this.d}`);
    // Input position j predicts target j + 1, i.e. document token j; only this window's targets count.
    const first = Math.max(from, w.firstTarget - 1);
    if (first < from + n) this.unreduced.push({ first, count: from + n - first });
    const d = this.d;
    if (hidden) this.hidden.set(hidden.subarray((first - from) * d, n * d), first * d);
    const logits = hidden && this.checkRows < HEAD_CHECK_ROWS ? toFloat32(logitsTensor.data) : null;
    for (let j = first; logits && hidden && j < from + n && this.checkRows < HEAD_CHECK_ROWS; j++) {
      const r = j - from;
      const row = logits.subarray(r * V, (r + 1) * V);
      if (!allFinite(row)) continue;
      this.checkHidden.set(hidden.subarray(r * d, (r + 1) * d), this.checkRows * d);
      this.checkLogits.set(row, this.checkRows * V);
      this.checkRows++;
    }
    this.from += n;
    if (this.from >= w.end && ++this.windowIndex < this.plan.length) this.from = this.plan[this.windowIndex].start;
  }

  /** A reduced chunk's sums, for the rows from input position `first` on. */
  private addReduced(first: number, metrics: ChunkMetrics): void {
    const { probabilitySum, summedRows, afterNextLogProb } = metrics;
    if (!probabilitySum || summedRows === undefined || !afterNextLogProb || probabilitySum.length !== this.width) {
      throw new Error('hidden-state capture: the reduction did not return the probability sums');
    }
    const acc = this.probabilitySum;
    for (let i = 0; i < acc.length; i++) acc[i] += probabilitySum[i];
    this.finiteRows += summedRows;
    this.afterNextLogProb.set(afterNextLogProb, first);
  }
}

function allFinite(values: Float32Array): boolean {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return Number.isFinite(s);
}
