/**
 * Runs windows of prefix + document ids through the model's session: each window in chunks of C
 * tokens through the KV cache (or in one pass when the graph has no cache). After every run it tells
 * the analysis's observers what ran (observers.ts); the per-token reduction is one of them, so memory
 * is O(C x V) for logits plus what each observer keeps. This is the only caller of the session.
 */
import type { ScoringWindow } from '../../core/windows';
import { CacheState } from '../onnx/feeds';
import { toFloat32 } from '../onnx/float16';
import { runSession, type InferenceSession, type Tensor, type TensorMap } from '../onnx/runtime';
import type { ModelSignature } from '../onnx/signature';
import type { CacheTensors, ResumePoint } from './kvCheckpoints';
import type { RunObserver, SessionRunner } from './observers';

/** Default chunk: bounds the logits of one run to C x V floats (200 KB per token at V = 50k). */
export const DEFAULT_CHUNK = 128;
/**
 * Logits bytes one chunk may take; large vocabularies get shorter chunks (heuristic budget). Each
 * chunk's logits exist twice at a time (ORT's output and the reduction's slot, two slots in flight):
 * at V = 50,257 a 16 MB budget (83-token chunks) measured 266-273 MB of peak RSS growth at 32k
 * tokens against 301-308 MB with 32 MB (128-token chunks), bench P3.
 */
const CHUNK_LOGITS_BUDGET = 16 * 1024 * 1024;

/** Tokens per forward run for a logits width: 128, fewer when 128 rows would exceed the budget. */
export function defaultChunk(width: number): number {
  return Math.max(16, Math.min(DEFAULT_CHUNK, Math.floor(CHUNK_LOGITS_BUDGET / (4 * Math.max(1, width)))));
}

export class WindowScorer implements SessionRunner {
  private readonly cache: CacheState;
  private scratch: Float32Array | undefined;
  private readonly fetches: string[];
  /** The logits width seen in the last run (may exceed the tokenizer's vocabulary). */
  logitsWidth: number | undefined;

  constructor(
    private readonly session: InferenceSession,
    private readonly signature: ModelSignature,
    private readonly chunk: number = DEFAULT_CHUNK,
    private readonly observers: readonly RunObserver[] = [],
  ) {
    this.cache = new CacheState(signature);
    const extra = observers.flatMap(o => o.outputs ?? []);
    this.fetches = [...new Set([signature.logitsName, ...signature.past.map(p => p.presentName), ...extra])];
  }

  /** Any run of the model's session (window runs, and the look-ahead and short runs that observers make). */
  run(feeds: TensorMap, fetches: readonly string[]): Promise<TensorMap> {
    return runSession(this.session, feeds, fetches);
  }

  /** A companion session of the model (observers.ts), e.g. the layer lens's decoder. */
  runCompanion(session: InferenceSession, feeds: TensorMap, fetches: readonly string[]): Promise<TensorMap> {
    return runSession(session, feeds, fetches);
  }

  /** Starts a fresh cache (each window, and the self-test). */
  resetCache(): void {
    this.cache.reset();
  }

  /**
   * Runs one forward step over ids[from, to) on the current cache; returns float32 logits [n, V]
   * (a buffer the next step may reuse, unless `fresh`: ONNX Runtime's own buffer for this step) and
   * every fetched output.
   */
  async step(ids: Int32Array, from: number, to: number): Promise<{ logits: Float32Array; width: number; outputs: TensorMap; fresh: boolean }> {
    const outputs = await this.run(this.cache.feeds(ids, from, to), this.fetches);
    const tensor = outputs[this.signature.logitsName] as Tensor;
    const n = to - from;
    const dims = tensor.dims;
    if (Number(dims[1]) !== n) {
      throw new LogitsShapeError(`the graph returned logits for ${dims[1]} of ${n} positions (a pruned LM head cannot score every token)`);
    }
    const width = Number(dims[2]);
    this.logitsWidth = width;
    this.cache.advance(outputs);
    if (this.signature.logitsType === 'float16') {
      this.scratch = toFloat32(tensor.data, this.scratch);
      return { logits: this.scratch, width, outputs, fresh: false };
    }
    return { logits: tensor.data as Float32Array, width, outputs, fresh: true };
  }

  /**
   * Runs window `index` of the plan (onnx-signatures.md section 7) and tells the observers about each
   * run; returns once its forward passes are done (observers may still be finishing their part, e.g.
   * the reduction thread). With `resume` (live mode) the window continues from a kept cache of
   * [w.start, resume.from), a chunk boundary of this same chunk plan, so the runs are bitwise those of
   * a fresh window; only targets after resume.from are scored. `state` is the window's final cache
   * (every fed position), for kvCheckpoints.
   */
  async scoreWindow(ids: Int32Array, w: ScoringWindow, index: number, resume?: ResumePoint): Promise<{ state: CacheTensors | undefined }> {
    const feedFrom = resume ? resume.from : w.start;
    if (resume && (this.signature.past.length === 0 || (feedFrom - w.start) % this.chunk !== 0 || feedFrom <= w.start || feedFrom >= w.end)) {
      throw new Error(`cannot resume window [${w.start}, ${w.end}) at ${feedFrom} with chunk ${this.chunk}`);
    }
    const firstTarget = Math.max(w.firstTarget, feedFrom + 1);
    this.cache.reset();
    if (resume) this.cache.restore(resume.past, feedFrom - w.start);
    // Without a cache the window must run whole; with one, chunk it.
    const chunk = this.signature.past.length > 0 ? this.chunk : w.end - w.start;
    for (let from = feedFrom; from < w.end; from += chunk) {
      const to = Math.min(from + chunk, w.end);
      const { logits, width, outputs, fresh } = await this.step(ids, from, to);
      const last = this.observers.length - 1;
      for (const [i, o] of this.observers.entries()) {
        await o.observe({ window: w, windowIndex: index, from, to, firstTarget, ids, logits, width, outputs, movable: fresh && i === last, runner: this });
      }
    }
    return { state: this.cache.current() };
  }
}

/** The graph does not produce logits at every position. */
export class LogitsShapeError extends Error {}
