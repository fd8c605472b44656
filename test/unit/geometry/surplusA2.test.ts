/**
 * Surplus A2's formula (core/geometry/surplusA2.ts) against a direct float64 evaluation of the
 * paper-spec §4.11 sums, its two limits (0 when every branch gives the same q; log S when each
 * position's branch is a point mass of its own), and the candidate selection.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gaussian, seededRandom, type RandomFn } from '../../../src/core/geometry/random';
import { surplusA2, SurplusA2Accumulator, topCandidates, type BranchPosition } from '../../../src/core/geometry/surplusA2';

function softmax(row: ArrayLike<number>): number[] {
  const max = Math.max(...Array.from(row));
  const e = Array.from(row, z => Math.exp(z - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map(x => x / s);
}

const entropy = (q: number[]) => -q.reduce((a, x) => a + (x > 0 ? x * Math.log(x) : 0), 0);

/** S positions, k candidates each drawn (with repeats across positions) from a small id pool. */
function randomPositions(S: number, k: number, V: number, pool: number, random: RandomFn): BranchPosition[] {
  return Array.from({ length: S }, () => {
    const ids: number[] = [];
    while (ids.length < k) {
      const id = Math.floor(random() * pool);
      if (!ids.includes(id)) ids.push(id);
    }
    const probs = ids.map(() => 0.02 + random() / k);
    const logits = Float32Array.from({ length: k * V }, () => 2 * gaussian(random));
    return { ids, probs, logits };
  });
}

/** The spec's sums written out directly (no accumulation, no shared helper). */
function directA2(V: number, positions: BranchPosition[]): { value: number; conditional: number; mixture: number } {
  const S = positions.length;
  let conditional = 0;
  const pi = new Map<number, number>();
  const mix = new Map<number, number[]>();
  for (const p of positions) {
    const covered = Array.from(p.probs).reduce((a, b) => a + b, 0);
    Array.from(p.ids).forEach((w, i) => {
      const weight = p.probs[i] / covered;
      const q = softmax(Array.from({ length: V }, (_, v) => p.logits[i * V + v]));
      conditional += weight * entropy(q) / S;
      pi.set(w, (pi.get(w) ?? 0) + weight / S);
      const m = mix.get(w) ?? new Array<number>(V).fill(0);
      q.forEach((x, v) => { m[v] += weight * x; });
      mix.set(w, m);
    });
  }
  let mixture = 0;
  for (const [w, m] of mix) mixture += pi.get(w)! * entropy(m.map(x => x / (S * pi.get(w)!)));
  return { value: mixture - conditional, conditional, mixture };
}

test('A2 equals the direct float64 sums of paper-spec §4.11 and stays within [0, log S]', () => {
  const V = 30;
  const random = seededRandom(11);
  for (const [S, k, pool] of [[12, 4, 6], [40, 8, 20], [7, 3, 3]] as const) {
    const positions = randomPositions(S, k, V, pool, random);
    const got = surplusA2(V, positions)!;
    const want = directA2(V, positions);
    assert.ok(Math.abs(got.value - want.value) < 1e-12, `S ${S}: ${got.value} vs ${want.value}`);
    assert.ok(Math.abs(got.conditionalEntropy - want.conditional) < 1e-12);
    assert.ok(Math.abs(got.mixtureEntropy - want.mixture) < 1e-12);
    assert.ok(got.value > 0 && got.value <= Math.log(S), `${got.value} within (0, log ${S}]`);
    assert.equal(got.cap, Math.log(S));
    assert.equal(got.positions, S);
    assert.equal(got.candidates, k);
    assert.ok(got.distinctCandidates <= pool);
    const covered = positions.map(p => Array.from(p.probs).reduce((a, b) => a + b, 0));
    assert.ok(Math.abs(got.coveredMass - covered.reduce((a, b) => a + b, 0) / S) < 1e-12);
    assert.equal(got.minCoveredMass, Math.min(...covered));
    assert.equal(got.provenance, 'model-defined');
  }
});

test('A2 is 0 when every branch gives the same q_{t,w}', () => {
  const V = 25;
  const random = seededRandom(5);
  const row = Float32Array.from({ length: V }, () => gaussian(random));
  const positions = randomPositions(30, 5, V, 9, random).map(p => ({ ...p, logits: Float32Array.from({ length: 5 * V }, (_, i) => row[i % V]) }));
  const got = surplusA2(V, positions)!;
  assert.ok(Math.abs(got.mixtureEntropy - got.conditionalEntropy) < 1e-12);
  assert.ok(got.value < 1e-12);
  assert.ok(Math.abs(got.conditionalEntropy - entropy(softmax(row))) < 1e-12);
});

test('A2 reaches log S when one shared candidate leads each position to its own certain token', () => {
  const S = 16;
  const V = 20;
  // Logit gaps of 2000 make every other probability exactly 0 in float64.
  const positions = Array.from({ length: S }, (_, t) => ({ ids: [3], probs: [0.4], logits: Float32Array.from({ length: V }, (_, v) => (v === t ? 0 : -2000)) }));
  const got = surplusA2(V, positions)!;
  assert.ok(Math.abs(got.value - Math.log(S)) < 1e-12, `${got.value} vs log ${S}`);
  assert.equal(got.conditionalEntropy, 0);
  assert.ok(Math.abs(got.coveredMass - 0.4) < 1e-15);
});

test('a position with a non-finite branch row is skipped, not averaged in', () => {
  const V = 10;
  const positions = randomPositions(6, 3, V, 5, seededRandom(3));
  const acc = new SurplusA2Accumulator(V);
  positions.forEach(p => acc.addPosition(p.ids, p.probs, p.logits));
  const bad = Float32Array.from(positions[0].logits);
  bad[V + 2] = NaN;
  acc.addPosition(positions[0].ids, positions[0].probs, bad);
  const got = acc.result()!;
  assert.equal(got.positions, 6);
  assert.equal(got.skippedPositions, 1);
  assert.ok(Math.abs(got.value - surplusA2(V, positions)!.value) < 1e-15);
  assert.throws(() => acc.addPosition([1, 2], [0.5, 0.5], new Float32Array(V)), /branch logits/);
  assert.equal(new SurplusA2Accumulator(V).result(), null);
});

test('topCandidates: the k most probable ids of a row (ties to the lower id) with float64 probabilities', () => {
  const row = Float32Array.from([0.5, 2, -1, 2, 3, 0, 2.5, NaN].slice(0, 7));
  const top = topCandidates(row, 0, 7, 4)!;
  assert.deepEqual(Array.from(top.ids), [4, 6, 1, 3]);
  const p = softmax(row);
  Array.from(top.ids).forEach((id, i) => assert.ok(Math.abs(top.probs[i] - p[id]) < 1e-15));
  // Offsets address one row of a batch; a NaN row has no candidates.
  const two = Float32Array.from([...row, ...row.map(() => NaN)]);
  assert.deepEqual(Array.from(topCandidates(two, 0, 7, 2)!.ids), [4, 6]);
  assert.equal(topCandidates(two, 7, 7, 2), null);
});
