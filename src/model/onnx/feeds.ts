/**
 * Builds one step's feeds for a detected signature (onnx-signatures.md section 2): new ids, a mask of
 * ones over past + new, positions past .. past+n-1 (only if declared), the cache branch flag, the
 * logits-to-keep scalar 0 (every position's logits), token types of zeros, and the cache tensors.
 */
import { makeTensor, type Tensor } from './runtime';
import type { ModelSignature } from './signature';

type Feeds = Record<string, Tensor>;

/** A tensor of `n` copies of `value` (or value + i when `ramp`) in the given ONNX integer/float type. */
function filled(type: string, dims: number[], n: number, value: number, ramp = false): Tensor {
  switch (type) {
    case 'int64': {
      const data = new BigInt64Array(n);
      for (let i = 0; i < n; i++) data[i] = BigInt(value + (ramp ? i : 0));
      return makeTensor('int64', data, dims);
    }
    case 'int32': {
      const data = new Int32Array(n);
      for (let i = 0; i < n; i++) data[i] = value + (ramp ? i : 0);
      return makeTensor('int32', data, dims);
    }
    case 'float32': {
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = value + (ramp ? i : 0);
      return makeTensor('float32', data, dims);
    }
    case 'bool':
      return makeTensor('bool', new Uint8Array(n).fill(value ? 1 : 0), dims);
    default:
      throw new Error(`unsupported feed type ${type}`);
  }
}

function idsTensor(type: 'int64' | 'int32', ids: Int32Array, from: number, to: number): Tensor {
  const n = to - from;
  if (type === 'int32') return makeTensor('int32', ids.slice(from, to), [1, n]);
  const data = new BigInt64Array(n);
  for (let i = 0; i < n; i++) data[i] = BigInt(ids[from + i]);
  return makeTensor('int64', data, [1, n]);
}

/** An empty first-step cache tensor, in the metadata dtype (fp16 as raw Uint16 bits). */
function emptyPast(type: string, dims: number[]): Tensor {
  const size = dims.reduce((a, b) => a * b, 1); // 0: the sequence axis is empty
  switch (type) {
    case 'float16':
      return makeTensor('float16', new Uint16Array(size), dims);
    case 'float32':
      return makeTensor('float32', new Float32Array(size), dims);
    case 'int8':
      return makeTensor('int8', new Int8Array(size), dims);
    case 'uint8':
      return makeTensor('uint8', new Uint8Array(size), dims);
    default:
      throw new Error(`unsupported cache type ${type}`);
  }
}

/** The running cache of one window: the present tensors of the last step, fed back untouched. */
export class CacheState {
  pastLength = 0;
  private tensors: Feeds | undefined;

  constructor(private readonly signature: ModelSignature) {}

  reset(): void {
    this.pastLength = 0;
    this.tensors = undefined;
  }

  /** Starts from a kept cache of `length` positions (a live-mode resume, see kvCheckpoints.ts). */
  restore(tensors: Feeds, length: number): void {
    this.tensors = tensors;
    this.pastLength = length;
  }

  /** The present tensors of the last step (undefined before the first step or without a cache). */
  current(): Feeds | undefined {
    return this.tensors;
  }

  /** Feeds for ids[from, to) on top of the current cache. */
  feeds(ids: Int32Array, from: number, to: number): Feeds {
    const sig = this.signature;
    const n = to - from;
    const past = this.pastLength;
    const feeds: Feeds = { [sig.idsName]: idsTensor(sig.idsType, ids, from, to) };
    if (sig.mask) feeds[sig.mask.name] = filled(sig.mask.type, [1, past + n], past + n, 1);
    if (sig.positions) feeds[sig.positions.name] = filled(sig.positions.type, [1, n], n, past, true);
    if (sig.tokenTypes) feeds[sig.tokenTypes.name] = filled(sig.tokenTypes.type, [1, n], n, 0);
    if (sig.cacheBranchName) feeds[sig.cacheBranchName] = filled('bool', [1], 1, past > 0 ? 1 : 0);
    if (sig.keepName) feeds[sig.keepName] = makeTensor('int64', BigInt64Array.from([0n]), []);
    for (const slot of sig.past) {
      feeds[slot.pastName] = this.tensors?.[slot.presentName] ?? emptyPast(slot.type, slot.emptyDims);
    }
    return feeds;
  }

  /** Takes the step's present tensors as the next past; the length comes from their dims. */
  advance(outputs: Record<string, Tensor>): void {
    const sig = this.signature;
    if (sig.past.length === 0) return;
    const next: Feeds = {};
    for (const slot of sig.past) next[slot.presentName] = outputs[slot.presentName];
    this.tensors = next;
    const first = sig.past[0];
    this.pastLength = Number(next[first.presentName].dims[first.seqAxis]);
  }
}
