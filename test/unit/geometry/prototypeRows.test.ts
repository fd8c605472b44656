import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeGeometry, GeometryResult } from '../../../src/core/geometry/computeGeometry';
import { PrototypeRows } from '../../../src/core/geometry/prototypeRows';
import { seededRandom } from '../../../src/core/geometry/random';
import type { GeometryInput } from '../../../src/core/geometry/types';
import { syntheticDocument } from './reference';

const withoutTimings = (r: GeometryResult) => ({ ...r, timings: {} });

/** The document as the engine streams it: fixed-width top-k columns, a NaN row with an empty slice. */
function streamed(T: number, V: number, d: number, k: number, nanRow: number) {
  const doc = syntheticDocument(T, V, d, seededRandom(11), k);
  const weight = Float32Array.from(doc.W);
  const topIds = new Int32Array(T * k).fill(-1);
  const topProbs = new Float32Array(T * k);
  const nll = Float64Array.from(doc.input.nll);
  nll[nanRow] = NaN;
  const rowStart = new Int32Array(T + 1);
  const ids: number[] = [];
  const probs: number[] = [];
  for (let t = 0; t < T; t++) {
    for (let e = doc.input.top.rowStart[t], j = 0; e < doc.input.top.rowStart[t + 1]; e++, j++) {
      topIds[t * k + j] = doc.input.top.ids[e];
      topProbs[t * k + j] = doc.input.top.probs[e];
      if (t !== nanRow) { ids.push(doc.input.top.ids[e]); probs.push(topProbs[t * k + j]); }
    }
    rowStart[t + 1] = ids.length;
  }
  const input: GeometryInput = {
    ...doc.input, nll,
    top: { rowStart, ids: Int32Array.from(ids), probs: Float64Array.from(probs) },
    head: { d, ids: Int32Array.from({ length: V }, (_, i) => i), rows: weight },
  };
  return { input, weight, topIds, topProbs, nll };
}

test('prototype rows filled batch by batch give the same geometry as building them at the end', () => {
  const T = 180, V = 40, d = 12, k = 10;
  const s = streamed(T, V, d, k, 37);
  const rows = new PrototypeRows(s.weight, d, V, T);
  // Uneven batches, in order, as windows of the scorer would send them.
  const random = seededRandom(5);
  for (let first = 0; first < T;) {
    const count = Math.min(T - first, 1 + Math.floor(random() * 40));
    rows.add({ firstIndex: first, count, k, topIds: s.topIds.subarray(first * k), topProbs: s.topProbs.subarray(first * k), nll: s.nll.subarray(first) });
    first += count;
  }
  assert.ok(rows.data.subarray(37 * d, 38 * d).every(x => x === 0), 'a non-finite row has an empty slice');
  const options = { seed: 2, eigenpairs: 6, shifts: 12 };
  const plain = computeGeometry(s.input, options);
  const given = computeGeometry({ ...s.input, prototypeRows: { data: rows.data, trace: rows.trace } }, options);
  assert.deepEqual(withoutTimings(given), withoutTimings(plain));
  assert.ok(plain.perToken.pullbackTrace!.some(x => x !== null && x > 0), 'the trace was computed');
  // Windows slice the given rows with the rest of the input.
  const windowed = { ...options, maxWindowTokens: 120, windowTokens: 100, windowOverlap: 20 };
  assert.deepEqual(
    withoutTimings(computeGeometry({ ...s.input, prototypeRows: { data: rows.data, trace: rows.trace } }, windowed)),
    withoutTimings(computeGeometry(s.input, windowed)),
  );
});

test('prototype rows refuse a weight of the wrong size, a token out of range, and rows of the wrong shape', () => {
  assert.throws(() => new PrototypeRows(new Float32Array(10), 4, 3, 5), /10 weights for 3×4/);
  const rows = new PrototypeRows(new Float32Array(12), 4, 3, 5);
  assert.throws(() => rows.add({ firstIndex: 4, count: 2, k: 1, topIds: new Int32Array(2), topProbs: new Float32Array(2), nll: new Float64Array(2) }), /token 5 outside 0..4/);
  const s = streamed(40, 10, 4, 5, 3);
  assert.throws(() => computeGeometry({ ...s.input, prototypeRows: { data: new Float64Array(7), trace: new Float64Array(40) } }, { eigenpairs: 2, shifts: 2 }), /prototype rows: 7 values for 40×4/);
});
