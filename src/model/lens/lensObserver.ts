/**
 * The layer lens as a run observer (issue 17). Each window run also fetches the residual stream
 * after the embedding and after every block; for the run's scored rows (those in the lens's token
 * range) the observer stacks the L + 1 streams into one batch, decodes it with the model's own final
 * norm and head (the companion session, run through the scorer), checks once that the last layer
 * reproduces the model's logits, and hands the (L + 1) × rows × V logits to the reduction thread,
 * which keeps only per-layer scalars and the top few (core/lens/reduceLayers.ts). Nothing of size
 * T × L × V ever exists: at most two decoded chunks are in flight.
 */
import { LENS_TOP_K } from '../../core/lens/reduceLayers';
import { LayerTable } from '../../core/lens/table';
import type { LayerLens, LayerLensOutcome } from '../../core/lens/types';
import { toFloat32 } from '../onnx/float16';
import { makeTensor, type Tensor } from '../onnx/runtime';
import { firstScoredRow, type AnalysisPlan, type RunObserver, type WindowRun } from '../run/observers';
import type { ChunkReducer } from '../run/reducers';
import type { LayerDecoder } from './layerDecoder';

/** Logits bytes one decoder run may return: (L + 1) × rows × V × 4; rows shrink for wide, deep models. */
const DECODE_BUDGET = 32 * 1024 * 1024;
/** The normed states kept for the per-layer alignment: (L + 1) × T × d × 4 bytes at most (else it is skipped). */
const HIDDEN_BUDGET = 512 * 1024 * 1024;

/**
 * Largest |decoded layer L − model logits| accepted, relative to 1 + max |logit|: float32 graphs
 * reproduce the logits to rounding (ORT may fuse the norm differently inside the model); float16
 * logits carry a relative rounding of 2^-11 per step, so a few steps' worth is allowed.
 */
const FINAL_CHECK_TOLERANCE = { float32: 1e-4, float16: 8e-3 };

export class LayerLensObserver implements RunObserver {
  readonly outputs: readonly string[];
  private table: LayerTable | undefined;
  private from = 0;
  private to = 0;
  private readonly parts: Array<Promise<void>> = [];
  private failure: string | null = null;
  private finalCheck: number | null = null;
  /** With `captureHidden`: per layer, the head's input at each covered token (tokens × d, float32). */
  hidden: Float32Array[] = [];
  d = 0;
  /** Why the normed states were not kept (too large), if they were wanted and not kept. */
  hiddenSkipped: string | null = null;
  /** Decoder runs and their time (the bench's denominator and the logs). */
  decodeRuns = 0;
  decodeMs = 0;

  /** `range`: document tokens [from, to) to decode (default: all); `captureHidden`: keep the normed states (per-layer geometry). */
  constructor(
    private readonly decoder: LayerDecoder,
    private readonly reducer: ChunkReducer,
    private readonly range?: { from: number; to: number },
    private readonly captureHidden = false,
  ) {
    this.outputs = decoder.layers;
  }

  get count(): number {
    return this.decoder.layers.length;
  }

  begin(plan: AnalysisPlan): void {
    const n = plan.documentTokens;
    this.from = Math.max(0, Math.min(n, this.range?.from ?? 0));
    this.to = Math.max(this.from, Math.min(n, this.range?.to ?? n));
    this.table = new LayerTable(this.count, this.from, this.to - this.from, LENS_TOP_K);
    this.hidden = [];
  }

  async observe(run: WindowRun): Promise<void> {
    if (this.failure || !this.table) return;
    // Input position j predicts document token j.
    const first = Math.max(firstScoredRow(run), this.from);
    const end = Math.min(run.to, this.to);
    if (first >= end) return;
    const streams = this.decoder.layers.map(name => run.outputs[name] as Tensor | undefined);
    const missing = streams.findIndex(t => !t);
    if (missing >= 0) throw new Error(`layer lens: the run did not return '${this.decoder.layers[missing]}'`);
    const d = Number(streams[0]!.dims[2]);
    const count = this.count;
    const V = run.width;
    const step = Math.max(1, Math.floor(DECODE_BUDGET / (count * V * 4)));
    for (let a = first; a < end; a += step) {
      const b = Math.min(end, a + step);
      const decoded = await this.decode(run, streams as Tensor[], a, b, d);
      if (!decoded) return;
      const targets = run.ids.slice(a + 1, b + 1);
      const { result } = await this.reducer.submitLayers(decoded, count, V, targets, LENS_TOP_K);
      const table = this.table;
      this.parts.push(result.then(m => table.place(a, m)));
    }
  }

  /** Decodes rows [a, b) of the run at every layer; null when the final-layer check failed. */
  private async decode(run: WindowRun, streams: Tensor[], a: number, b: number, d: number): Promise<Float32Array | null> {
    const count = this.count;
    const rows = b - a;
    const half = this.decoder.streamType === 'float16';
    const x = half ? new Uint16Array(count * rows * d) : new Float32Array(count * rows * d);
    streams.forEach((t, l) => x.set((t.data as Float32Array | Uint16Array).subarray((a - run.from) * d, (b - run.from) * d), l * rows * d));
    const started = performance.now();
    const fetches = this.captureHidden ? [this.decoder.logits, this.decoder.hidden] : [this.decoder.logits];
    const out = await run.runner.runCompanion(this.decoder.session, { [this.decoder.input]: makeTensor(this.decoder.streamType, x, [count, rows, d]) }, fetches);
    this.decodeMs += performance.now() - started;
    this.decodeRuns++;
    const tensor = out[this.decoder.logits] as Tensor;
    const [c, r, V] = tensor.dims.map(Number);
    if (c !== count || r !== rows || V !== run.width) throw new Error(`layer lens: the decoder returned logits [${tensor.dims.join(', ')}] for [${count}, ${rows}, ${run.width}]`);
    // float32: ORT's own buffer, moved to the reduction thread; float16: a fresh float32 copy.
    const logits = toFloat32(tensor.data);
    if (this.finalCheck === null) {
      const worst = finalLayerDeviation(logits, count, rows, V, run.logits, (a - run.from) * V);
      this.finalCheck = worst.deviation;
      if (worst.deviation > FINAL_CHECK_TOLERANCE[half ? 'float16' : 'float32'] * (1 + worst.scale)) {
        this.failure = `the layer lens is off: the model's final norm and head, run on the last residual stream found, give logits up to ${worst.deviation.toPrecision(3)} away from the model's own (logits up to ${worst.scale.toPrecision(3)}), so the stream found is not the one the head reads`;
        return null;
      }
    }
    if (this.captureHidden && !this.hiddenSkipped) this.keepHidden(toFloat32(out[this.decoder.hidden]!.data), count, rows, a);
    return logits;
  }

  private keepHidden(h: Float32Array, count: number, rows: number, a: number): void {
    const d = h.length / (count * rows);
    if (this.hidden.length === 0) {
      this.d = d;
      const tokens = this.to - this.from;
      const bytes = count * tokens * d * 4;
      if (bytes > HIDDEN_BUDGET) {
        this.hiddenSkipped = `the hidden states of ${count} layers × ${tokens} tokens × ${d} would take ${Math.round(bytes / 2 ** 20)} MB (more than ${HIDDEN_BUDGET / 2 ** 20} MB)`;
        return;
      }
      this.hidden = Array.from({ length: count }, () => new Float32Array(tokens * d));
    }
    for (let l = 0; l < count; l++) this.hidden[l].set(h.subarray(l * rows * d, (l + 1) * rows * d), (a - this.from) * d);
  }

  /** The lens, once every chunk is reduced; off with the reason when the final-layer check failed. */
  async finish(): Promise<LayerLensOutcome> {
    await Promise.all(this.parts);
    if (this.failure) return { off: true, reason: this.failure };
    if (!this.table) throw new Error('layer lens: no analysis was observed');
    const lens: LayerLens = this.table.finish();
    lens.finalCheck = this.finalCheck;
    return lens;
  }

  /** An abandoned analysis: late failures must not go unhandled. */
  abandon(): void {
    for (const p of this.parts) p.catch(() => undefined);
  }
}

/** Largest |decoded final layer − model logits| over finite entries, and the largest |logit|. */
function finalLayerDeviation(decoded: Float32Array, count: number, rows: number, V: number, model: Float32Array, offset: number): { deviation: number; scale: number } {
  const base = (count - 1) * rows * V;
  let deviation = 0;
  let scale = 0;
  for (let i = 0; i < rows * V; i++) {
    const a = decoded[base + i];
    const b = model[offset + i];
    if (!Number.isFinite(a) || !Number.isFinite(b)) {
      if (Number.isFinite(a) !== Number.isFinite(b)) deviation = Infinity;
      continue;
    }
    deviation = Math.max(deviation, Math.abs(a - b));
    scale = Math.max(scale, Math.abs(b));
  }
  return { deviation, scale };
}
