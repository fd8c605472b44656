import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { planWindows } from '../../../src/core/windows';
import { analyzeText } from '../../../src/model/run/analyzer';
import { HiddenCapture } from '../../../src/model/geometry/hiddenCapture';
import { disposeModel, loadModel } from '../../../src/model/load/loader';
import type { RunObserver, WindowRun } from '../../../src/model/run/observers';
import { InlineReducer } from '../../../src/model/run/reducers';
import { TokenReduction } from '../../../src/model/run/tokenReduction';
import { firstStepFeeds, toFloat32 } from '../onnx/ortHelpers';

// Runs of a 6-token document with window 4, stride 2: positions [0, 4) then [2, 6), the second
// counting only rows 4 and 5. π̄ and log p(x_{t+2}) come from the reduction of each run's scored
// rows (the capture is the reduction's extras sink); they are checked against float64 softmaxes of
// the same float32 rows.
const V = 3;
const d = 2;
const rows: number[][] = [[0.2, 0.3, 0.5], [NaN, NaN, NaN], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8], [0.25, 0.25, 0.5], [0.9, 0.05, 0.05]];
const runs = [[0, 1, 2, 3], [2, 3, 4, 5]];
const ids = Int32Array.from([9, 0, 1, 2, 0, 1, 2]); // the prefix token, then 6 document ids
const plan = { ids, documentTokens: 6, windows: planWindows(7, 4, 2), window: 4, stride: 2 };

function tensor(values: number[], n: number, width: number) {
  return new Tensor('float32', Float32Array.from(values), [1, n, width]);
}

/** What the scorer tells observers about run `r` of the stand-in: logits log p and hidden (p, −p). */
function standInRun(r: number, withHidden = true): WindowRun {
  const positions = runs[r];
  const n = positions.length;
  const logits = tensor(positions.flatMap(p => rows[p]).map(x => Math.log(x)), n, V);
  const window = plan.windows[r];
  return {
    window, windowIndex: r, from: positions[0], to: positions[0] + n, firstTarget: window.firstTarget, ids,
    logits: logits.data as Float32Array, width: V,
    outputs: withHidden ? { logits, hidden: tensor(positions.flatMap(p => [p, -p]), n, d) } : { logits },
    runner: { run: () => Promise.reject(new Error('the stand-in makes no runs of its own')), runCompanion: () => Promise.reject(new Error('the stand-in makes no runs of its own')) },
  };
}

/** softmax of the float32 logits row of document position p, in float64. */
function softmax64(p: number): number[] {
  const row = Array.from(Float32Array.from(rows[p].map(x => Math.log(x))));
  const max = Math.max(...row);
  const e = row.map(x => Math.exp(x - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map(x => x / s);
}

/** |got − want| ≤ tolerance·|want| (+ a floor), NaN only where NaN is wanted. */
function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    const ok = Object.is(got[i], want[i]) || Math.abs(got[i] - want[i]) <= tolerance * Math.abs(want[i]) + 1e-300;
    assert.ok(ok, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

test('the reduction extras give π̄ and log p(x_{t+2}) of float64 softmaxes; a NaN row counts nowhere', async () => {
  const capture = new HiddenCapture('hidden', d, V);
  const reduction = new TokenReduction(new InlineReducer(), 1, capture);
  capture.begin(plan);
  for (let r = 0; r < runs.length; r++) {
    const run = standInRun(r);
    capture.observe(run);
    await reduction.observe(run);
    await reduction.windowMetrics(r);
  }
  const expected = new Float64Array(V);
  for (const p of [0, 2, 3, 4, 5]) softmax64(p).forEach((x, i) => { expected[i] += x; });
  assert.equal(capture.finiteRows, 5);
  // p comes from the metrics' own sums (exp to 1e-13 relative).
  assertClose(capture.meanDistribution(), Array.from(expected, x => x / 5), 1e-9, 'π̄');
  const c1 = Array.from({ length: 6 }, (_, t) => (t === 5 || t === 1 ? NaN : Math.log(softmax64(t)[ids[t + 2]])));
  assertClose(capture.afterNextLogProb, c1, 1e-9, 'log p(x_{t+2})');
  assert.deepEqual(Array.from(capture.hidden), [0, -0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5]);
  assert.equal(capture.checkRows, 4, 'head-check rows come from finite rows only');
});

test('a run without the hidden-state output, or a reduction without the sums, is refused, naming the problem', async () => {
  const capture = new HiddenCapture('hidden', d, V);
  capture.begin(plan);
  assert.throws(() => capture.observe(standInRun(0, false)), /did not return 'hidden'/);
  const plain = await (await new InlineReducer().submit(new Float32Array(2 * V), V, Int32Array.from([0, 1]), 1)).result;
  assert.throws(() => capture.add(0, plain), /did not return the probability sums/);
});

/**
 * One analysis of `text` through a capture on `session` with the model's own reducer (the reduction
 * thread on a machine with a core to spare), window 24, stride 10, 5-token chunks: several windows,
 * context-only rows and partly counted runs. Every run's logits are recorded as the capture saw them.
 */
async function captureWithRecordedLogits(model: Awaited<ReturnType<typeof loadModel>>, text: string) {
  const capture = new HiddenCapture(model.graph.hiddenOutput, model.info.hiddenSize, model.logitsWidth);
  const recorded: Float32Array[] = [];
  const recording: RunObserver = { observe: run => { recorded.push(Float32Array.from(run.logits.subarray(0, (run.to - run.from) * run.width))); } };
  let fed: Int32Array = new Int32Array(0);
  await analyzeText(model, { text, topK: 1, window: 24, stride: 10, chunk: 5 }, {
    started: (_scoring, _tokens, _ms, ids) => { fed = ids; },
    batch: () => undefined, progress: () => undefined, cancelled: () => false,
  }, { observers: [capture, recording], reductionExtras: capture });
  return { capture, recorded, fed };
}

/** π̄ and log p(x_{t+2}) in float64 from the recorded runs, replaying the window plan. */
function referenceSums(recorded: Float32Array[], fed: Int32Array, W: number) {
  const T = fed.length - 1;
  const mean = new Float64Array(W);
  const afterNext = new Float64Array(T).fill(NaN);
  let run = 0;
  for (const w of planWindows(T + 1, 24, 10)) {
    for (let from = w.start; from < w.end; from += 5, run++) {
      const logits = recorded[run];
      for (let j = Math.max(from, w.firstTarget - 1); j < Math.min(from + 5, w.end); j++) {
        const row = logits.subarray((j - from) * W, (j - from + 1) * W);
        let max = -Infinity;
        for (const x of row) max = Math.max(max, x);
        let z = 0;
        for (const x of row) z += Math.exp(x - max);
        for (let i = 0; i < W; i++) mean[i] += Math.exp(row[i] - max) / z / T;
        if (j + 2 < fed.length) afterNext[j] = row[fed[j + 2]] - max - Math.log(z);
      }
    }
  }
  assert.equal(run, recorded.length, 'every run replayed');
  return { mean, afterNext };
}

test('gpt2-bytelevel through ONNX Runtime: π̄ and log p(x_{t+2}) equal float64 softmaxes of the logits, and of direct runs', async () => {
  const dir = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'models', 'gpt2-bytelevel');
  const model = await loadModel(dir, { intraOpThreads: 1 });
  const reference = await InferenceSession.create(join(dir, 'model.onnx'), { logSeverityLevel: 3 });
  try {
    assert.ok(model.graph.hiddenOutput, 'the hidden state is exposed');
    const { capture, recorded, fed } = await captureWithRecordedLogits(model, 'The reduction sums the probability rows of each run; the capture adds the sums in float64.');
    const T = fed.length - 1;
    const W = model.logitsWidth;
    const { mean, afterNext } = referenceSums(recorded, fed, W);
    assert.equal(capture.finiteRows, T);
    assertClose(capture.meanDistribution(), mean, 1e-9, 'π̄');
    assertClose(capture.afterNextLogProb, afterNext, 1e-9, 'log p(x_{t+2})');
    // The session with the hidden state exposed gives the original graph's logits: one window run directly agrees.
    const w = planWindows(T + 1, 24, 10)[0];
    const direct = (await reference.run(firstStepFeeds(reference, Array.from(fed.subarray(w.start, w.end)))))[model.signature.logitsName] as Tensor;
    const ours = recorded.slice(0, Math.ceil((w.end - w.start) / 5));
    const directRows = toFloat32(direct);
    ours.forEach((logits, i) => {
      for (let x = 0; x < logits.length; x++) assert.ok(Math.abs(logits[x] - directRows[i * 5 * W + x]) <= 1e-4, `run ${i} logit ${x}`);
    });
  } finally {
    await reference.release();
    await disposeModel(model);
  }
});

for (const name of ['gpt2-fp16', 'llama-metaspace', 'gpt2-tjs']) {
  test(`${name}: π̄ and log p(x_{t+2}) from the reduction equal float64 softmaxes of the logits each run returned`, async () => {
    const model = await loadModel(join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'models', name), { intraOpThreads: 1 });
    try {
      const { capture, recorded, fed } = await captureWithRecordedLogits(model, 'Every fixture: fp16 logits, external data, the transformers.js layout.');
      const { mean, afterNext } = referenceSums(recorded, fed, model.logitsWidth);
      assert.equal(capture.finiteRows, fed.length - 1);
      assertClose(capture.meanDistribution(), mean, 1e-9, 'π̄');
      assertClose(capture.afterNextLogProb, afterNext, 1e-9, 'log p(x_{t+2})');
    } finally {
      await disposeModel(model);
    }
  });
}
