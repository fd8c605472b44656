/**
 * The spectrum panel's surplus figures (webview/spectrum/surplus.ts) from a real core result: A1
 * always, A2 when the deep option ran (else "not computed" with the reason), B (when its option ran,
 * else "not computed" and how to turn it on) and C1 means with their intervals, each captioned with
 * its provenance from the result.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeGeometry } from '../../../src/core/geometry';
import { seededRandom } from '../../../src/core/geometry/random';
import { surplusA2 } from '../../../src/core/geometry/surplusA2';
import { surplusRows } from '../../../webview/spectrum/surplus';
import { syntheticDocument } from './reference';

test('surplus rows: A1, A2 (model-defined) when run, B and C1 means ± CI (heuristic)', () => {
  const T = 48;
  const doc = syntheticDocument(T, 12, 4, seededRandom(2));
  const ablated = Float64Array.from({ length: T }, (_, t) => -2 - (t % 5) / 5);
  const afterNext = Float64Array.from({ length: T }, (_, t) => (t + 1 < T ? -1.5 - (t % 3) / 3 : NaN));
  const A2 = surplusA2(3, [
    { ids: [0], probs: [0.5], logits: [0, -50, -50] },
    { ids: [0], probs: [0.9], logits: [-50, 0, -50] },
  ])!;
  const base = { ...doc.input, ablatedLogProb: ablated, afterNextLogProb: afterNext };
  const g = computeGeometry({ ...base, surplusA2: A2 }, { eigenpairs: 2, shifts: 0 });
  const rows = surplusRows(g);
  assert.deepEqual(rows.map(r => r.key), ['A1', 'A2', 'B', 'C1']);
  const [a1, a2, b, c1] = rows;
  assert.equal(a1.provenance, 'model-defined');
  assert.equal(a1.value, g.surplus.A1.value);
  assert.equal(a2.provenance, 'model-defined');
  assert.equal(a2.value, A2.value);
  assert.ok(Math.abs(A2.value - Math.log(2)) < 1e-12);
  assert.match(a2.note, /S = 2 sampled positions, top 1 candidates/);
  assert.equal(b.provenance, 'heuristic');
  assert.equal(c1.provenance, 'heuristic');
  assert.equal(b.value, g.surplus.B!.mean);
  assert.deepEqual(b.ci, g.surplus.B!.ci);
  assert.match(b.text, /nats \(.* bits\), 95% CI \[/);

  const without = surplusRows(computeGeometry(base, { eigenpairs: 2, shifts: 0 }));
  assert.equal(without[1].value, null);
  assert.equal(without[1].text, 'not computed');
  assert.match(without[1].note, /markovLens\.geometry\.deepSurplus/);
  const failed = surplusRows({ ...computeGeometry(base, { eigenpairs: 2, shifts: 0 }), views: { deepSurplus: { on: false, message: 'surplus A2: the branch runs failed: boom' } } as never });
  assert.match(failed[1].note, /branch runs failed: boom/);

  // B off (no short runs, the default): a "not computed" row saying how to turn it on; C1 unchanged.
  const noB = surplusRows(computeGeometry({ ...base, ablatedLogProb: undefined }, { eigenpairs: 2, shifts: 0 }));
  assert.deepEqual(noB.map(r => r.key), ['A1', 'A2', 'B', 'C1']);
  assert.equal(noB[2].value, null);
  assert.equal(noB[2].ci, null);
  assert.equal(noB[2].text, 'not computed');
  assert.equal(noB[2].provenance, 'heuristic');
  assert.match(noB[2].note, /markovLens\.geometry\.contextAblation/);
  assert.equal(noB[3].value, c1.value, 'C1 does not depend on B');
});
