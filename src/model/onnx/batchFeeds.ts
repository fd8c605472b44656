/**
 * Batched feeds for the surplus runs, built on CacheState's one-row feeds (feeds.ts builds every
 * input a signature needs; this file only widens them): the same step for `batch` rows that differ
 * in their ids. feeds.ts has no batch dimension, so this helper lives here rather than there.
 */
import { makeTensor, type Tensor } from './runtime';
import type { ModelSignature } from './signature';

type Feeds = Record<string, Tensor>;
type Typed = Float32Array | Float64Array | Uint16Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;

/**
 * `feeds` for one row (as CacheState.feeds made them) widened to `batch` rows: the ids become
 * `ids` (batch × n, row-major), and every other per-row input of the signature (mask, positions,
 * token types, a cache of batch 1) is repeated. Scalars (cache-branch flag, logits-to-keep) stay.
 */
export function batchFeeds(signature: ModelSignature, feeds: Feeds, ids: Int32Array, batch: number): Feeds {
  const n = Number(feeds[signature.idsName].dims[1]);
  if (ids.length !== batch * n) throw new Error(`batched feeds: ${ids.length} ids for ${batch} rows of ${n}`);
  const out: Feeds = { ...feeds };
  out[signature.idsName] = signature.idsType === 'int32'
    ? makeTensor('int32', Int32Array.from(ids), [batch, n])
    : makeTensor('int64', BigInt64Array.from(ids, BigInt), [batch, n]);
  const rowInputs = [signature.mask?.name, signature.positions?.name, signature.tokenTypes?.name, ...signature.past.map(s => s.pastName)];
  for (const name of rowInputs) {
    if (name && out[name] && Number(out[name].dims[0]) === 1 && batch !== 1) out[name] = repeatRows(out[name], batch);
  }
  return out;
}

/** A tensor of leading dim 1 repeated `batch` times along axis 0. */
export function repeatRows(tensor: Tensor, batch: number): Tensor {
  const data = tensor.data as Typed;
  const out = newLike(data, data.length * batch);
  for (let b = 0; b < batch; b++) out.set(data as never, b * data.length);
  return makeTensor(tensor.type as never, out as never, [batch, ...tensor.dims.slice(1)]);
}


function newLike(data: Typed, length: number): Typed {
  const Ctor = data.constructor as new (n: number) => Typed;
  return new Ctor(length);
}
