import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TokenRecord } from '../../../src/core/analysis';
import { geometryInputFromBatches, geometryInputFromRecords, headRowIds, gatherHeadRows } from '../../../src/core/geometry/fromRecords';
import { seededRandom } from '../../../src/core/geometry/random';
import { expandBatch, type RecordBatch } from '../../../src/core/records';

const record = (index: number, id: number, top: Array<[number, number]>, nll: number | null): TokenRecord => ({
  index, id, text: '', start: index, end: index + 1, partial: false, context: index + 1,
  nll, entropy: nll === null ? null : 1, rank: nll === null ? null : 2, top, varentropy: nll === null ? null : 0.5, logZ: nll === null ? null : 3,
});

test('records become typed arrays; nulls become NaN; C1 reads p_t(x_{t+2}) from the top list', () => {
  const records = [
    record(0, 5, [[7, 0.5], [5, 0.3]], 1.2),
    record(1, 7, [[9, 0.6]], 0.5),
    record(2, 9, [], null),
  ];
  const input = geometryInputFromRecords(records);
  assert.deepEqual(Array.from(input.targets), [5, 7, 9]);
  assert.deepEqual(Array.from(input.top.rowStart), [0, 2, 3, 3]);
  assert.deepEqual(Array.from(input.top.ids), [7, 5, 9]);
  assert.ok(Number.isNaN(input.nll[2]) && Number.isNaN(input.logPartition![2]));
  assert.equal(input.afterNextLogProb![0], Math.log(0.5), 'record 1 token (7) is in record 0 top');
  assert.equal(input.afterNextLogProb![1], Math.log(0.6));
  assert.ok(Number.isNaN(input.afterNextLogProb![2]));
  assert.deepEqual(Array.from(headRowIds(input)), [5, 7, 9]);
});

test('head rows are gathered for the needed ids only', () => {
  const d = 3;
  const W = Float32Array.from({ length: 10 * d }, (_, i) => i);
  const rows = gatherHeadRows(W, d, Int32Array.of(2, 7), 99);
  assert.deepEqual(Array.from(rows.rows), [6, 7, 8, 21, 22, 23]);
  assert.equal(rows.maxRowNormSq, 99);
});

test('the input built from the streamed batches equals the one built from their records', () => {
  const random = seededRandom(9);
  const batch = (firstIndex: number, count: number, k: number): RecordBatch => {
    const topIds = new Int32Array(count * k);
    for (let i = 0; i < topIds.length; i++) topIds[i] = random() < 0.1 ? -1 : Math.floor(random() * 12);
    const nll = Float64Array.from({ length: count }, () => random() * 3);
    nll[1] = NaN; // a non-finite row: empty slice, nulls
    const entropy = Float64Array.from({ length: count }, () => random());
    entropy[2] = Infinity; // a non-finite value in a finite row becomes NaN as well
    return {
      firstTarget: firstIndex + 1, count, context: new Int32Array(count), firstIndex, topK: k,
      nll, entropy, varentropy: Float64Array.from({ length: count }, () => random()), rank: Int32Array.from({ length: count }, (_, i) => i + 1),
      logZ: Float64Array.from({ length: count }, () => random()), topIds, topProbs: Float64Array.from({ length: count * k }, () => (random() < 0.1 ? 0 : random())),
      ids: Int32Array.from({ length: count }, () => Math.floor(random() * 12)),
      starts: new Uint32Array(count), ends: new Uint32Array(count), partial: new Uint8Array(count), texts: Array.from({ length: count }, () => 'x'),
    };
  };
  const batches = [batch(0, 7, 4), batch(7, 5, 4), batch(12, 9, 4)];
  const extras = { meanDistribution: Float64Array.of(0.5, 0.5) };
  assert.deepEqual(geometryInputFromBatches(batches, extras), geometryInputFromRecords(batches.flatMap(expandBatch), extras));
  assert.ok(geometryInputFromBatches(batches).afterNextLogProb!.some(Number.isFinite), 'some p_t(x_{t+2}) were found');
});
