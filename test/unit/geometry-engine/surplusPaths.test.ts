/**
 * The surplus runs on the hand-written tiny model (test/unit/engine/tinyOnnx.ts), whose float64
 * logits are known in closed form and whose cache and position ids are load-bearing: B's short runs
 * and A2's branches give the reference values with a KV cache (branches cut from mid-window chunk
 * presents), without one (full re-runs), and on a session that refuses batches above 1.
 */
import assert from 'node:assert/strict';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { test } from 'node:test';
import { logSoftmax, surplusA2, topCandidates, type BranchPosition } from '../../../src/core/geometry/surplusA2';
import { planWindows } from '../../../src/core/windows';
import { analyzeText } from '../../../src/model/run/analyzer';
import { BranchLookahead, branchablePositions } from '../../../src/model/geometry/branchLookahead';
import { type LoadedModel } from '../../../src/model/load/loader';
import { ablatedLogProbs } from '../../../src/model/geometry/surplusRuns';
import { WindowScorer } from '../../../src/model/run/scorer';
import { referenceLogits, type TinySpec } from '../engine/tinyOnnx';
import { tinyModelLoader } from '../engine/tinyModels';

const spec: TinySpec = { vocab: 23, dim: 6, positions: 64 };
const text = 'the cat sat on the mat; 42 dogs! a cat.';
const WINDOW = 12;
const STRIDE = 5;
const { load } = tinyModelLoader('ml-surplus-paths-', spec.vocab);

/** A session that, like a graph exported with a static batch of 1, refuses more rows. */
function batchOfOne(session: InferenceSession): InferenceSession {
  const run = (feeds: InferenceSession.FeedsType, fetches?: string[]) => {
    if (Object.values(feeds).some(t => (t as Tensor).dims.length > 1 && Number((t as Tensor).dims[0]) > 1)) return Promise.reject(new Error('Got invalid dimensions for input: input_ids'));
    return fetches ? session.run(feeds, fetches) : session.run(feeds);
  };
  return new Proxy(session, { get: (target, key) => (key === 'run' ? run : Reflect.get(target, key)) });
}

function lastLogProbs(ids: number[]): Float64Array {
  const rows = referenceLogits(spec, ids);
  const out = new Float64Array(spec.vocab);
  logSoftmax(rows[rows.length - 1], 0, spec.vocab, out);
  return out;
}

/** A2 from the float64 model on every branchable position of the plan. */
function referenceA2(ids: Int32Array): ReturnType<typeof surplusA2> {
  const T = ids.length - 1;
  const plan = planWindows(T + 1, WINDOW, STRIDE);
  const positions: BranchPosition[] = branchablePositions(plan, WINDOW).map(j => {
    const w = plan.find(x => x.firstTarget <= j + 1 && j + 1 <= x.lastTarget)!;
    const context = Array.from(ids.subarray(w.start, j + 1));
    const rows = referenceLogits(spec, context);
    const top = topCandidates(rows[rows.length - 1], 0, spec.vocab, 8)!;
    const logits = new Float64Array(top.ids.length * spec.vocab);
    top.ids.forEach((c, i) => logits.set(referenceLogits(spec, [...context, c]).at(-1)!, i * spec.vocab));
    return { ids: top.ids, probs: top.probs, logits };
  });
  return surplusA2(spec.vocab, positions);
}

/** One analysis of `text` on `session` with the branches observing its runs (and running theirs on it). */
async function runWithBranches(model: LoadedModel, session: InferenceSession): Promise<{ branch: BranchLookahead; ids: Int32Array }> {
  const branch = new BranchLookahead(model.signature, spec.vocab, 1000);
  let ids: Int32Array = new Int32Array(0);
  await analyzeText({ ...model, session }, { text, topK: 3, window: WINDOW, stride: STRIDE, chunk: 4 }, {
    started: (_scoring, _tokens, _ms, fed) => { ids = fed; },
    batch: () => undefined, progress: () => undefined, cancelled: () => false,
  }, { observers: [branch] });
  return { branch, ids };
}

for (const cache of [true, false]) {
  test(`${cache ? 'with' : 'without'} a KV cache: B and A2 equal the float64 closed form`, async () => {
    const model = await load(cache ? 'cache' : 'nocache', { ...spec, cache });
    assert.equal(model.signature.past.length > 0, cache);
    for (const [rows, session] of [[8, model.session], [1, batchOfOne(model.session)]] as const) {
      const { branch, ids } = await runWithBranches(model, session);
      assert.equal(branch.failure, undefined);
      const got = branch.result()!;
      assert.equal(branch.branchRuns, got.positions * (8 / rows), `${rows} row(s) per branch run`);
      const want = referenceA2(ids)!;
      assert.equal(got.positions, want.positions);
      assert.ok(got.positions > 20 && got.positions < ids.length - 1, `${got.positions} positions: each full window's last one left out`);
      assert.ok(Math.abs(got.value - want.value) < 1e-5, `A2 ${got.value} vs ${want.value}`);
      assert.ok(Math.abs(got.conditionalEntropy - want.conditionalEntropy) < 1e-5);
      assert.ok(Math.abs(got.coveredMass - want.coveredMass) < 1e-6);
      assert.ok(got.value > 0);

      const b = await ablatedLogProbs(new WindowScorer(session, model.signature), model.signature, ids, spec.vocab, 4);
      const T = ids.length - 1;
      for (let t = 0; t + 1 < T; t++) {
        const want = lastLogProbs([ids[0], ids[t + 1]])[ids[t + 2]];
        assert.ok(Math.abs(b.values[t] - want) < 1e-5, `B term at ${t}: ${b.values[t]} vs ${want}`);
      }
      assert.ok(Number.isNaN(b.values[T - 1]));
      assert.equal(b.distinctTokens, new Set(ids.subarray(1, T)).size);
      assert.equal(b.runs, Math.ceil(b.distinctTokens / (rows === 8 ? 4 : 1)));
    }
  });
}
