import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isInputError } from '../../../src/core/errors';
import { expandBatch, type RecordBatch } from '../../../src/core/records';
import { planWindows } from '../../../src/core/windows';
import { analyzeText, type AnalyzeParams } from '../../../src/model/run/analyzer';
import { loadModel, type LoadedModel } from '../../../src/model/load/loader';
import { setTokenizerFactory } from '../../../src/model/load/tokenizerSource';
import { charTokenizer } from './charTokenizer';
import { referenceLogits, writeTinyModelFolder, type TinySpec } from './tinyOnnx';
import { tinyModelLoader } from './tinyModels';

const spec: TinySpec = { vocab: 23, dim: 6, positions: 64 };
const tiny = tinyModelLoader('ml-scoring-', spec.vocab);
const { load, models } = tiny;

async function run(model: LoadedModel, params: AnalyzeParams) {
  const batches: RecordBatch[] = [];
  let started = 0;
  await analyzeText(model, params, {
    started: () => started++,
    batch: b => batches.push(b),
    progress: () => undefined,
    cancelled: () => false,
  });
  assert.equal(started, 1);
  return { batches, records: batches.flatMap(expandBatch) };
}

/** Float64 reference NLL/entropy/rank for target m fed from window start s (positions restart at 0). */
function referenceAt(s: TinySpec, ids: number[], start: number, m: number) {
  const rows = referenceLogits(s, ids.slice(start, m));
  const z = rows[rows.length - 1];
  const max = Math.max(...z);
  const logZ = max + Math.log(z.reduce((a, v) => a + Math.exp(v - max), 0));
  const p = Array.from(z, v => Math.exp(v - logZ));
  return {
    nll: logZ - z[ids[m]],
    entropy: -p.reduce((a, pi, i) => a + pi * (z[i] - logZ), 0),
    rank: 1 + Array.from(z).filter(v => v > z[ids[m]]).length,
  };
}

const text = 'the cat sat on the mat; 42 dogs!';

test('self-test passes on load and the logits width becomes the vocabulary size', async () => {
  const m = await load('plain', spec);
  assert.ok(m.selfTestDelta !== null && m.selfTestDelta < 1e-4, `delta ${m.selfTestDelta}`);
  assert.equal(m.info.vocabSize, spec.vocab);
  assert.equal(m.info.contextLength, 64);
  assert.equal(m.signature.past.length, 2);
  assert.deepEqual(m.signature.past[0].emptyDims, [1, 1, 0, spec.dim]);
});

test('every token equals the float64 reference, in one window and in sliding windows with the cache', async () => {
  const m = models[0] ?? (await load('plain', spec));
  const ids = [0, ...charTokenizer(spec.vocab).encode(text).ids];
  for (const [window, stride, chunk] of [[64, 32, 128], [64, 32, 5], [12, 5, 4], [8, 8, 3], [2, 1, 1]]) {
    const { records, batches } = await run(m, { text, topK: 5, window, stride, chunk });
    assert.equal(records.length, text.length);
    assert.equal(batches.length, planWindows(ids.length, window, stride).length, 'one batch per window (streaming)');
    const windows = planWindows(ids.length, window, stride);
    for (const r of records) {
      const target = r.index + 1;
      const w = windows.find(x => target >= x.firstTarget && target <= x.lastTarget)!;
      const ref = referenceAt(spec, ids, w.start, target);
      assert.equal(r.context, target - w.start);
      assert.ok(Math.abs(r.nll! - ref.nll) < 1e-4, `L=${window} S=${stride} C=${chunk} #${r.index}: ${r.nll} vs ${ref.nll}`);
      assert.ok(Math.abs(r.entropy! - ref.entropy) < 1e-4);
      assert.equal(r.rank, ref.rank);
      assert.equal(r.top.length, 5);
      assert.equal(r.start, r.index);
    }
  }
});

test('a graph without a cache scores the same as one with it', async () => {
  const withCache = models[0];
  const noCache = await load('nocache', { ...spec, cache: false });
  assert.equal(noCache.signature.past.length, 0);
  assert.equal(noCache.selfTestDelta, null);
  const a = (await run(withCache, { text, topK: 3, window: 10, stride: 4, chunk: 3 })).records;
  const b = (await run(noCache, { text, topK: 3, window: 10, stride: 4 })).records;
  a.forEach((r, i) => {
    assert.ok(Math.abs(r.nll! - b[i].nll!) < 1e-5);
    assert.deepEqual(r.top.map(t => t[0]), b[i].top.map(t => t[0]));
  });
});

test('non-finite logits give null metrics, never a number', async () => {
  const m = await load('nan', { ...spec, nan: true });
  const { records } = await run(m, { text: 'abc', topK: 3 });
  assert.equal(records.length, 3);
  for (const r of records) {
    assert.equal(r.nll, null);
    assert.equal(r.entropy, null);
    assert.equal(r.rank, null);
    assert.deepEqual(r.top, []);
  }
});

test('an empty document has no tokens; bad settings are InputErrors', async () => {
  const m = models[0];
  assert.equal((await run(m, { text: '', topK: 3 })).records.length, 0);
  await assert.rejects(run(m, { text, topK: 3, window: 65 }), (e: unknown) => isInputError(e) && e.code === 'settings-invalid');
  await assert.rejects(run(m, { text, topK: -1 }), (e: unknown) => isInputError(e) && e.code === 'settings-invalid');
});

test('a tokenizer wider than the logits is refused at load', async () => {
  setTokenizerFactory(() => charTokenizer(spec.vocab + 5));
  try {
    await assert.rejects(loadModel(writeTinyModelFolder(tiny.path('wide'), spec), {}), (e: unknown) => isInputError(e) && e.code === 'tokenizer-too-wide');
  } finally {
    setTokenizerFactory(() => charTokenizer(spec.vocab));
  }
});

test('a graph whose cache does not reproduce a single pass fails the load-time self-test clearly', async () => {
  await assert.rejects(
    loadModel(writeTinyModelFolder(tiny.path('dropped'), { ...spec, dropPast: true }), {}),
    (e: unknown) => isInputError(e) && e.code === 'model-not-causal-lm' && /KV cache differ from a single pass/.test(e.message) && e.message.includes('model.onnx'),
  );
});

test('a pruned LM head (last-position logits only) is refused at load', async () => {
  await assert.rejects(
    loadModel(writeTinyModelFolder(tiny.path('pruned'), { ...spec, lastOnly: true }), {}),
    (e: unknown) => isInputError(e) && e.code === 'model-not-causal-lm' && /logits for 1 of 8 positions/.test(e.message),
  );
});
