/**
 * Geometry through the real engine (worker, spliced session, ONNX Runtime): ‖h_t‖ per token against
 * the float64 references' `hiddenNorm` (fp32 and fp16 fixtures, external data, sliding windows
 * through the KV cache), the geometry block's fields, shapes and ordering, determinism under a
 * fixed seed, plain analyses unchanged, and a soft-capped head switching the W-based views off.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { InferenceSession } from 'onnxruntime-node';
import { logitRowStatistics } from '../../../src/core/geometry';
import { openModel } from '../../../src/model/client/openModel';
import { firstStepFeeds, toFloat32 } from '../onnx/ortHelpers';
import { scaledCopy, softcapCopy } from './softcap';

const fixtures = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures');
let work: string;
before(() => { work = mkdtempSync(join(tmpdir(), 'ml-geometry-engine-')); });
after(() => rmSync(work, { recursive: true, force: true }));

interface RefToken { hiddenNorm: number | null; id: number }
interface RefDoc { model: string; topK: number; cases: Array<{ name: string; text: string; windows: Array<{ window: number; stride: number; tokens: RefToken[] }> }> }

function reference(model: string): RefDoc {
  return JSON.parse(readFileSync(join(fixtures, 'reference', `${model}.json`), 'utf8')) as RefDoc;
}

// fp32 graphs agree with the float64 norms to float32 rounding; the fp16 graph's hidden state is
// computed in half precision (about 3 significant digits), so its bound is relative 1e-2.
for (const [name, relTol] of [['gpt2-bytelevel', 1e-5], ['llama-metaspace', 1e-5], ['gpt2-fp16', 1e-2]] as const) {
  test(`${name}: hiddenNorm matches the float64 reference for every token and window setting`, async () => {
    const ref = reference(name);
    const engine = await openModel(join(fixtures, 'models', name), { intraOpThreads: 1 });
    try {
      let checked = 0;
      for (const c of ref.cases) {
        for (const w of c.windows) {
          const a = await engine.analyze({ text: c.text, topK: ref.topK, window: w.window, stride: w.stride, geometry: { eigenpairs: 4 } });
          assert.equal(a.tokens.length, w.tokens.length, `${c.name} ${w.window}/${w.stride}`);
          a.tokens.forEach((t, i) => {
            const expected = w.tokens[i].hiddenNorm;
            assert.equal(t.id, w.tokens[i].id);
            assert.ok(typeof expected === 'number', 'the reference has hiddenNorm');
            const got = t.hiddenNorm as number;
            assert.ok(Math.abs(got - expected) <= relTol * expected, `${c.name} ${w.window}/${w.stride} token ${i}: ${got} vs ${expected}`);
            checked++;
          });
          assert.ok(a.geometry, 'geometry block present');
          assert.equal(a.geometry.head.verdict, 'linear', a.geometry.head.message);
        }
      }
      assert.ok(checked > 300, `checked ${checked} tokens`);
    } finally {
      await engine.dispose();
    }
  });
}

test('gpt2-bytelevel: the geometry block has the required fields, shapes and ordering; fixed seed is deterministic', async () => {
  const text = reference('gpt2-bytelevel').cases.find(c => c.name === 'long')!.text;
  const engine = await openModel(join(fixtures, 'models', 'gpt2-bytelevel'), { intraOpThreads: 1 });
  try {
    const plain = await engine.analyze({ text });
    assert.equal(plain.geometry, undefined);
    assert.equal(plain.tokens[0].hiddenNorm, undefined, 'plain analysis adds no geometry fields');
    const a = await engine.analyze({ text, geometry: { eigenpairs: 12, seed: 7 } });
    const b = await engine.analyze({ text, geometry: { eigenpairs: 12, seed: 7 } });
    const g = a.geometry!;
    const T = a.tokens.length;
    assert.equal(g.tokens, T);
    assert.equal(g.kernel.name, 'prototype');
    assert.equal(g.eigenvalues.length, 12);
    g.eigenvalues.forEach((x, j) => assert.ok(Number.isFinite(x) && (j === 0 || x <= g.eigenvalues[j - 1]), `λ descending at ${j}`));
    const al = g.alignment!;
    assert.ok(al.Ak.length >= 1 && al.Ak.length <= 12);
    al.Ak.forEach(x => assert.ok(x >= 0 && x <= 1 + 1e-9));
    assert.equal(al.nullPercentile.Ak.length, al.Ak.length);
    al.nullPercentile.Ak.forEach(p => assert.ok(p >= 0 && p <= 100));
    assert.equal(al.poincareViolations, 0);
    assert.equal(g.surplus.A1.basis, 'exact', 'π̄ came from the worker over the full vocabulary');
    assert.ok(g.surplus.A1.value > 0 && g.surplus.A1.value <= Math.log(T));
    assert.ok(Object.values(g.views).every(v => v.on), JSON.stringify(g.views));
    // Per-token fields on the records, aligned with the geometry arrays.
    for (const [t, r] of a.tokens.entries()) {
      assert.equal(r.excessSurprisal, (r.nll as number) - (r.entropy as number));
      assert.ok(Math.abs((r.standardisedExcess as number) - (r.excessSurprisal as number) / Math.sqrt(r.varentropy as number)) < 1e-9);
      assert.equal((r.psi as number[]).length, g.perToken.psi.length);
      assert.equal((r.phi as number[])[0], g.perToken.phi[0][t]);
      assert.ok(Math.abs((r.alignmentTerm as number) + (r.partitionTerm as number) - (r.nll as number)) < 1e-9, 'NLL = A + U');
      assert.ok('lookAheadC1Heuristic' in r);
    }
    assert.equal(g.provenance.surplusC1, 'heuristic');
    // Same seed, same numbers (timings aside); another kernel really changes them.
    assert.deepEqual({ ...g, timings: {} }, { ...b.geometry!, timings: {} });
    const bc = await engine.analyze({ text, geometry: { kernel: 'bhattacharyya', eigenpairs: 12, seed: 7 } });
    assert.equal(bc.geometry!.kernel.name, 'bhattacharyya');
    assert.notDeepEqual(bc.geometry!.eigenvalues, g.eigenvalues);
    // Geometry does not change the scores.
    a.tokens.forEach((r, i) => assert.equal(r.nll, plain.tokens[i].nll));
  } finally {
    await engine.dispose();
  }
});

test('gpt2-bytelevel: the mean distribution behind A1 is exact (float64 softmax of a direct ORT run)', async () => {
  const ref = reference('gpt2-bytelevel');
  const c = ref.cases.find(x => x.name === 'english')!;
  const engine = await openModel(join(fixtures, 'models', 'gpt2-bytelevel'), { intraOpThreads: 1 });
  let a;
  try {
    a = await engine.analyze({ text: c.text, geometry: { eigenpairs: 4 } });
  } finally {
    await engine.dispose();
  }
  // The same ids in one forward pass (the case fits in the context): p_t in float64, averaged.
  const session = await InferenceSession.create(join(fixtures, 'models', 'gpt2-bytelevel', 'model.onnx'), { logSeverityLevel: 3 });
  const ids = [511, ...a.tokens.map(t => t.id)];
  const logits = toFloat32((await session.run(firstStepFeeds(session, ids.slice(0, -1)))).logits);
  await session.release();
  const T = a.tokens.length;
  const V = logits.length / T;
  const mean = new Float64Array(V);
  let meanEntropy = 0;
  for (let t = 0; t < T; t++) {
    const row = logits.subarray(t * V, (t + 1) * V);
    const s = logitRowStatistics(row, ids[t + 1]);
    meanEntropy += s.entropy / T;
    for (let w = 0; w < V; w++) mean[w] += Math.exp(row[w] - s.logPartition) / T;
  }
  const entropyOfMean = -mean.reduce((acc, p) => acc + (p > 0 ? p * Math.log(p) : 0), 0);
  const A1 = a.geometry!.surplus.A1;
  assert.equal(A1.basis, 'exact');
  assert.ok(Math.abs(A1.entropyOfMean - entropyOfMean) < 1e-5, `H(π̄) ${A1.entropyOfMean} vs ${entropyOfMean}`);
  assert.ok(Math.abs(A1.value - (entropyOfMean - meanEntropy)) < 1e-5, `A1 ${A1.value} vs ${entropyOfMean - meanEntropy}`);
  // The look-ahead heuristic C1 on every token but the last: log p_t(x_{t+2}) − log π̄(x_{t+2}) from
  // the full rows, not only where the token after next happens to be in the top-k slice.
  for (let t = 0; t + 1 < T; t++) {
    const row = logits.subarray(t * V, (t + 1) * V);
    const afterNext = ids[t + 2];
    const want = row[afterNext] - logitRowStatistics(row, afterNext).logPartition - Math.log(mean[afterNext]);
    const got = a.tokens[t].lookAheadC1Heuristic as number;
    assert.ok(Math.abs(got - want) < 1e-5, `C1 at ${t}: ${got} vs ${want}`);
  }
  assert.equal(a.tokens[T - 1].lookAheadC1Heuristic, null, 'the last token has no token after it');
});

test('a soft-capped head: hiddenNorm still reported, views that need W h + b are off with the reason', async () => {
  const dir = join(work, 'softcap');
  cpSync(join(fixtures, 'models', 'gpt2-bytelevel'), dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), softcapCopy(readFileSync(join(dir, 'model.onnx')), 2));
  const text = reference('gpt2-bytelevel').cases.find(c => c.name === 'long')!.text;
  const engine = await openModel(dir, { intraOpThreads: 1 });
  try {
    const a = await engine.analyze({ text, geometry: true });
    const g = a.geometry!;
    assert.equal(g.head.verdict, 'not-linear');
    assert.ok(g.head.issues.some(i => i.startsWith('softcap')), g.head.issues.join('; '));
    assert.equal(g.views.spectrum.on, false);
    assert.match(g.views.spectrum.message, /prototype kernel needs the head rows W/);
    assert.equal(g.views.alignment.on, false);
    assert.equal(g.views.head.on, false);
    assert.equal(g.eigenvalues.length, 0);
    assert.equal(g.alignment, null);
    assert.equal(g.perToken.pullbackTrace, null);
    assert.equal(g.perToken.alignmentTerm, null);
    assert.equal(a.tokens[0].pullbackTrace, undefined);
    // What does not depend on the head's form stays: ‖h‖, excess surprisal, the exact A1.
    assert.ok(a.tokens.every(t => typeof t.hiddenNorm === 'number' && t.hiddenNorm > 0));
    assert.equal(g.surplus.A1.basis, 'exact');
    // A kernel built from p_t alone keeps its spectrum; alignment of h stays off.
    const bc = await engine.analyze({ text, geometry: { kernel: 'bhattacharyya', eigenpairs: 6 } });
    assert.equal(bc.geometry!.views.spectrum.on, true);
    assert.equal(bc.geometry!.eigenvalues.length, 6);
    assert.equal(bc.geometry!.alignment, null);
  } finally {
    await engine.dispose();
  }
});

test('a scaled head (logits = 0.5 · W h): the scale is found and folded into W, every view stays on', async () => {
  const dir = join(work, 'scaled');
  cpSync(join(fixtures, 'models', 'gpt2-bytelevel'), dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), scaledCopy(readFileSync(join(dir, 'model.onnx')), 0.5));
  const original = join(fixtures, 'models', 'gpt2-bytelevel');
  const text = reference('gpt2-bytelevel').cases.find(c => c.name === 'long')!.text;
  const [scaled, plain] = await Promise.all([openModel(dir, { intraOpThreads: 1 }), openModel(original, { intraOpThreads: 1 })]);
  try {
    const a = await scaled.analyze({ text, geometry: { eigenpairs: 8 } });
    const b = await plain.analyze({ text, geometry: { eigenpairs: 8 } });
    const g = a.geometry!;
    assert.equal(g.head.verdict, 'scaled', g.head.message);
    assert.ok(Math.abs(g.head.fittedScale! - 0.5) < 1e-5, String(g.head.fittedScale));
    assert.ok(Object.values(g.views).every(v => v.on), JSON.stringify(g.views));
    // The scale sits after the head, so h (and its norm) is the unscaled model's.
    a.tokens.forEach((t, i) => {
      assert.ok(Math.abs((t.alignmentTerm as number) + (t.partitionTerm as number) - (t.nll as number)) < 1e-9);
      assert.ok(Math.abs((t.hiddenNorm as number) - (b.tokens[i].hiddenNorm as number)) < 1e-4);
    });
    assert.equal(g.eigenvalues.length, 8);
    assert.ok(g.alignment !== null);
  } finally {
    await Promise.all([scaled.dispose(), plain.dispose()]);
  }
});

test('fewer than 8 tokens: token-level figures, spectrum off with the reason', async () => {
  const engine = await openModel(join(fixtures, 'models', 'gpt2-bytelevel'), { intraOpThreads: 1 });
  try {
    const a = await engine.analyze({ text: 'Hi', geometry: true });
    const g = a.geometry!;
    assert.equal(g.eigenvalues.length, 0);
    assert.equal(g.views.spectrum.on, false);
    assert.match(g.views.spectrum.message, /needs at least 8/);
    assert.equal(g.perToken.excessSurprisal.length, a.tokens.length);
  } finally {
    await engine.dispose();
  }
});
