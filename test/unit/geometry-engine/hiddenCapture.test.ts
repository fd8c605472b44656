import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { planWindows } from '../../../src/core/windows';
import { analyzeText } from '../../../src/model/analyzer';
import { AFTER_NEXT_INPUT, AFTER_NEXT_OUTPUT, PROBABILITY_SUM_OUTPUT, ROW_WEIGHT_INPUT } from '../../../src/model/geometryGraph';
import { closeGeometrySession, openGeometrySession, withGeometryInputs } from '../../../src/model/geometrySession';
import { HiddenCapture } from '../../../src/model/hiddenCapture';
import { disposeModel, loadModel } from '../../../src/model/loader';
import { firstStepFeeds, toFloat32 } from '../onnx/ortHelpers';

// Runs of a 6-token document with window 4, stride 2: positions [0, 4) then [2, 6), the second
// counting only rows 4 and 5. The capture's arithmetic is checked against float64 sums of the same
// float32 rows. The stand-in for ONNX Runtime computes what the spliced nodes compute (Σ of the
// weighted rows in float32, p at the after-next id), so the real feeding proxy and capture run on it.
const V = 3;
const d = 2;
const rows: number[][] = [[0.2, 0.3, 0.5], [NaN, NaN, NaN], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8], [0.25, 0.25, 0.5], [0.9, 0.05, 0.05]];
const runs = [[0, 1, 2, 3], [2, 3, 4, 5]];
const ids = Int32Array.from([9, 0, 1, 2, 0, 1, 2]); // the prefix token, then 6 document ids

function tensor(values: number[], n: number, width: number) {
  return new Tensor('float32', Float32Array.from(values), [1, n, width]);
}

/** An ORT-like session over `rows`; `graph`: it also evaluates the spliced nodes from the fed inputs. */
function standIn(graph: boolean, seen: Array<Record<string, Tensor>>) {
  let call = 0;
  const inputNames = graph ? ['input_ids', ROW_WEIGHT_INPUT, AFTER_NEXT_INPUT] : ['input_ids'];
  return {
    inputNames,
    inputMetadata: inputNames.map(name => ({ name, isTensor: true })),
    run: async (feeds: Record<string, Tensor>, fetches?: string[]) => {
      seen.push(feeds);
      const positions = runs[call++];
      const n = positions.length;
      assert.deepEqual(feeds.input_ids.dims, [1, n]);
      const probs = positions.flatMap(p => rows[p]);
      const outputs: Record<string, Tensor> = {
        logits: tensor(probs.map(x => Math.log(x)), n, V),
        hidden: tensor(positions.flatMap(p => [p, -p]), n, d),
      };
      if (graph) {
        const p32 = Float32Array.from(probs);
        const weight = feeds[ROW_WEIGHT_INPUT].data as Float32Array;
        const after = feeds[AFTER_NEXT_INPUT].data as BigInt64Array;
        const sum = new Float64Array(V);
        for (let r = 0; r < n; r++) for (let i = 0; i < V; i++) sum[i] = Math.fround(sum[i] + weight[r] * p32[r * V + i]); // float32 MatMul
        outputs[PROBABILITY_SUM_OUTPUT] = new Tensor('float64', sum, [1, 1, V]);
        outputs[AFTER_NEXT_OUTPUT] = new Tensor('float32', Float32Array.from({ length: n }, (_, r) => p32[r * V + Number(after[r])]), [1, n, 1]);
      }
      return fetches ? Object.fromEntries(fetches.map(name => [name, outputs[name]])) : outputs;
    },
  } as unknown as InferenceSession;
}

/** softmax of the float32 logits row of document position p, in float64 (the JavaScript path). */
function jsSoftmax(p: number): number[] {
  const row = Array.from(Float32Array.from(rows[p].map(x => Math.log(x))));
  const max = Math.max(...row);
  const e = row.map(x => Math.exp(x - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map(x => x / s);
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    const ok = Object.is(got[i], want[i]) || Math.abs(got[i] - want[i]) <= tolerance;
    assert.ok(ok, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

test('in-graph π̄: the capture feeds row weights and after-next ids; a NaN row falls back to exact row sums for its run only', async () => {
  const seen: Array<Record<string, Tensor>> = [];
  const capture = new HiddenCapture('hidden', 'logits', d, V, PROBABILITY_SUM_OUTPUT);
  capture.start(6, 4, 2, ids);
  const wrapped = capture.wrap(withGeometryInputs(standIn(true, seen), 'input_ids'));
  await wrapped.run({ input_ids: new Tensor('int64', new BigInt64Array(4), [1, 4]) });
  await wrapped.run({ input_ids: new Tensor('int64', new BigInt64Array(4), [1, 4]) });
  // Window 1 counts every row; window 2 ([2, 6)) only rows 4 and 5; after-next ids are ids[j + 2] (0 past the end).
  assert.deepEqual(Array.from(seen[0][ROW_WEIGHT_INPUT].data as Float32Array), [1, 1, 1, 1]);
  assert.deepEqual(Array.from(seen[1][ROW_WEIGHT_INPUT].data as Float32Array), [0, 0, 1, 1]);
  assert.deepEqual(seen[1][ROW_WEIGHT_INPUT].dims, [1, 1, 4]);
  assert.deepEqual(Array.from(seen[1][AFTER_NEXT_INPUT].data as BigInt64Array, Number), [ids[4], ids[5], ids[6], 0]);
  // Run 1 holds the NaN row, so its finite rows are exponentiated in JS; run 2 uses the graph's sum.
  const expected = new Float64Array(V);
  for (const p of [0, 2, 3]) jsSoftmax(p).forEach((x, i) => { expected[i] += x; });
  const graphSum = rows[4].map((x, i) => Math.fround(Math.fround(x) + Math.fround(rows[5][i])));
  graphSum.forEach((x, i) => { expected[i] += x; });
  assert.equal(capture.finiteRows, 5);
  assertClose(capture.meanDistribution(), Array.from(expected, x => x / 5), 1e-15, 'π̄');
  // C1's input: log p_t(x_{t+2}) from the graph's float32 p (NaN for the NaN row and the last token).
  const c1 = Array.from({ length: 6 }, (_, t) => (t === 5 || t === 1 ? NaN : Math.log(Math.fround(rows[t][ids[t + 2]]))));
  assertClose(capture.afterNextLogProb, c1, 1e-15, 'log p(x_{t+2})');
  assert.deepEqual(Array.from(capture.hidden), [0, -0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5]);
  assert.equal(capture.checkRows, 4, 'head-check rows come from finite rows only');
});

for (const [how, graph, fetches] of [['an unspliced session', false, undefined], ['a caller fetching only logits and hidden', true, ['logits', 'hidden']]] as const) {
test(`without the in-graph sum (${how}) π̄ and log p(x_{t+2}) come from the logits rows in JS, exactly`, async () => {
  const capture = new HiddenCapture('hidden', 'logits', d, V, PROBABILITY_SUM_OUTPUT);
  capture.start(6, 4, 2, ids);
  const session = graph ? withGeometryInputs(standIn(true, []), 'input_ids') : standIn(false, []);
  const wrapped = capture.wrap(session);
  const run = (feeds: Record<string, Tensor>) => (fetches ? wrapped.run(feeds, [...fetches]) : wrapped.run(feeds));
  await run({ input_ids: new Tensor('int64', new BigInt64Array(4), [1, 4]) });
  await run({ input_ids: new Tensor('int64', new BigInt64Array(4), [1, 4]) });
  const expected = new Float64Array(V);
  for (const p of [0, 2, 3, 4, 5]) jsSoftmax(p).forEach((x, i) => { expected[i] += x; });
  assert.equal(capture.finiteRows, 5);
  assertClose(capture.meanDistribution(), Array.from(expected, x => x / 5), 1e-15, 'π̄');
  const c1 = Array.from({ length: 6 }, (_, t) => (t === 5 || t === 1 ? NaN : Math.log(jsSoftmax(t)[ids[t + 2]])));
  assertClose(capture.afterNextLogProb, c1, 1e-15, 'log p(x_{t+2})');
});
}

test('runs that bypass the capture get zero row weights; the geometry inputs are hidden from inputNames', async () => {
  const seen: Array<Record<string, Tensor>> = [];
  const session = withGeometryInputs(standIn(true, seen), 'input_ids');
  assert.deepEqual(session.inputNames, ['input_ids']);
  assert.deepEqual(session.inputMetadata.map(m => m.name), ['input_ids']);
  const out = await session.run({ input_ids: new Tensor('int64', new BigInt64Array(4), [1, 4]) });
  assert.deepEqual(Array.from(seen[0][ROW_WEIGHT_INPUT].data as Float32Array), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(seen[0][AFTER_NEXT_INPUT].data as BigInt64Array, Number), [0, 0, 0, 0]);
  assert.ok(out.logits, 'the run itself is unchanged');
});

test('gpt2-bytelevel through ONNX Runtime: the spliced sum gives π̄ and log p(x_{t+2}) of a float64 softmax of direct runs', async () => {
  // Window 24, stride 10, 5-token chunks: several windows, context-only rows and partly counted runs.
  const dir = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'models', 'gpt2-bytelevel');
  const model = await loadModel(dir, { intraOpThreads: 1 });
  const geo = await openGeometrySession(model, { intraOpThreads: 1 });
  const reference = await InferenceSession.create(join(dir, 'model.onnx'), { logSeverityLevel: 3 });
  try {
    assert.equal(geo.probabilitiesOutput, PROBABILITY_SUM_OUTPUT);
    const capture = new HiddenCapture(geo.hiddenOutput, model.signature.logitsName, model.info.hiddenSize, model.logitsWidth, geo.probabilitiesOutput);
    let fed: Int32Array = new Int32Array(0);
    const text = 'The spliced graph sums the probability rows of each run; the capture adds the sums in float64.';
    await analyzeText({ ...model, session: capture.wrap(geo.session!) }, { text, topK: 1, window: 24, stride: 10, chunk: 5 }, {
      started: (scoring, tokens, _ms, ids) => { fed = ids; capture.start(tokens, scoring.window, scoring.stride, ids); },
      batch: () => undefined, progress: () => undefined, cancelled: () => false,
    });
    const T = fed.length - 1;
    const W = model.logitsWidth;
    const mean = new Float64Array(W);
    const afterNext = new Float64Array(T).fill(NaN);
    for (const w of planWindows(T + 1, 24, 10)) {
      const logits = toFloat32((await reference.run(firstStepFeeds(reference, Array.from(fed.subarray(w.start, w.end)))))[model.signature.logitsName]);
      for (let j = w.firstTarget - 1; j < w.end; j++) {
        const row = logits.subarray((j - w.start) * W, (j - w.start + 1) * W);
        let max = -Infinity;
        for (const x of row) max = Math.max(max, x);
        let z = 0;
        for (const x of row) z += Math.exp(x - max);
        for (let i = 0; i < W; i++) mean[i] += Math.exp(row[i] - max) / z / T;
        if (j + 2 < fed.length) afterNext[j] = row[fed[j + 2]] - max - Math.log(z);
      }
    }
    assert.equal(capture.finiteRows, T);
    // ORT's float32 softmax is within a few float32 ulps of the float64 one: relative 1e-6 bounds it.
    const pi = capture.meanDistribution();
    for (let i = 0; i < W; i++) assert.ok(Math.abs(pi[i] - mean[i]) <= 1e-6 * mean[i] + 1e-12, `π̄[${i}] ${pi[i]} vs ${mean[i]}`);
    assertClose(capture.afterNextLogProb, afterNext, 1e-5, 'log p(x_{t+2})');
  } finally {
    await reference.release();
    await closeGeometrySession(geo);
    await disposeModel(model);
  }
});

/** π̄ and log p(x_{t+2}) of one analysis through a capture on `session` (window 24, stride 10, 5-token chunks). */
async function captured(model: Awaited<ReturnType<typeof loadModel>>, session: InferenceSession, hiddenOutput: string | null, sumOutput: string | null) {
  const capture = new HiddenCapture(hiddenOutput, model.signature.logitsName, model.info.hiddenSize, model.logitsWidth, sumOutput);
  const text = 'Every fixture takes the splice: fp16 logits, external data, the transformers.js layout.';
  await analyzeText({ ...model, session: capture.wrap(session) }, { text, topK: 1, window: 24, stride: 10, chunk: 5 }, {
    started: (scoring, tokens, _ms, ids) => capture.start(tokens, scoring.window, scoring.stride, ids),
    batch: () => undefined, progress: () => undefined, cancelled: () => false,
  });
  return capture;
}

// fp16: the CPU provider runs the half-precision head in float32 and drops the Cast pair the splice
// adds after it, so the graph's softmax sees the logits before their rounding to half (relative
// ~5e-4 on a logit); the JavaScript sums see the rounded output. Hence half precision's 1e-2 there.
for (const [name, tolerance, logTolerance] of [['gpt2-fp16', 1e-2, 2e-2], ['llama-metaspace', 1e-6, 1e-5], ['gpt2-tjs', 1e-6, 1e-5]] as const) {
  test(`${name}: ONNX Runtime takes the spliced graph, and its π̄ and log p(x_{t+2}) equal JavaScript sums over the same run's logits`, async () => {
    const model = await loadModel(join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'models', name), { intraOpThreads: 1 });
    const geo = await openGeometrySession(model, { intraOpThreads: 1 });
    try {
      assert.equal(geo.probabilitiesOutput, PROBABILITY_SUM_OUTPUT, 'the splice was accepted');
      const graph = await captured(model, geo.session!, geo.hiddenOutput, geo.probabilitiesOutput);
      // The same session without the in-graph sum (the capture sums the logits rows itself): fp16
      // graphs round the spliced graph's logits differently from the original's, so compare like with like.
      const js = await captured(model, geo.session!, null, null);
      assert.equal(graph.finiteRows, js.finiteRows);
      // Both are softmaxes of the same logits (the graph's in float32, summed per run in float32).
      const a = graph.meanDistribution();
      const b = js.meanDistribution();
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tolerance * b[i] + 1e-12, `π̄[${i}] ${a[i]} vs ${b[i]}`);
      assertClose(graph.afterNextLogProb, js.afterNextLogProb, logTolerance, 'log p(x_{t+2})');
    } finally {
      await closeGeometrySession(geo);
      await disposeModel(model);
    }
  });
}
