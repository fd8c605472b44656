/**
 * KV-cache checkpoints for live re-analysis: the worker keeps the final `present.*` tensors of the
 * windows it scored, so that a re-analysis after an edit can resume a window from the chunk that
 * holds the first changed token instead of from the window start.
 *
 * Why this is exact: a window runs from an empty cache in chunks of C tokens, and each chunk's
 * present is its past with the chunk's K/V appended. The final present of a window therefore holds,
 * along the sequence axis, the very K/V values each chunk was fed; sliced to a chunk boundary
 * start + jC it is bitwise the cache a fresh run holds after chunk j. Resuming there feeds the same
 * chunks with the same shapes and inputs as a fresh run, so every later number is bitwise the same.
 * That holds only when the stored state was computed with the same model, the same window start and
 * the same chunk size, and its fed ids up to the resume point equal the new ids: all four are checked
 * here (the model by the worker, which clears the store when the model changes).
 *
 * Memory is bounded: only states that can serve the document being analysed are kept (each new
 * analysis first drops the rest, so the store holds the last analysed document's windows and does
 * not grow over a session of many files), within a byte budget where the oldest go first, so the
 * windows nearest the end of the document stay (that is where typing usually happens).
 */
import { makeTensor, type Tensor } from '../onnx/runtime';
import type { ModelSignature } from '../onnx/signature';

/**
 * Bytes of cache tensors kept (~10 windows of the default model, 6.3 MB each). The newest state is
 * kept even when it alone is larger (GPT-2 small: 75 MB per 1,024-token window), so that a large
 * model still resumes in the last window; the budget then holds that one state only.
 */
export const KV_CHECKPOINT_BUDGET = 64 * 1024 * 1024;

/** The cache tensors of one step or window, keyed by present name (as CacheState holds them). */
export type CacheTensors = Record<string, Tensor>;

/** Cache tensor data: numeric typed arrays (fp16 as raw Uint16 bits). */
type TypedData = Float32Array | Uint16Array | Int8Array | Uint8Array | Int32Array | Float64Array | BigInt64Array;

/** Where a window can resume: the first position to feed, and the cache holding [start, from). */
export interface ResumePoint {
  from: number;
  past: CacheTensors;
}

interface Checkpoint {
  /** First fed position of the window the state belongs to. */
  start: number;
  /** Chunk size of the run that produced it (the chunk plan must match to resume bitwise). */
  chunk: number;
  /** The ids fed at positions start, start + 1, ... (one per cached position). */
  ids: Int32Array;
  tensors: CacheTensors;
  bytes: number;
}

export class KvCheckpoints {
  /** Oldest first. */
  private checkpoints: Checkpoint[] = [];
  private heldBytes = 0;

  constructor(private readonly budgetBytes = KV_CHECKPOINT_BUDGET) {}

  get bytes(): number { return this.heldBytes; }
  get size(): number { return this.checkpoints.length; }

  /** Drops every checkpoint (model loaded or released). */
  clear(): void {
    this.checkpoints = [];
    this.heldBytes = 0;
  }

  /**
   * Drops the states that cannot resume any window of `ids` with this chunk size (another document,
   * another chunk plan, or ids that differ within the state's first chunk). Called as an analysis
   * starts; what is left are states of this same document's unchanged regions.
   */
  retainFor(ids: Int32Array, chunk: number): void {
    this.checkpoints = this.checkpoints.filter(c => {
      const useful = c.chunk === chunk && commonPrefix(c.ids, ids, c.start) >= chunk;
      if (!useful) this.heldBytes -= c.bytes;
      return useful;
    });
  }

  /**
   * Keeps the final cache of a window that fed ids[start, start + n) in chunks of `chunk`. A state
   * whose sequence length is not n (a graph whose present is not past + new) is refused: slicing it
   * would not give the cache of a chunk boundary. The oldest states go until the budget holds, but
   * never the new one: a state larger than the budget replaces all others.
   */
  keep(signature: ModelSignature, ids: Int32Array, start: number, chunk: number, tensors: CacheTensors): boolean {
    const n = sequenceLength(signature, tensors);
    if (n === undefined || n <= 0 || start + n > ids.length) return false;
    let bytes = n * 4;
    for (const slot of signature.past) bytes += (tensors[slot.presentName].data as TypedData).byteLength;
    const fed = ids.slice(start, start + n);
    // The same window state again (an unchanged window re-scored) replaces the older copy.
    this.checkpoints = this.checkpoints.filter(c => {
      const same = c.start === start && c.chunk === chunk && sameIds(c.ids, fed);
      if (same) this.heldBytes -= c.bytes;
      return !same;
    });
    this.checkpoints.push({ start, chunk, ids: fed, tensors, bytes });
    this.heldBytes += bytes;
    while (this.heldBytes > this.budgetBytes && this.checkpoints.length > 1) this.heldBytes -= this.checkpoints.shift()!.bytes;
    return true;
  }

  /**
   * The furthest chunk boundary `from` = start + jC (j >= 1, from <= limit) at which a window
   * starting at `start` can resume on a kept state whose fed ids equal ids[start, from), with that
   * state's cache sliced to [start, from). Undefined when no kept state reaches a boundary.
   */
  resume(signature: ModelSignature, ids: Int32Array, start: number, chunk: number, limit: number): ResumePoint | undefined {
    let best: { checkpoint: Checkpoint; from: number } | undefined;
    // Newest first: on a tie the latest state wins (most often the same document's last run).
    for (const c of [...this.checkpoints].reverse()) {
      if (c.start !== start || c.chunk !== chunk) continue;
      const matched = commonPrefix(c.ids, ids, start);
      const reach = Math.min(limit, start + matched);
      const from = start + Math.floor((reach - start) / chunk) * chunk;
      if (from > start && (!best || from > best.from)) best = { checkpoint: c, from };
    }
    if (!best) return undefined;
    const length = best.from - start;
    const past: CacheTensors = {};
    for (const slot of signature.past) past[slot.presentName] = sliceSequence(best.checkpoint.tensors[slot.presentName], slot.seqAxis, length);
    return { from: best.from, past };
  }
}

/** The cached sequence length, when every cache tensor agrees on it. */
function sequenceLength(signature: ModelSignature, tensors: CacheTensors): number | undefined {
  let n: number | undefined;
  for (const slot of signature.past) {
    const t = tensors[slot.presentName];
    if (!t) return undefined;
    const len = Number(t.dims[slot.seqAxis]);
    if (n !== undefined && len !== n) return undefined;
    n = len;
  }
  return n;
}

/** Leading ids of `kept` equal to ids[start, ...). */
function commonPrefix(kept: Int32Array, ids: Int32Array, start: number): number {
  const n = Math.min(kept.length, ids.length - start);
  let i = 0;
  while (i < n && kept[i] === ids[start + i]) i++;
  return i;
}

function sameIds(a: Int32Array, b: Int32Array): boolean {
  return a.length === b.length && commonPrefix(a, b, 0) === a.length;
}

/**
 * The first `length` positions along `axis` of a dense tensor (a copy; the kept state stays whole),
 * optionally repeated `repeat` times along axis 0, which must then be 1 (the A2 branches feed one
 * cut cache to a batch of candidate tokens).
 */
export function sliceSequence(tensor: Tensor, axis: number, length: number, repeat = 1): Tensor {
  const dims = tensor.dims.map(Number);
  const full = dims[axis];
  if (length > full) throw new Error(`cannot slice ${length} of ${full} cached positions`);
  if (repeat !== 1 && dims[0] !== 1) throw new Error(`cannot repeat a cache of batch ${dims[0]}`);
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const data = tensor.data as TypedData;
  const Ctor = data.constructor as new (n: number) => TypedData;
  const rows = length * inner;
  const size = outer * rows;
  const out = new Ctor(size * repeat);
  for (let o = 0; o < outer; o++) {
    const piece = data.subarray(o * full * inner, o * full * inner + rows);
    for (let b = 0; b < repeat; b++) out.set(piece as never, b * size + o * rows);
  }
  const outDims = dims.slice();
  outDims[axis] = length;
  outDims[0] *= repeat;
  return makeTensor(tensor.type as 'float32', out as Float32Array, outDims);
}
