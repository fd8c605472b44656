/**
 * KV checkpoints (src/model/kvCheckpoints.ts) on real onnxruntime tensors: slicing along the cache's
 * sequence axis, resuming only at chunk boundaries covered by matching ids, same start and chunk,
 * and the byte budget. The exactness of a resumed window on a real model is in incremental.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Tensor } from 'onnxruntime-node';
import { KvCheckpoints, sliceSequence, type CacheTensors } from '../../../src/model/run/kvCheckpoints';
import type { ModelSignature } from '../../../src/model/onnx/signature';

/** Two cache slots [batch 1, heads 2, seq, head_dim 3], sequence axis 2 (the GPT-2 layout). */
const signature: ModelSignature = {
  idsName: 'input_ids', idsType: 'int64', logitsName: 'logits', logitsType: 'float32',
  past: ['key', 'value'].map(kind => ({
    pastName: `past_key_values.0.${kind}`, presentName: `present.0.${kind}`, type: 'float32', emptyDims: [1, 2, 0, 3], seqAxis: 2,
  })),
};

/** A cache of n positions whose every element encodes (slot, head, position, dim). */
function cache(n: number, seed = 0): CacheTensors {
  const out: CacheTensors = {};
  signature.past.forEach((slot, s) => {
    const data = new Float32Array(2 * n * 3);
    for (let h = 0; h < 2; h++) for (let p = 0; p < n; p++) for (let d = 0; d < 3; d++) data[(h * n + p) * 3 + d] = seed + s * 1000 + h * 100 + p + d / 10;
    out[slot.presentName] = new Tensor('float32', data, [1, 2, n, 3]);
  });
  return out;
}

const ids = (n: number, from = 0) => Int32Array.from({ length: n }, (_, i) => 7 + ((from + i) * 13) % 50);
const bytesOf = (n: number) => 2 * 2 * n * 3 * 4 + n * 4;

test('sliceSequence keeps the first positions of every head (axis 2 of 4, and axis 1 of 3)', () => {
  const full = cache(10)['present.0.key'];
  const cut = sliceSequence(full, 2, 4);
  assert.deepEqual(cut.dims, [1, 2, 4, 3]);
  assert.deepEqual(Array.from(cut.data as Float32Array), Array.from(cache(4)['present.0.key'].data as Float32Array));
  const t = new Tensor('float32', Float32Array.from({ length: 2 * 5 * 2 }, (_, i) => i), [2, 5, 2]);
  assert.deepEqual(Array.from(sliceSequence(t, 1, 2).data as Float32Array), [0, 1, 2, 3, 10, 11, 12, 13]);
  assert.throws(() => sliceSequence(t, 1, 6), /cannot slice 6 of 5/);
});

test('resume: the furthest chunk boundary within the limit and the matching ids, with the cache up to it', () => {
  const store = new KvCheckpoints();
  const doc = ids(40);
  assert.ok(store.keep(signature, doc, 8, 4, cache(24))); // window [8, 32) in chunks of 4
  const edited = doc.slice();
  edited[8 + 13] = 99; // first changed position 21: 13 cached positions match
  const r = store.resume(signature, edited, 8, 4, 30)!;
  assert.equal(r.from, 8 + 12);
  assert.deepEqual(Array.from(r.past['present.0.value'].data as Float32Array), Array.from(cache(12)['present.0.value'].data as Float32Array));
  assert.equal(store.resume(signature, doc, 8, 4, 17)!.from, 16, 'the limit (kept records) bounds it too');
  assert.equal(store.resume(signature, doc, 8, 4, 40)!.from, 32, 'at most the whole kept window');
  assert.equal(store.resume(signature, doc, 8, 4, 11), undefined, 'no boundary after the start within the limit');
  assert.equal(store.resume(signature, doc, 8, 8, 30), undefined, 'another chunk plan');
  assert.equal(store.resume(signature, doc, 9, 4, 30), undefined, 'another window start');
  const early = doc.slice();
  early[10] = 99;
  assert.equal(store.resume(signature, early, 8, 4, 30), undefined, 'ids differ in the first chunk');
});

test('of two states with the same start, the one matching further wins', () => {
  const store = new KvCheckpoints();
  const doc = ids(40);
  const other = doc.slice();
  other[14] = 98;
  store.keep(signature, doc, 0, 4, cache(32, 0));
  store.keep(signature, other, 0, 4, cache(32, 0.5)); // newer, matches doc only up to 14
  const r = store.resume(signature, doc, 0, 4, 30)!;
  assert.equal(r.from, 28);
  assert.equal((r.past['present.0.key'].data as Float32Array)[0], 0, 'the older, fully matching state');
  assert.equal((store.resume(signature, other, 0, 4, 30)!.past['present.0.key'].data as Float32Array)[0], 0.5);
});

test('the byte budget drops the oldest states (never the newest); an inconsistent state is refused; a repeat replaces', () => {
  const store = new KvCheckpoints(2 * bytesOf(16) + 10);
  const doc = ids(100);
  for (const start of [0, 16, 32]) assert.ok(store.keep(signature, doc, start, 4, cache(16)));
  assert.equal(store.size, 2);
  assert.equal(store.bytes, 2 * bytesOf(16));
  assert.equal(store.resume(signature, doc, 0, 4, 16), undefined, 'the oldest went first');
  assert.equal(store.resume(signature, doc, 32, 4, 48)!.from, 48);
  assert.ok(store.keep(signature, doc, 32, 4, cache(16)));
  assert.equal(store.size, 2, 'the same window state again replaces its copy');
  const mixed = { ...cache(16), 'present.0.value': cache(15)['present.0.value'] };
  assert.equal(store.keep(signature, doc, 48, 4, mixed), false, 'slots disagree on the cached length');
  assert.equal(store.keep(signature, doc, 90, 4, cache(16)), false, 'more positions than ids');
  assert.ok(store.keep(signature, doc, 0, 4, cache(40)), 'the newest state stays even when larger than the budget');
  assert.equal(store.size, 1);
  assert.equal(store.bytes, bytesOf(40));
  assert.equal(store.resume(signature, doc, 0, 4, 39)!.from, 36);
  store.clear();
  assert.equal(store.size, 0);
  assert.equal(store.bytes, 0);
});

test('retainFor keeps only states that could resume a window of the new ids with that chunk size', () => {
  const store = new KvCheckpoints();
  const doc = ids(64);
  for (const start of [0, 16, 32]) store.keep(signature, doc, start, 4, cache(16));
  store.keep(signature, doc, 48, 8, cache(16)); // another chunk plan
  const edited = doc.slice();
  edited[18] = 99; // the state at 16 matches 2 positions only: less than a chunk
  store.retainFor(edited, 4);
  assert.equal(store.size, 2);
  assert.equal(store.bytes, 2 * bytesOf(16));
  assert.equal(store.resume(signature, edited, 0, 4, 16)!.from, 16);
  assert.equal(store.resume(signature, edited, 32, 4, 48)!.from, 48);
  store.retainFor(ids(64, 5), 4); // another document
  assert.equal(store.size, 0);
  assert.equal(store.bytes, 0);
});
