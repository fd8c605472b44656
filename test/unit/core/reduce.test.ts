import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expSigned, RowReducer } from '../../../src/core/reduce';
import { reduceChunk } from '../../../src/core/reduceChunk';

const f32 = (xs: number[]) => Float32Array.from(xs);

/** Straightforward float64 reference: full softmax, full sort. */
function reference(row: number[], target: number, k: number) {
  const max = Math.max(...row);
  const logZ = max + Math.log(row.reduce((s, z) => s + Math.exp(z - max), 0));
  const logp = row.map(z => z - logZ);
  const p = logp.map(Math.exp);
  const entropy = -p.reduce((s, pi, i) => s + pi * logp[i], 0);
  const varentropy = p.reduce((s, pi, i) => s + pi * (-logp[i] - entropy) ** 2, 0);
  const rank = 1 + row.filter(z => z > row[target]).length;
  const order = row.map((z, i) => i).sort((a, b) => row[b] - row[a] || a - b).slice(0, k);
  return { nll: -logp[target], entropy, varentropy, rank, logZ, topIds: order, topProbs: order.map(i => p[i]) };
}

function randomRow(n: number, seed: number, scale = 4): number[] {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  return Array.from({ length: n }, () => (rnd() - 0.5) * 2 * scale);
}

test('metrics equal a full-softmax float64 reference', () => {
  const reducer = new RowReducer(10);
  for (const [n, seed, target] of [[50, 1, 3], [1000, 7, 999], [5000, 42, 0], [17, 3, 16]] as const) {
    const row = randomRow(n, seed, seed === 7 ? 20 : 4);
    const ref = reference(row, target, 10);
    const m = reducer.reduce(Float32Array.from(row), 0, n, target);
    // The row is given as float32: compare against the reference of the same float32 values.
    const ref32 = reference(Array.from(Float32Array.from(row)), target, 10);
    assert.ok(m.finite);
    assert.ok(Math.abs(m.nll - ref32.nll) < 1e-9, `nll ${m.nll} vs ${ref32.nll}`);
    assert.ok(Math.abs(m.entropy - ref32.entropy) < 1e-9);
    assert.ok(Math.abs(m.varentropy - ref32.varentropy) < 1e-8);
    assert.ok(Math.abs(m.logZ - ref32.logZ) < 1e-9);
    assert.equal(m.rank, ref32.rank);
    assert.deepEqual(Array.from(reducer.topIds), ref32.topIds.slice(0, Math.min(10, n)));
    reducer.topProbs.forEach((p, i) => assert.ok(Math.abs(p - ref32.topProbs[i]) < 1e-9)); // exp is accurate to 1e-13 relative
    assert.ok(Math.abs(ref.nll - ref32.nll) < 1e-5); // sanity: float32 rounding is small
  }
});

test('rank counts only strictly larger logits; ties go to the lower id in top-k', () => {
  const reducer = new RowReducer(3);
  const m = reducer.reduce(f32([1, 5, 5, 2, 5]), 0, 5, 2);
  assert.equal(m.rank, 1);
  assert.deepEqual(Array.from(reducer.topIds), [1, 2, 4]);
  assert.equal(reducer.reduce(f32([1, 5, 5, 2, 5]), 0, 5, 0).rank, 5);
  assert.equal(reducer.reduce(f32([1, 5, 5, 2, 5]), 0, 5, 3).rank, 4);
});

test('reads a row at an offset inside a larger [T, V] buffer', () => {
  const reducer = new RowReducer(2);
  const buffer = Float32Array.from([9, 9, 9, 0, 1, 2, 9, 9]);
  const m = reducer.reduce(buffer, 3, 3, 2);
  const ref = reference([0, 1, 2], 2, 2);
  assert.ok(Math.abs(m.nll - ref.nll) < 1e-9);
  assert.deepEqual(Array.from(reducer.topIds), [2, 1]);
});

test('uniform distribution: entropy log V, varentropy 0, nll log V', () => {
  const m = new RowReducer(1).reduce(new Float32Array(1000), 0, 1000, 5);
  assert.ok(Math.abs(m.entropy - Math.log(1000)) < 1e-12);
  assert.ok(Math.abs(m.nll - Math.log(1000)) < 1e-12);
  assert.ok(Math.abs(m.varentropy) < 1e-12);
});

test('NaN, +Inf or -Inf anywhere makes the row non-finite', () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    for (const at of [0, 3, 7]) {
      const row = Float32Array.from(randomRow(8, 5));
      row[at] = bad;
      const m = new RowReducer(3).reduce(row, 0, 8, 2);
      assert.equal(m.finite, false, `${bad} at ${at}`);
    }
  }
});

test('top-k larger than the row pads with -1', () => {
  const reducer = new RowReducer(5);
  reducer.reduce(f32([0, 1, 2]), 0, 3, 0);
  assert.deepEqual(Array.from(reducer.topIds), [2, 1, 0, -1, -1]);
  assert.equal(reducer.topProbs[3], 0);
});

test('k = 0 still gives every metric', () => {
  const m = new RowReducer(0).reduce(f32([0, 1, 2]), 0, 3, 1);
  assert.ok(Math.abs(m.nll - reference([0, 1, 2], 1, 0).nll) < 1e-9);
});

test('the fast exp is within 1e-13 relative of Math.exp on [-700, 700]', () => {
  let worst = 0;
  for (let d = -700; d <= 700; d += 0.0137) worst = Math.max(worst, Math.abs(expSigned(d) - Math.exp(d)) / Math.exp(d));
  assert.ok(worst < 1e-13, `worst ${worst}`);
  assert.equal(expSigned(0), 1);
  assert.equal(expSigned(-Infinity), 0);
  assert.equal(expSigned(-2000), 0);
});

test('rows far apart in scale (the exp shift carried between rows) stay exact', () => {
  const reducer = new RowReducer(3);
  const base = randomRow(300, 11, 6);
  for (const offset of [0, 500, -550, 2000, 2000, 599, -3000, 0]) {
    const row = base.map(z => z + offset);
    const m = reducer.reduce(Float32Array.from(row), 0, row.length, 7);
    const ref = reference(Array.from(Float32Array.from(row)), 7, 3);
    assert.ok(Math.abs(m.nll - ref.nll) < 1e-6, `offset ${offset}: ${m.nll} vs ${ref.nll}`);
    assert.ok(Math.abs(m.entropy - ref.entropy) < 1e-6);
    assert.ok(Math.abs(m.varentropy - ref.varentropy) < 1e-6);
    assert.ok(Math.abs(m.logZ - ref.logZ) / Math.max(1, Math.abs(ref.logZ)) < 1e-9);
  }
});

test('reduceChunk with after-next ids: Σ p over the finite rows and log p(id), float64-exact, the re-shifted row included', () => {
  // Row 1's max is 1000 above row 0's, so the carried shift is redone around its true max; row 2 is NaN.
  const width = 5;
  const rows = [[0.5, -1, 2, 0, 1], [1000, 999, 1001.5, 998, 1000.25], [NaN, 0, 0, 0, 0], [-3, -2.5, -4, -1, -2]];
  const logits = Float32Array.from(rows.flat());
  const targets = Int32Array.from([2, 0, 1, 3]);
  const afterNext = Int32Array.from([4, 2, 0, -1]);
  const m = reduceChunk(new RowReducer(2), logits, width, targets, afterNext);
  const sum = new Float64Array(width);
  const logp: number[] = [];
  rows.forEach((row, r) => {
    const z = Array.from(Float32Array.from(row));
    const max = Math.max(...z);
    const total = z.reduce((a, x) => a + Math.exp(x - max), 0);
    if (Number.isFinite(total)) z.forEach((x, i) => { sum[i] += Math.exp(x - max) / total; });
    logp.push(Number.isFinite(total) && afterNext[r] >= 0 ? z[afterNext[r]] - max - Math.log(total) : NaN);
  });
  assert.equal(m.summedRows, 3);
  m.probabilitySum!.forEach((x, i) => assert.ok(Math.abs(x - sum[i]) <= 1e-9 * sum[i], `Σp[${i}] ${x} vs ${sum[i]}`));
  m.afterNextLogProb!.forEach((x, r) => assert.ok(Object.is(x, logp[r]) || Math.abs(x - logp[r]) <= 1e-9, `log p row ${r}: ${x} vs ${logp[r]}`));
  // Without the ids the chunk carries none of it, and the reducer stops keeping exponentials.
  const plain = reduceChunk(new RowReducer(2), logits, width, targets);
  assert.equal(plain.probabilitySum, undefined);
  assert.deepEqual(Array.from(plain.nll), Array.from(m.nll));
});
