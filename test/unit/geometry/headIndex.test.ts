import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildKernelFactor, HeadIndex } from '../../../src/core/geometry/kernels';
import { DenseFactor } from '../../../src/core/geometry/factor';
import { pullbackTrace } from '../../../src/core/geometry/tokenMetrics';
import { gaussian, seededRandom } from '../../../src/core/geometry/random';
import { GeometryInput, HeadRows } from '../../../src/core/geometry/types';

/** Head rows for a sparse, shuffled set of vocabulary ids (as gatherHeadRows gives them), float32 like the engine's. */
function sparseHead(d: number): { head: HeadRows; byId: Map<number, Float64Array> } {
  const random = seededRandom(13);
  const ids = Int32Array.from([907, 3, 41, 0, 5000, 12, 77, 310, 8191]);
  const rows = Float32Array.from({ length: ids.length * d }, () => gaussian(random));
  const byId = new Map<number, Float64Array>();
  ids.forEach((id, i) => byId.set(id, Float64Array.from(rows.subarray(i * d, (i + 1) * d))));
  return { head: { d, ids, rows }, byId };
}

const d = 7;
const { head, byId } = sparseHead(d);

test('HeadIndex finds every row by vocabulary id, refuses ids it lacks, and holds the exact ‖W_w‖²', () => {
  const index = new HeadIndex(head);
  head.ids.forEach((id, i) => assert.equal(index.row(id), i));
  assert.deepEqual(Array.from(index.rowsOf(Int32Array.from([8191, 0, 41]))), [8, 3, 2]);
  for (const missing of [1, 42, 8190, 8192, 100000, -1]) assert.throws(() => index.row(missing), /lack vocabulary id/, `id ${missing}`);
  assert.throws(() => index.rowsOf(Int32Array.from([3, 4])), /lack vocabulary id 4/);
  head.ids.forEach((id, i) => {
    const w = byId.get(id)!;
    const normSq = w.reduce((a, x) => a + x * x, 0);
    assert.ok(Math.abs(index.normSq[i] - normSq) <= 1e-14 * normSq);
    assert.ok(Math.abs(index.inverseNorm[i] - 1 / Math.sqrt(normSq)) <= 1e-14 / Math.sqrt(normSq));
  });
  assert.ok(Math.abs(index.maxNormSq - Math.max(...index.normSq)) === 0);
});

test('pullbackTrace with HeadIndex.normSq agrees with norms recomputed to rounding, and matches the dense formula', () => {
  const index = new HeadIndex(head);
  const ids = Int32Array.from([5000, 3, 907, 12, 0, 41, 8191]);
  // A zero probability is skipped; 0.3 + … < 1: a truncated slice.
  const probs = Float64Array.from([0.3, 0.2, 0, 0.15, 0.1, 0.05, 0.02]);
  const withNorms = pullbackTrace(ids, probs, ids.length, id => index.row(id), head.rows, d, new Float64Array(d), index.normSq);
  const recomputed = pullbackTrace(ids, probs, ids.length, id => index.row(id), head.rows, d);
  assert.ok(Math.abs(withNorms - recomputed) <= 1e-15 * recomputed, `${withNorms} vs ${recomputed}`);
  const mean = new Float64Array(d);
  let weighted = 0;
  ids.forEach((id, e) => {
    const w = byId.get(id)!;
    weighted += probs[e] * w.reduce((a, x) => a + x * x, 0);
    w.forEach((x, c) => { mean[c] += probs[e] * x; });
  });
  const reference = weighted - mean.reduce((a, x) => a + x * x, 0);
  assert.ok(reference > 0);
  assert.ok(Math.abs(withNorms - reference) < 1e-13 * reference, `${withNorms} vs ${reference}`);
  // An odd support length and a single entry exercise the unpaired row of the accumulation.
  const one = pullbackTrace(ids, probs, 1, id => index.row(id), head.rows, d, new Float64Array(d), index.normSq);
  const w0 = byId.get(5000)!.reduce((a, x) => a + x * x, 0);
  assert.ok(Math.abs(one - (0.3 * w0 - 0.09 * w0)) < 1e-13 * w0);
});

test('prototype rows ḡ_t over sparse float32 head rows: Σ p Ŵ_w (model side, non-positive and NaN probabilities skipped) and Ŵ_y (data side)', () => {
  const T = 3;
  const rowStart = Int32Array.from([0, 3, 4, 9]);
  const ids = Int32Array.from([41, 0, 8191, 12, 907, 3, 310, 77, 5000]);
  const probs = Float64Array.from([0.5, 0.25, 0.125, 1, 0.2, NaN, 0.3, 0, 0.1]);
  const input: GeometryInput = {
    targets: Int32Array.from([0, 12, 310]), nll: new Float64Array(T), entropy: new Float64Array(T),
    top: { rowStart, ids, probs }, head,
  };
  const unit = (id: number) => { const w = byId.get(id)!; const n = Math.sqrt(w.reduce((a, x) => a + x * x, 0)); return w.map(x => x / n); };
  const model = buildKernelFactor(input, 'prototype', 'model').factor as DenseFactor;
  for (let t = 0; t < T; t++) {
    const want = new Float64Array(d);
    for (let e = rowStart[t]; e < rowStart[t + 1]; e++) if (probs[e] > 0) unit(ids[e]).forEach((x, c) => { want[c] += probs[e] * x; });
    for (let c = 0; c < d; c++) assert.ok(Math.abs(model.data[t * d + c] - want[c]) < 1e-15, `model t=${t} c=${c}`);
  }
  const data = buildKernelFactor(input, 'prototype', 'data').factor as DenseFactor;
  input.targets.forEach((y, t) => unit(y).forEach((x, c) => assert.ok(Math.abs(data.data[t * d + c] - x) < 1e-15, `data t=${t} c=${c}`)));
});

test('HeadIndex.of builds one index per HeadRows object and shares it', () => {
  const first = HeadIndex.of(head);
  assert.equal(HeadIndex.of(head), first);
  const copy: HeadRows = { ...head };
  assert.notEqual(HeadIndex.of(copy), first);
  assert.deepEqual(Array.from(HeadIndex.of(copy).normSq), Array.from(first.normSq));
});
