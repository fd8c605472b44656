import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InferenceSession } from 'onnxruntime-node';
import { HiddenCapture } from '../../../src/model/hiddenCapture';

// Runs of a 6-token document with window 4, stride 2: positions [0, 4) then [2, 6), the second
// counting only rows 4 and 5. The capture's arithmetic is checked against a float64 sum of the
// same float32 rows; the "session" just hands back fixed tensors in the window plan's order.
const V = 3;
const d = 2;
const rows: number[][] = [[0.2, 0.3, 0.5], [NaN, NaN, NaN], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8], [0.25, 0.25, 0.5], [0.9, 0.05, 0.05]];
const runs = [[0, 1, 2, 3], [2, 3, 4, 5]];

function tensor(values: number[], n: number, width: number) {
  return { dims: [1, n, width], data: Float32Array.from(values) };
}

test('π̄ is the float64 mean of the finite counted rows; a NaN row mid-run is dropped exactly', async () => {
  const capture = new HiddenCapture('hidden', 'logits', d, V, 'probs');
  let call = 0;
  const session = {
    run: async () => {
      const positions = runs[call++];
      const probs = positions.flatMap(p => rows[p]);
      return {
        logits: tensor(probs.map(x => Math.log(x)), positions.length, V),
        probs: tensor(probs, positions.length, V),
        hidden: tensor(positions.flatMap(p => [p, -p]), positions.length, d),
      };
    },
  } as unknown as InferenceSession;
  const ids = Int32Array.from([9, 0, 1, 2, 0, 1, 2]); // the prefix token, then 6 document ids
  capture.start(6, 4, 2, ids);
  const wrapped = capture.wrap(session);
  await wrapped.run({});
  await wrapped.run({});
  const expected = new Float64Array(V);
  let finite = 0;
  for (const row of rows) {
    if (!row.every(Number.isFinite)) continue;
    finite++;
    row.forEach((x, i) => { expected[i] += Math.fround(x); });
  }
  assert.equal(capture.finiteRows, finite);
  const mean = capture.meanDistribution();
  for (let i = 0; i < V; i++) assert.ok(Math.abs(mean[i] - expected[i] / finite) <= 1e-15, `π̄[${i}] ${mean[i]} vs ${expected[i] / finite}`);
  // C1's input: log p_t(x_{t+2}) from row t (the token after the one row t predicts), NaN for the
  // NaN row and for the last token, which has no token after it.
  for (let t = 0; t < 6; t++) {
    const want = t === 5 || !rows[t].every(Number.isFinite) ? NaN : Math.log(Math.fround(rows[t][ids[t + 2]]));
    assert.ok(Object.is(capture.afterNextLogProb[t], want) || Math.abs(capture.afterNextLogProb[t] - want) <= 1e-15, `t=${t}: ${capture.afterNextLogProb[t]} vs ${want}`);
  }
  assert.deepEqual(Array.from(capture.hidden), [0, -0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5]);
  assert.equal(capture.checkRows, 4, 'head-check rows come from finite rows only');
});
