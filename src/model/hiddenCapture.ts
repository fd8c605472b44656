/**
 * What geometry needs from the forward passes, gathered while the logits rows are in hand:
 *  - h for every scored token: the head input at the input position *before* the token (the state
 *    after reading everything before it), T×d float32, so O(T·d) memory;
 *  - the exact mean next-token distribution π̄ = (1/T)Σ_t p_t over the whole vocabulary, O(V) work
 *    per row and O(V) memory (no T×V storage);
 *  - log p_t(x_{t+2}) for every scored token (the look-ahead heuristic C1 needs the probability of
 *    the token after the one predicted, read from the full row rather than from the top-k slice);
 *  - a few (h, logits) rows for the head check.
 * It wraps the spliced session handed to the analyzer: each run's rows are placed by replaying the
 * analyzer's window plan (runs go through each window in order, from its start to its end).
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { planWindows, type ScoringWindow } from '../core/windows';
import { toFloat32 } from './float16';

/** Rows kept for the head check (W h + b against the logits). */
const HEAD_CHECK_ROWS = 4;

export class HiddenCapture {
  private plan: ScoringWindow[] = [];
  private windowIndex = 0;
  private from = 0;
  /** h_t for document token t (T×d). */
  hidden = new Float32Array(0);
  /** Σ_t p_t over finite rows, and how many rows it holds. */
  readonly probabilitySum: Float64Array;
  finiteRows = 0;
  private scratch: Float64Array;
  /** This run's Σ p_t (added to probabilitySum when the run ends) and the rows in it. */
  private runSum: Float64Array;
  private runRows: Float32Array[] = [];
  readonly checkHidden: Float32Array;
  readonly checkLogits: Float32Array;
  checkRows = 0;
  /** log p_t(x_{t+2}) for document token t (NaN for the last token and for non-finite rows). */
  afterNextLogProb = new Float64Array(0);
  /** The prefix token and the document's ids, as fed. */
  private ids: Int32Array = new Int32Array(0);

  /**
   * `hiddenOutput` null: only π̄ is gathered (the hidden state could not be exposed).
   * `probabilitiesOutput`: softmax(logits) computed by the graph; else π̄ exponentiates in JS.
   */
  constructor(
    private readonly hiddenOutput: string | null,
    private readonly logitsName: string,
    readonly d: number,
    readonly width: number,
    private readonly probabilitiesOutput: string | null = null,
  ) {
    this.probabilitySum = new Float64Array(width);
    this.scratch = new Float64Array(width);
    this.runSum = new Float64Array(width);
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
    this.hidden = new Float32Array(this.hiddenOutput ? documentTokens * this.d : 0);
  }

  /** A session whose run() also feeds this capture; everything else the analyzer never calls. */
  wrap(session: InferenceSession): InferenceSession {
    const run = async (feeds: InferenceSession.FeedsType): Promise<InferenceSession.ReturnType> => {
      const outputs = await session.run(feeds);
      const probabilities = this.probabilitiesOutput ? (outputs[this.probabilitiesOutput] as Tensor).data as Float32Array : null;
      this.take(outputs[this.logitsName] as Tensor, this.hiddenOutput ? (outputs[this.hiddenOutput] as Tensor | undefined) : null, probabilities);
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

  /** `hiddenTensor` null: no hidden output wanted; undefined: wanted but missing. */
  private take(logitsTensor: Tensor, hiddenTensor: Tensor | null | undefined, probabilities: Float32Array | null): void {
    const w = this.plan[this.windowIndex];
    if (!w) throw new Error('hidden-state capture: a run outside the window plan');
    if (hiddenTensor === undefined) throw new Error(`hidden-state capture: the session did not return '${this.hiddenOutput}'`);
    const n = Number(logitsTensor.dims[1]);
    const V = Number(logitsTensor.dims[2]);
    const from = this.from;
    if (from + n > w.end || V !== this.width) throw new Error(`hidden-state capture: run of ${n}×${V} does not follow the window plan`);
    const hidden = hiddenTensor ? toFloat32(hiddenTensor.data) : null;
    if (hidden && hidden.length !== n * this.d) throw new Error(`hidden-state capture: '${this.hiddenOutput}' holds ${hidden.length} values, expected ${n}×${this.d}`);
    const logits = toFloat32(logitsTensor.data);
    // Input position j predicts target j + 1, i.e. document token j; only this window's targets count.
    const first = Math.max(from, w.firstTarget - 1);
    const d = this.d;
    for (let j = first; j < from + n; j++) {
      const r = j - from;
      if (hidden) this.hidden.set(hidden.subarray(r * d, (r + 1) * d), j * d);
      const row = logits.subarray(r * V, (r + 1) * V);
      const probabilityRow = probabilities ? probabilities.subarray(r * V, (r + 1) * V) : null;
      const finite = probabilityRow ? this.addRow(probabilityRow) : this.accumulate(row);
      // Row j predicts document token j (input id j + 1); the token after it is input id j + 2.
      if (finite && j + 2 < this.ids.length) {
        const id = this.ids[j + 2];
        // The graph's float32 softmax is exact to ~1e-7 relative unless p is near float32's floor.
        const p = probabilityRow ? probabilityRow[id] : 0;
        this.afterNextLogProb[j] = p >= 1e-30 ? Math.log(p) : logProbability(row, id);
      }
      if (finite && hidden && this.checkRows < HEAD_CHECK_ROWS) {
        this.checkHidden.set(hidden.subarray(r * d, (r + 1) * d), this.checkRows * d);
        this.checkLogits.set(row, this.checkRows * V);
        this.checkRows++;
      }
    }
    this.closeRun();
    this.from += n;
    if (this.from >= w.end && ++this.windowIndex < this.plan.length) this.from = this.plan[this.windowIndex].start;
  }

  /**
   * Adds a probability row from the graph to this run's sum in one pass; false (nothing added) when
   * it is not finite (NaN logits): Σp is then not finite, and the run's sum, which that row
   * poisoned, is rebuilt from the run's earlier rows (rare, so the common case reads each row once).
   */
  private addRow(p: Float32Array): boolean {
    const acc = this.runSum;
    let sum = 0;
    for (let i = 0; i < p.length; i++) {
      const x = p[i];
      sum += x;
      acc[i] += x;
    }
    if (Number.isFinite(sum)) {
      this.runRows.push(p);
      this.finiteRows++;
      return true;
    }
    acc.fill(0);
    for (const row of this.runRows) for (let i = 0; i < row.length; i++) acc[i] += row[i];
    return false;
  }

  /** Moves this run's Σ p_t into the document's sum. */
  private closeRun(): void {
    if (this.runRows.length === 0) return;
    const acc = this.probabilitySum;
    const run = this.runSum;
    for (let i = 0; i < acc.length; i++) acc[i] += run[i];
    run.fill(0);
    this.runRows = [];
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

/** log softmax(row)[id] in float64 (max-shifted log-sum-exp over the whole row). */
function logProbability(row: Float32Array, id: number): number {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i] > max) max = row[i];
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i] - max);
  return row[id] - max - Math.log(sum);
}
