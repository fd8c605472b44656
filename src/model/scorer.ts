/**
 * Scores windows of prefix + document ids with an ONNX session: each window runs in chunks of C
 * tokens through the KV cache (or in one pass when the graph has no cache), and every logits row
 * whose target is scored in this window is reduced at once (src/core/reduce.ts), so memory is
 * O(C x V) for logits plus O(k) per token.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { placeChunk } from '../core/reduceChunk';
import type { ScoringWindow } from '../core/windows';
import type { WindowMetrics } from '../core/records';
import { CacheState } from './feeds';
import { toFloat32 } from './float16';
import type { CacheTensors, ResumePoint } from './kvCheckpoints';
import { InlineReducer, type ChunkReducer } from './reducers';
import type { ModelSignature } from './signature';

/** Default chunk: bounds the logits of one run to C x V floats (200 KB per token at V = 50k). */
export const DEFAULT_CHUNK = 128;
/** Logits bytes one chunk may take; large vocabularies get shorter chunks (heuristic budget). */
const CHUNK_LOGITS_BUDGET = 32 * 1024 * 1024;

/** Tokens per forward run for a logits width: 128, fewer when 128 rows would exceed the budget. */
export function defaultChunk(width: number): number {
  return Math.max(16, Math.min(DEFAULT_CHUNK, Math.floor(CHUNK_LOGITS_BUDGET / (4 * Math.max(1, width)))));
}

export class WindowScorer {
  private readonly cache: CacheState;
  private scratch: Float32Array | undefined;
  /** The logits width seen in the last run (may exceed the tokenizer's vocabulary). */
  logitsWidth: number | undefined;

  constructor(
    private readonly session: InferenceSession,
    private readonly signature: ModelSignature,
    readonly topK: number,
    private readonly chunk: number = DEFAULT_CHUNK,
    private readonly reducer: ChunkReducer = new InlineReducer(),
  ) {
    this.cache = new CacheState(signature);
  }

  /** Starts a fresh cache (each window, and the self-test). */
  resetCache(): void {
    this.cache.reset();
  }

  /** Runs one forward step over ids[from, to) on the current cache; returns float32 logits [n, V]. */
  async step(ids: Int32Array, from: number, to: number): Promise<{ logits: Float32Array; width: number }> {
    const outputs = await this.session.run(this.cache.feeds(ids, from, to));
    const tensor = outputs[this.signature.logitsName] as Tensor;
    const n = to - from;
    const dims = tensor.dims;
    if (Number(dims[1]) !== n) {
      throw new LogitsShapeError(`the graph returned logits for ${dims[1]} of ${n} positions (a pruned LM head cannot score every token)`);
    }
    const width = Number(dims[2]);
    this.logitsWidth = width;
    this.cache.advance(outputs as Record<string, Tensor>);
    if (this.signature.logitsType === 'float16') {
      this.scratch = toFloat32(tensor.data, this.scratch);
      return { logits: this.scratch, width };
    }
    return { logits: tensor.data as Float32Array, width };
  }

  /**
   * Runs one window (onnx-signatures.md section 7) and returns once its forward passes are done;
   * `done` resolves when its rows are reduced, which may overlap the next window's runs. With
   * `resume` (live mode) the window continues from a kept cache of [w.start, resume.from), a chunk
   * boundary of this same chunk plan, so the runs are bitwise those of a fresh window; only targets
   * after resume.from are scored (the caller keeps the earlier ones). `state` is the window's final
   * cache (every fed position), for kvCheckpoints.
   */
  async scoreWindow(ids: Int32Array, w: ScoringWindow, resume?: ResumePoint): Promise<{ done: Promise<WindowMetrics>; state: CacheTensors | undefined }> {
    const feedFrom = resume ? resume.from : w.start;
    if (resume && (this.signature.past.length === 0 || (feedFrom - w.start) % this.chunk !== 0 || feedFrom <= w.start || feedFrom >= w.end)) {
      throw new Error(`cannot resume window [${w.start}, ${w.end}) at ${feedFrom} with chunk ${this.chunk}`);
    }
    const firstTarget = Math.max(w.firstTarget, feedFrom + 1);
    const count = w.lastTarget - firstTarget + 1;
    const k = this.topK;
    const out: WindowMetrics = {
      firstTarget,
      count,
      context: new Int32Array(count),
      nll: new Float64Array(count),
      entropy: new Float64Array(count),
      varentropy: new Float64Array(count),
      rank: new Int32Array(count),
      logZ: new Float64Array(count),
      topIds: new Int32Array(count * k),
      topProbs: new Float64Array(count * k),
    };
    for (let r = 0; r < count; r++) out.context[r] = firstTarget + r - w.start;
    this.cache.reset();
    if (resume) this.cache.restore(resume.past, feedFrom - w.start);
    const parts: Array<Promise<void>> = [];
    // Without a cache the window must run whole; with one, chunk it.
    const chunk = this.signature.past.length > 0 ? this.chunk : w.end - w.start;
    try {
      for (let from = feedFrom; from < w.end; from += chunk) {
        const to = Math.min(from + chunk, w.end);
        const { logits, width } = await this.step(ids, from, to);
        // Input position j predicts t[j + 1]; only targets in this window's scored range are kept.
        const first = Math.max(from, firstTarget - 1);
        if (first >= to) continue;
        const targets = ids.slice(first + 1, to + 1);
        const rows = logits.subarray((first - from) * width, (to - from) * width);
        const { result } = await this.reducer.submit(rows, width, targets, k);
        const at = first + 1 - firstTarget;
        parts.push(result.then(m => placeChunk(out, at, m, k)));
      }
    } catch (e) {
      for (const p of parts) p.catch(() => undefined); // abandoned with the window
      throw e;
    }
    return { done: Promise.all(parts).then(() => out), state: this.cache.current() };
  }
}

/** The graph does not produce logits at every position. */
export class LogitsShapeError extends Error {}
