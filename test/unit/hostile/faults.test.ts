/**
 * Faults during work, on the real worker: the worker crashing mid-analysis (crashingWorker.ts),
 * analyses running at the same time, cancellation, and the extension's EngineHost starting a fresh
 * worker after the old one died. The Worker handle is reached through the engine's channel.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { after, test } from 'node:test';
import type { TokenRecord } from '../../../src/core/analysis';
import { isInputError } from '../../../src/core/errors';
import type { MarkovLensConfig } from '../../../src/extension/config';
import { EngineHost } from '../../../src/extension/engineHost';
import type { Analysis, LanguageModelEngine } from '../../../src/model/api';
import { openModel } from '../../../src/model/engine';
import { FIXTURES, removeScratch } from './hostileFixtures';

const GPT2 = join(FIXTURES, 'gpt2-bytelevel');
const CRASHING_WORKER = join(__dirname, 'crashingWorker.js');
const DEFAULT_MODEL = join(FIXTURES, '..', '..', '..', 'models', 'default');
const OPTIONS = { intraOpThreads: 1 };
const LIMIT = { timeout: 60_000 };
const LONG = 'A long document so that the analysis runs many windows and can be interrupted. '.repeat(30);

after(removeScratch);

function workerOf(engine: LanguageModelEngine): Worker {
  return (engine as unknown as { channel: { worker: Worker } }).channel.worker;
}

const nlls = (tokens: readonly TokenRecord[]): Array<number | null> => tokens.map(t => t.nll);

test('the worker crashing mid-analysis: a clear error, no result, later calls fail fast; a new engine works', LIMIT, async () => {
  const engine = await openModel(GPT2, { ...OPTIONS, workerPath: CRASHING_WORKER });
  let streamed = 0;
  const run = engine.analyze({ text: LONG, window: 32, stride: 16, onRecords: r => {
    if (streamed === 0) workerOf(engine).postMessage({ type: 'test/crash' });
    streamed += r.length;
  } });
  await assert.rejects(run, (e: unknown) => e instanceof Error && !isInputError(e) && /simulated crash|inference worker exited/.test(e.message));
  assert.ok(streamed > 0, 'the crash happened mid-analysis, after records had streamed');
  const t0 = performance.now();
  await assert.rejects(engine.analyze({ text: 'again' }), /simulated crash|inference worker exited/);
  assert.ok(performance.now() - t0 < 1000, 'a dead engine answers at once, never hangs');
  await engine.dispose();
  const fresh = await openModel(GPT2, OPTIONS);
  try {
    const a = await fresh.analyze({ text: 'A new worker serves the next analysis.' });
    assert.ok(a.tokens.length > 0 && a.tokens.every(t => t.nll !== null));
  } finally {
    await fresh.dispose();
  }
});

test('EngineHost (extension): after the worker dies the next analysis gets a fresh worker', LIMIT, async () => {
  const logged: string[] = [];
  const log = { info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m), error: (m: string) => logged.push(m) };
  const host = new EngineHost(log as never);
  const config = { modelPath: GPT2, onnxVariant: '', executionProviders: ['cpu'] } as unknown as MarkovLensConfig;
  try {
    const first = await host.get(config);
    const reference = await first.engine.analyze({ text: 'Same text before and after.' });
    // Killed while idle (terminating during a native run would abort the process; see crashingWorker.ts).
    await workerOf(first.engine).terminate();
    await assert.rejects(first.engine.analyze({ text: LONG }), /inference worker exited/);
    const second = await host.get(config);
    assert.notEqual(second.engine, first.engine, 'a new engine after the crash');
    const again = await second.engine.analyze({ text: 'Same text before and after.' });
    assert.deepEqual(nlls(again.tokens), nlls(reference.tokens));
    assert.ok(logged.some(m => /Restarting the model worker/.test(m)), logged.join('\n'));
    // An input error (a bad setting) keeps the engine: no restart for the user's own mistakes.
    await assert.rejects(second.engine.analyze({ text: 'x', topK: -1 }), (e: unknown) => isInputError(e));
    assert.equal((await host.get(config)).engine, second.engine);
  } finally {
    host.dispose();
  }
});

test('several analyses of different texts at once all complete, each equal to its run alone', LIMIT, async () => {
  const a = await openModel(GPT2, OPTIONS);
  const b = await openModel(GPT2, OPTIONS);
  try {
    const texts = ['First document, about rivers and boats. '.repeat(6), 'Second: numbers 1 2 3 4 5 6 7 8 9. '.repeat(5), 'Third <b>html</b> & "quotes". '.repeat(7)];
    const alone: Analysis[] = [];
    for (const text of texts) alone.push(await a.analyze({ text, window: 32, stride: 16 }));
    const together = await Promise.all([
      ...texts.map(text => a.analyze({ text, window: 32, stride: 16 })),
      ...texts.map(text => b.analyze({ text, window: 32, stride: 16 })),
    ]);
    for (let i = 0; i < together.length; i++) {
      const ref = alone[i % texts.length];
      assert.equal(together[i].utf16Length, texts[i % texts.length].length);
      assert.deepEqual(together[i].tokens.map(t => [t.start, t.end, t.id]), ref.tokens.map(t => [t.start, t.end, t.id]));
      // Same engine, same windows: bitwise equal; the second engine runs the same graph with the same threads.
      assert.deepEqual(nlls(together[i].tokens), nlls(ref.tokens));
    }
  } finally {
    await Promise.all([a.dispose(), b.dispose()]);
  }
});

test('cancellation stops within one window, yields no result, and the next analysis works', LIMIT, async () => {
  // The bundled model's windows take long enough (512 tokens, 8192 logits) that records the worker
  // posted before the cancel reached it cannot be mistaken for work done after it, which with the
  // 1 ms windows of the fixture is what a count of late records would measure.
  const engine = await openModel(existsSync(join(DEFAULT_MODEL, 'model.onnx')) ? DEFAULT_MODEL : GPT2, OPTIONS);
  try {
    const window = Math.min(512, engine.info.contextLength);
    const stride = window / 2;
    const text = LONG.repeat(Math.ceil((window * 8) / 600));
    const controller = new AbortController();
    let before = 0;
    let afterAbort = 0;
    let total = 0;
    const run = engine.analyze({ text, window, stride, signal: controller.signal,
      onProgress: (_, all) => { total = all; },
      onRecords: r => {
        if (controller.signal.aborted) afterAbort += r.length;
        else {
          before += r.length;
          controller.abort();
        }
      } });
    await assert.rejects(run, (e: unknown) => isInputError(e) && e.code === 'cancelled');
    // When the cancel lands, window k+1 may be running and window k's rows still reducing: both may
    // still arrive, no later window starts.
    assert.ok(before > 0 && afterAbort <= 2 * stride, `after abort: ${afterAbort} records, stride ${stride}`);
    assert.ok(before + afterAbort < total - stride, `stopped early: ${before + afterAbort} of ${total}`);
    await assert.rejects(engine.analyze({ text: 'pre-aborted', signal: AbortSignal.abort() }), (e: unknown) => isInputError(e) && e.code === 'cancelled');
    const a = await engine.analyze({ text: 'Still serving after a cancel.' });
    assert.ok(a.tokens.length > 0 && a.tokens.every(t => t.nll !== null));
  } finally {
    await engine.dispose();
  }
});

test('dispose during an analysis: the run either completes in full or rejects, never a partial result', LIMIT, async () => {
  const engine = await openModel(GPT2, OPTIONS);
  let streamed = 0;
  const outcome = await engine.analyze({ text: LONG, window: 32, stride: 16, onRecords: r => {
    if (streamed === 0) void engine.dispose();
    streamed += r.length;
  } }).then(a => a, (e: unknown) => e as Error);
  if (outcome instanceof Error) return;
  // The dispose request queues behind the running analysis in the worker, so it completes first.
  assert.equal(outcome.tokens.length, streamed);
  assert.equal(outcome.tokens.at(-1)?.end, LONG.length);
  await assert.rejects(engine.analyze({ text: 'after dispose' }));
});
