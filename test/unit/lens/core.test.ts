/**
 * The lens's pure maths (src/core/lens): the per-layer reduction against a direct float64
 * computation (softmax, entropy, KL(P_l || P_L), rank, top-k) on random rows, non-finite rows,
 * extreme logits; prediction depth on hand-made top-1 columns; the table's placement.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { predictionDepth } from '../../../src/core/lens/depth';
import { layerChunkReducer } from '../../../src/core/lens/layerReducer';
import { LayerTable } from '../../../src/core/lens/table';
import { gaussian, seededRandom } from '../../../src/core/geometry/random';

function direct(row: Float32Array, final: Float32Array, target: number) {
  const z = Array.from(row, Number);
  const zf = Array.from(final, Number);
  const lse = (xs: number[]) => { const m = Math.max(...xs); return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0)); };
  const logZ = lse(z);
  const logZf = lse(zf);
  const logp = z.map(x => x - logZ);
  const logq = zf.map(x => x - logZf);
  const p = logp.map(Math.exp);
  const order = z.map((x, i) => [x, i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).map(x => x[1]);
  return {
    nll: -logp[target],
    entropy: -p.reduce((s, pi, i) => s + pi * logp[i], 0),
    kl: p.reduce((s, pi, i) => s + pi * (logp[i] - logq[i]), 0),
    rank: 1 + z.filter(x => x > z[target]).length,
    top: order.slice(0, 3),
  };
}

// The scalar reduction is exact to the float64 sums (1e-9 here); the wasm kernel's float32
// exponentials are good to about 1e-6 nats (wasmReduce.ts).
for (const [kind, tol] of [['scalar', 1e-9], ['wasm', 2e-6]] as const) {
test(`${kind} reduction equals a direct float64 computation at every layer`, () => {
  const random = seededRandom(7);
  const layers = 4;
  const rows = 5;
  const V = 301;
  const logits = new Float32Array(layers * rows * V);
  for (let i = 0; i < logits.length; i++) logits[i] = 3 * gaussian(random);
  // Row 2 at layer 1: huge logits (the shift must move); row 4 at layer 0: a tie for the top.
  for (let v = 0; v < V; v++) logits[(1 * rows + 2) * V + v] += 900;
  logits[(0 * rows + 4) * V + 10] = 50;
  logits[(0 * rows + 4) * V + 20] = 50;
  const targets = Int32Array.from([0, 7, 300, 150, 20]);
  const reducer = layerChunkReducer(3, kind === 'wasm');
  assert.equal(reducer.kind, kind);
  const m = reducer.reduce(logits, layers, V, targets);
  assert.equal(m.layers, layers);
  assert.equal(m.rows, rows);
  for (let l = 0; l < layers; l++) {
    for (let r = 0; r < rows; r++) {
      const cell = l * rows + r;
      const row = logits.subarray(cell * V, (cell + 1) * V);
      const final = logits.subarray(((layers - 1) * rows + r) * V, ((layers - 1) * rows + r + 1) * V);
      const want = direct(row, final, targets[r]);
      assert.ok(Math.abs(m.nll[cell] - want.nll) < tol, `nll ${l},${r}: ${m.nll[cell]} vs ${want.nll}`);
      assert.ok(Math.abs(m.entropy[cell] - want.entropy) < tol, `entropy ${l},${r}: ${m.entropy[cell]} vs ${want.entropy}`);
      assert.ok(Math.abs(m.klToFinal[cell] - (l === layers - 1 ? 0 : want.kl)) < tol, `kl ${l},${r}: ${m.klToFinal[cell]} vs ${want.kl}`);
      assert.equal(m.rank[cell], want.rank);
      assert.deepEqual(Array.from(m.topIds.subarray(cell * 3, cell * 3 + 3)), want.top, `top ${l},${r}`);
    }
  }
  assert.deepEqual(Array.from(m.topIds.subarray((0 * rows + 4) * 3, (0 * rows + 4) * 3 + 2)), [10, 20], 'ties: lower id first');
  assert.equal(m.klToFinal[(layers - 1) * rows], 0);
});

test(`${kind} reduction: a non-finite row gives NaN metrics at its layer, and NaN KL at every layer when the final row is not finite`, () => {
  const layers = 3;
  const rows = 2;
  const V = 8;
  const logits = new Float32Array(layers * rows * V).map((_, i) => (i % 7) - 3);
  logits[(0 * rows + 0) * V + 3] = NaN; // layer 0, token 0
  logits[(2 * rows + 1) * V + 5] = Infinity; // final layer, token 1
  const m = layerChunkReducer(2, kind === 'wasm').reduce(logits, layers, V, Int32Array.from([1, 2]));
  assert.ok(Number.isNaN(m.nll[0]) && Number.isNaN(m.entropy[0]) && Number.isNaN(m.klToFinal[0]));
  assert.equal(m.rank[0], -1);
  assert.deepEqual(Array.from(m.topIds.subarray(0, 2)), [-1, -1]);
  assert.ok(Number.isFinite(m.nll[1 * rows + 0]) && Number.isFinite(m.klToFinal[1 * rows + 0]));
  for (let l = 0; l < layers; l++) assert.ok(Number.isNaN(m.klToFinal[l * rows + 1]), `layer ${l} token 1`);
  assert.ok(Number.isFinite(m.nll[1 * rows + 1]), 'layer 1 of token 1 itself is finite');
  // -Infinity is not finite either (as in the token reduction).
  const minus = new Float32Array(2 * 1 * V).fill(1);
  minus[3] = -Infinity;
  const n = layerChunkReducer(2, kind === 'wasm').reduce(minus, 2, V, Int32Array.from([0]));
  assert.ok(Number.isNaN(n.nll[0]) && Number.isFinite(n.nll[1]));
});

test(`${kind} reduction: a vocabulary narrower than k pads the top list with -1`, () => {
  const m = layerChunkReducer(5, kind === 'wasm').reduce(Float32Array.from([1, 3, 2, 0, 5, 4]), 2, 3, Int32Array.from([2]));
  assert.deepEqual(Array.from(m.topIds.subarray(0, 5)), [1, 2, 0, -1, -1]);
  assert.deepEqual(Array.from(m.topIds.subarray(5, 10)), [1, 2, 0, -1, -1]);
  assert.equal(m.rank[0], 2);
  assert.ok(Math.abs(m.topProbs[0] + m.topProbs[1] + m.topProbs[2] - 1) < 1e-6);
});
}

test('prediction depth: the first layer from which the top-1 stays the final one', () => {
  // 4 layers (0..3) × 5 tokens, layer-major.
  const top1 = Int32Array.from([
    7, 1, 5, 9, 4, // layer 0
    7, 2, 5, 9, -1, // layer 1
    7, 3, 6, 9, 4, // layer 2
    7, 3, 5, 8, 4, // layer 3 (final)
  ]);
  assert.deepEqual(Array.from(predictionDepth(top1, 4, 5)), [0, 2, 3, 3, -1]);
  assert.deepEqual(Array.from(predictionDepth(Int32Array.from([3, -1]), 1, 2)), [0, -1]);
});

test('LayerTable places chunks by document index and refuses chunks outside its range', () => {
  const table = new LayerTable(2, 10, 4, 1);
  const chunk = (rows: number, base: number) => ({
    layers: 2, rows, k: 1,
    nll: Float64Array.from({ length: 2 * rows }, (_, i) => base + i), entropy: new Float64Array(2 * rows), klToFinal: new Float64Array(2 * rows),
    rank: Int32Array.from({ length: 2 * rows }, (_, i) => base + i), topIds: Int32Array.from({ length: 2 * rows }, (_, i) => base + i), topProbs: new Float64Array(2 * rows),
  });
  table.place(10, chunk(3, 0));
  table.place(13, chunk(1, 100));
  assert.throws(() => table.place(14, chunk(1, 0)), /outside 10\.\.14/);
  const lens = table.finish();
  assert.deepEqual(Array.from(lens.nll), [0, 1, 2, 100, 3, 4, 5, 101]);
  assert.deepEqual(Array.from(lens.top1), [0, 1, 2, 100, 3, 4, 5, 101]);
  assert.deepEqual(lens.labels, ['embedding', 'block 1']);
});
