import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TokenRecord } from '../../../src/core/analysis';
import { geometryInputFromRecords, headRowIds, gatherHeadRows } from '../../../src/core/geometry/fromRecords';

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
