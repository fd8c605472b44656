/**
 * What geometry needs from the forward passes, gathered while the logits rows are in hand:
 *  - h for every scored token: the head input at the input position *before* the token (the state
 *    after reading everything before it), T×d float32, so O(T·d) memory;
 *  - the exact mean next-token distribution π̄ = (1/T)Σ_t p_t over the whole vocabulary: with the
 *    spliced probability sum (geometryGraph.ts) each run hands back Σ of its counted rows, O(V) per
 *    run here; otherwise (or when a row in the run is not finite) the rows are exponentiated here,
 *    O(V) per row. Either way O(V) memory, no T×V storage;
 *  - log p_t(x_{t+2}) for every scored token (the look-ahead heuristic C1 needs the probability of
 *    the token after the one predicted, from the full row rather than from the top-k slice);
 *  - a few (h, logits) rows for the head check.
 * It wraps the spliced session handed to the analyzer: each run's rows are placed by replaying the
 * analyzer's window plan (runs go through each window in order, from its start to its end).
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { planWindows, type ScoringWindow } from '../core/windows';
import { toFloat32 } from './float16';
import { AFTER_NEXT_OUTPUT, GEOMETRY_FEEDS, type GeometryFeeder } from './geometryGraph';

/** Rows kept for the head check (W h + b against the logits). */
const HEAD_CHECK_ROWS = 4;

/** What the graph returned for one run, when the probability sum is spliced in and fed. */
interface GraphSums {
  /** Σ p over the run's counted rows, float64 [V]. */
  sum: Float64Array;
  /** p_row(after-next id) per row of the run, float32. */
  afterNext: Float32Array;
}

export class HiddenCapture {
  private plan: ScoringWindow[] = [];
  private windowIndex = 0;
  private from = 0;
  /** h_t for document token t (T×d). */
  hidden: Float32Array<ArrayBufferLike> = new Float32Array(0);
  /** Σ_t p_t over finite rows, and how many rows it holds. */
  readonly probabilitySum: Float64Array;
  finiteRows = 0;
  private scratch: Float64Array;
  readonly checkHidden: Float32Array;
  readonly checkLogits: Float32Array;
  checkRows = 0;
  /** log p_t(x_{t+2}) for document token t (NaN for the last token and for non-finite rows). */
  afterNextLogProb = new Float64Array(0);
  /** The prefix token and the document's ids, as fed. */
  private ids: Int32Array = new Int32Array(0);

  /**
   * `hiddenOutput` null: only π̄ is gathered (the hidden state could not be exposed).
   * `probabilitySumOutput`: the graph's row-weighted probability sum (geometryGraph.ts), used when
   * the wrapped session exposes the feeder for its inputs; else π̄ exponentiates in JS.
   */
  constructor(
    private readonly hiddenOutput: string | null,
    private readonly logitsName: string,
    readonly d: number,
    readonly width: number,
    private readonly probabilitySumOutput: string | null = null,
  ) {
    this.probabilitySum = new Float64Array(width);
    this.scratch = new Float64Array(width);
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
    // Shared memory: the geometry thread reads the rows in place (geometryThread.ts beginHidden).
    this.hidden = new Float32Array(new SharedArrayBuffer(this.hiddenOutput ? documentTokens * this.d * 4 : 0));
  }

  /**
   * A session whose run() also feeds this capture; everything else the analyzer never calls. Works
   * with any InferenceSession-like object; the in-graph sum is used only when `session` (or what it
   * forwards property reads to) exposes the geometry feeder, so the extra inputs go only on the
   * runs that pass through here.
   */
  wrap(session: InferenceSession): InferenceSession {
    const feeder = this.probabilitySumOutput ? (Reflect.get(session, GEOMETRY_FEEDS) as GeometryFeeder | undefined) : undefined;
    const run = async (feeds: InferenceSession.FeedsType, ...rest: unknown[]): Promise<InferenceSession.ReturnType> => {
      const w = this.plan[this.windowIndex];
      const from = this.from;
      // Rows before the window's first scored target are context only: weight 0.
      const firstCounted = w ? Math.max(0, w.firstTarget - 1 - from) : Infinity;
      const fed = feeder ? feeder(feeds, firstCounted, row => this.afterNextId(from + row)) : feeds;
      const outputs = await (session.run as (...args: unknown[]) => Promise<InferenceSession.ReturnType>)(fed, ...rest);
      const sums = feeder ? graphSums(outputs, this.probabilitySumOutput!) : null;
      this.take(outputs[this.logitsName] as Tensor, this.hiddenOutput ? (outputs[this.hiddenOutput] as Tensor | undefined) : null, sums);
      return outputs;
    };
    return new Proxy(session, { get: (target, key) => (key === 'run' ? run : Reflect.get(target, key)) });
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

  /** Input position j predicts document token j (input id j + 1); the token after it is input id j + 2. */
  private afterNextId(j: number): number {
    return j + 2 < this.ids.length ? this.ids[j + 2] : 0;
  }

  /** `hiddenTensor` null: no hidden output wanted; undefined: wanted but missing. */
  private take(logitsTensor: Tensor, hiddenTensor: Tensor | null | undefined, sums: GraphSums | null): void {
    const w = this.plan[this.windowIndex];
    if (!w) throw new Error('hidden-state capture: a run outside the window plan');
    if (hiddenTensor === undefined) throw new Error(`hidden-state capture: the session did not return '${this.hiddenOutput}'`);
    const n = Number(logitsTensor.dims[1]);
    const V = Number(logitsTensor.dims[2]);
    const from = this.from;
    if (from + n > w.end || V !== this.width) throw new Error(`hidden-state capture: run of ${n}×${V} does not follow the window plan`);
    if (sums && (sums.sum.length !== V || sums.afterNext.length !== n)) throw new Error('hidden-state capture: the probability sum does not match the run');
    const hidden = hiddenTensor ? toFloat32(hiddenTensor.data) : null;
    if (hidden && hidden.length !== n * this.d) throw new Error(`hidden-state capture: '${this.hiddenOutput}' holds ${hidden.length} values, expected ${n}×${this.d}`);
    const logits = toFloat32(logitsTensor.data);
    // A non-finite entry in the graph's sum means some row of the run was not finite (NaN or +∞
    // logits make the whole softmax row NaN): this run is then summed row by row below, exactly.
    const useGraphSum = sums !== null && allFinite(sums.sum);
    // Input position j predicts target j + 1, i.e. document token j; only this window's targets count.
    const first = Math.max(from, w.firstTarget - 1);
    const d = this.d;
    for (let j = first; j < from + n; j++) {
      const r = j - from;
      if (hidden) this.hidden.set(hidden.subarray(r * d, (r + 1) * d), j * d);
      const row = logits.subarray(r * V, (r + 1) * V);
      const graphP = sums ? sums.afterNext[r] : NaN;
      let finite: boolean;
      if (useGraphSum) {
        finite = true; // every counted row is in the finite sum
        this.finiteRows++;
      } else {
        finite = this.accumulate(row);
      }
      if (finite && j + 2 < this.ids.length) {
        const id = this.ids[j + 2];
        // The graph's float32 softmax is exact to ~1e-7 relative unless p is near float32's floor.
        this.afterNextLogProb[j] = graphP >= 1e-30 ? Math.log(graphP) : logProbability(row, id);
      }
      if (finite && hidden && this.checkRows < HEAD_CHECK_ROWS) {
        this.checkHidden.set(hidden.subarray(r * d, (r + 1) * d), this.checkRows * d);
        this.checkLogits.set(row, this.checkRows * V);
        this.checkRows++;
      }
    }
    if (useGraphSum && first < from + n) {
      const acc = this.probabilitySum;
      const sum = sums.sum;
      for (let i = 0; i < V; i++) acc[i] += sum[i];
    }
    this.from += n;
    if (this.from >= w.end && ++this.windowIndex < this.plan.length) this.from = this.plan[this.windowIndex].start;
  }

  /** Adds softmax(row) to the running sum; false (and nothing added) when the row is not finite. */
  private accumulate(row: Float32Array): boolean {
    const V = row.length;
    let max = -Infinity;
    for (let i = 0; i < V; i++) if (row[i] > max) max = row[i];
    if (!Number.isFinite(max)) return false;
    const e = this.scratch;
    let sum = 0;
    for (let i = 0; i < V; i++) sum += e[i] = Math.exp(row[i] - max);
    if (!Number.isFinite(sum)) return false;
    const inv = 1 / sum;
    const acc = this.probabilitySum;
    for (let i = 0; i < V; i++) acc[i] += e[i] * inv;
    this.finiteRows++;
    return true;
  }
}

/** The run's graph sums; null when the caller fetched other outputs only (the rows are then summed here). */
function graphSums(outputs: InferenceSession.ReturnType, sumName: string): GraphSums | null {
  const sum = outputs[sumName] as Tensor | undefined;
  const afterNext = outputs[AFTER_NEXT_OUTPUT] as Tensor | undefined;
  return sum && afterNext ? { sum: sum.data as Float64Array, afterNext: afterNext.data as Float32Array } : null;
}

function allFinite(values: Float64Array): boolean {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return Number.isFinite(s);
}

/** log softmax(row)[id] in float64 (max-shifted log-sum-exp over the whole row). */
function logProbability(row: Float32Array, id: number): number {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i] > max) max = row[i];
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i] - max);
  return row[id] - max - Math.log(sum);
}
