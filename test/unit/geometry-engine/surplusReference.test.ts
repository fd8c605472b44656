/**
 * Surplus B (short runs on [prefix, u], asked for with `contextAblation`) and A2 (branch look-ahead through the KV cache) through the
 * real engine and ONNX Runtime on the gpt2-bytelevel fixture, against the float64 PyTorch values of
 * tools/fixtures_surplus.py: the default 64/32 windows on the long text and 16/8 sliding windows on
 * a short one, with every branchable position sampled (S = all), so the sampling is not in play.
 * The graph computes in float32: agreement to 1e-4 nats.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { LanguageModelEngine } from '../../../src/model/api';
import { openModel } from '../../../src/model/client/openModel';

const fixtures = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures');
const TOL = 1e-4;

interface SurplusCase {
  case: string;
  window: number;
  stride: number;
  tokens: number;
  B: { values: Array<number | null>; mean: number };
  A2: { value: number; conditionalEntropy: number; mixtureEntropy: number; cap: number; positions: number; candidates: number; coveredMass: number; minCoveredMass: number; distinctCandidates: number };
}

const reference = JSON.parse(readFileSync(join(fixtures, 'surplus', 'gpt2-bytelevel.json'), 'utf8')) as { cases: SurplusCase[] };
const texts = new Map((JSON.parse(readFileSync(join(fixtures, 'reference', 'gpt2-bytelevel.json'), 'utf8')) as { cases: Array<{ name: string; text: string }> }).cases.map(c => [c.name, c.text]));

let engine: LanguageModelEngine;
before(async () => { engine = await openModel(join(fixtures, 'models', 'gpt2-bytelevel'), { intraOpThreads: 1 }); });
after(async () => { await engine.dispose(); });

const close = (got: number, want: number, what: string) => assert.ok(Math.abs(got - want) <= TOL, `${what}: ${got} vs ${want}`);

for (const ref of reference.cases) {
  test(`${ref.case} ${ref.window}/${ref.stride}: B per token and A2 match the float64 reference`, async () => {
    const a = await engine.analyze({ text: texts.get(ref.case)!, topK: 10, window: ref.window, stride: ref.stride, geometry: { eigenpairs: 2, shifts: 0, deepSurplus: 4096, contextAblation: true } });
    assert.equal(a.tokens.length, ref.tokens);
    const g = a.geometry!;
    a.tokens.forEach((t, i) => {
      const want = ref.B.values[i];
      const got = t.contextAblationBHeuristic as number | null;
      if (want === null) assert.equal(got, null, `token ${i} has no token after it`);
      else close(got!, want, `B at token ${i}`);
    });
    assert.ok(g.surplus.B, 'B is reported');
    close(g.surplus.B.mean!, ref.B.mean, 'mean B');
    assert.equal(g.surplus.B.provenance, 'heuristic');
    const ci = g.surplus.B.ci as number[];
    assert.ok(ci[0] <= g.surplus.B.mean! && g.surplus.B.mean! <= ci[1], `CI ${ci} holds the mean`);

    const A2 = g.surplus.A2!;
    assert.ok(A2, `A2 is reported (${g.views.deepSurplus?.message})`);
    assert.equal(g.views.deepSurplus?.on, true);
    assert.equal(A2.positions, ref.A2.positions);
    assert.equal(A2.candidates, ref.A2.candidates);
    assert.equal(A2.distinctCandidates, ref.A2.distinctCandidates);
    assert.equal(A2.provenance, 'model-defined');
    close(A2.value, ref.A2.value, 'A2');
    close(A2.conditionalEntropy, ref.A2.conditionalEntropy, "H(W'|H,W)");
    close(A2.mixtureEntropy, ref.A2.mixtureEntropy, "H(W'|W)");
    close(A2.coveredMass, ref.A2.coveredMass, 'covered mass');
    close(A2.minCoveredMass, ref.A2.minCoveredMass, 'min covered mass');
    assert.ok(Math.abs(A2.cap - ref.A2.cap) < 1e-12);
    assert.ok(A2.value <= A2.cap);
    // One decode step of batch k_b per sampled position; the short runs cover each distinct token once.
    assert.equal(g.surplusCost!.a2BranchRuns, ref.A2.positions);
    assert.equal(g.surplusCost!.bRuns, Math.ceil(g.surplusCost!.bDistinctTokens / 64));
    assert.ok(g.surplusCost!.bDistinctTokens > 0);
    assert.equal(g.options.contextAblation, true);
  });
}

test('A2 samples S positions with the seed: same seed same figure, S fixed, another seed another sample', async () => {
  const text = texts.get('long')!;
  const run = (seed: number) => engine.analyze({ text, topK: 10, geometry: { eigenpairs: 2, shifts: 0, deepSurplus: 16, seed } });
  const [a, b, c] = [await run(4), await run(4), await run(5)];
  assert.equal(a.geometry!.surplus.A2!.positions, 16);
  assert.equal(a.geometry!.surplus.A2!.cap, Math.log(16));
  assert.equal(a.geometry!.surplus.A2!.value, b.geometry!.surplus.A2!.value);
  assert.notEqual(a.geometry!.surplus.A2!.value, c.geometry!.surplus.A2!.value);
  // Without the options there are no branch runs and no A2, and no short runs and no B (both default off).
  const plain = await engine.analyze({ text, topK: 10, geometry: { eigenpairs: 2, shifts: 0 } });
  assert.equal(plain.geometry!.surplus.A2, null);
  assert.equal(plain.geometry!.surplusCost!.a2BranchRuns, 0);
  assert.equal(plain.geometry!.views.deepSurplus, undefined);
  assert.equal(plain.geometry!.surplus.B, null);
  assert.equal(plain.geometry!.perToken.contextAblationB, null);
  assert.equal(plain.geometry!.surplusCost!.bRuns, 0);
  assert.equal(plain.geometry!.surplusCost!.bDistinctTokens, 0);
  assert.equal(plain.geometry!.timings.surplusBMs, 0);
  assert.equal(plain.geometry!.options.contextAblation, false);
  assert.ok(plain.tokens.every(t => t.contextAblationBHeuristic === undefined));
  assert.ok(plain.geometry!.surplus.C1, 'C1 needs no extra runs and stays on');
  // The branches run beside the analysis and change none of its numbers.
  assert.deepEqual(plain.tokens.map(t => t.nll), a.tokens.map(t => t.nll));
});

test('nan-logits: sampled positions whose p_t or branch rows are not finite are counted as skipped, never averaged in', async () => {
  const nan = await openModel(join(fixtures, 'models', 'nan-logits'), { intraOpThreads: 1 });
  try {
    const a = await nan.analyze({ text: texts.get('long')!, topK: 10, geometry: { eigenpairs: 2, shifts: 0, deepSurplus: 32, contextAblation: true } });
    const A2 = a.geometry!.surplus.A2!;
    assert.ok(A2.skippedPositions > 0, 'the fixture has NaN rows');
    assert.equal(A2.positions + A2.skippedPositions, 32);
    assert.equal(A2.cap, Math.log(A2.positions));
    assert.ok(Number.isFinite(A2.value) && A2.value >= 0 && A2.value <= A2.cap);
    const B = a.geometry!.surplus.B!;
    assert.ok(Number.isFinite(B.mean!));
    assert.ok(a.tokens.some(t => t.contextAblationBHeuristic === null && t.index + 1 < a.tokens.length), 'a NaN short run leaves its tokens without B');
  } finally {
    await nan.dispose();
  }
});
