/**
 * Test helpers that run ONNX models with onnxruntime-node directly: first-step feeds built from the
 * session's own metadata (ids, mask of ones, positions, empty past, cache branch off), and float16
 * outputs decoded to float32.
 */
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { halfToFloat } from '../../../src/model/onnx/graph/weights';

export function firstStepFeeds(session: InferenceSession, ids: number[]): Record<string, Tensor> {
  const T = ids.length;
  const feeds: Record<string, Tensor> = {};
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) throw new Error(`non-tensor input ${meta.name}`);
    const { name, type } = meta;
    const shape = meta.shape.map(d => (typeof d === 'number' ? d : /past/.test(d) && !/\+/.test(d) ? 0 : /batch/.test(d) ? 1 : T));
    const count = shape.reduce((a, b) => a * b, 1);
    if (name === 'input_ids') feeds[name] = new Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, T]);
    else if (name === 'attention_mask') feeds[name] = new Tensor(type as 'int64', type === 'int64' ? new BigInt64Array(T).fill(1n) : new Float32Array(T).fill(1) as never, [1, T]);
    else if (name === 'position_ids') feeds[name] = new Tensor('int64', BigInt64Array.from(ids.map((_, i) => BigInt(i))), [1, T]);
    else if (name === 'use_cache_branch') feeds[name] = new Tensor('bool', new Uint8Array([0]), [1]);
    else if (type === 'float16') feeds[name] = new Tensor('float16', new Uint16Array(count), shape);
    else if (type === 'float32') feeds[name] = new Tensor('float32', new Float32Array(count), shape);
    else throw new Error(`no feed rule for input ${name} (${type})`);
  }
  return feeds;
}

export function toFloat32(t: Tensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') {
    const data = t.data as ArrayLike<number>;
    if (data instanceof Uint16Array) return Float32Array.from(data, halfToFloat);
    return Float32Array.from(data);
  }
  throw new Error(`unexpected output type ${t.type}`);
}
