/**
 * Faults during work, on the real engine: its process killed mid-analysis, analyses running at the
 * same time, cancellation, and the extension's EngineHost starting a fresh engine process after the
 * old one died (and stopping automatic restarts after too many crashes).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { TokenRecord } from '../../../src/core/analysis';
import { isEngineStopped, isInputError } from '../../../src/core/errors';
import type { MarkovLensConfig } from '../../../src/extension/config';
import { EngineHost } from '../../../src/extension/engineHost';
import type { Analysis } from '../../../src/model/api';
import { loadRemoteModel } from '../../../src/model/client/engineClient';
import { startEngineProcess } from '../../../src/model/client/engineProcess';
import { openModel } from '../../../src/model/client/openModel';
import { FIXTURES, removeScratch } from './hostileFixtures';

const GPT2 = join(FIXTURES, 'gpt2-bytelevel');
const DEFAULT_MODEL = join(FIXTURES, '..', '..', '..', 'models', 'default');
const OPTIONS = { intraOpThreads: 1 };
const LIMIT = { timeout: 60_000 };
const LONG = 'A long document so that the analysis runs many windows and can be interrupted. '.repeat(30);

after(removeScratch);

const nlls = (tokens: readonly TokenRecord[]): Array<number | null> => tokens.map(t => t.nll);

test('the engine process killed mid-analysis: a clear error naming the signal, later calls fail fast; a new engine works', LIMIT, async () => {
  const process = startEngineProcess();
  const engine = await loadRemoteModel(process.channel, GPT2, OPTIONS, () => process.stop());
  let streamed = 0;
  // SIGKILL lands wherever the engine is, a native session.run included: a process, unlike a thread, can be killed anywhere.
  const run = engine.analyze({ text: LONG, window: 32, stride: 16, onRecords: r => {
    if (streamed === 0) globalThis.process.kill(process.pid!, 'SIGKILL');
    streamed += r.length;
  } });
  await assert.rejects(run, (e: unknown) => isEngineStopped(e) && e.signal === 'SIGKILL' && /stopped \(signal SIGKILL\)/.test(e.message));
  assert.ok(streamed > 0, 'the kill happened mid-analysis, after records had streamed');
  assert.equal((await process.exited).signal, 'SIGKILL');
  const t0 = performance.now();
  await assert.rejects(engine.analyze({ text: 'again' }), (e: unknown) => isEngineStopped(e));
  assert.ok(performance.now() - t0 < 1000, 'a dead engine answers at once, never hangs');
  await engine.dispose();
  const fresh = await openModel(GPT2, { ...OPTIONS, process: true });
  try {
    const a = await fresh.analyze({ text: 'A new engine serves the next analysis.' });
    assert.ok(a.tokens.length > 0 && a.tokens.every(t => t.nll !== null));
  } finally {
    await fresh.dispose();
  }
});

test('EngineHost (extension): after the engine process dies the next analysis gets a fresh one', LIMIT, async () => {
  const logged: string[] = [];
  const log = { info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m), error: (m: string) => logged.push(m) };
  const host = new EngineHost(log as never);
  const crashes: string[] = [];
  host.onCrash(c => crashes.push(c.message));
  const config = { modelPath: GPT2, onnxVariant: '', executionProviders: ['cpu'] } as unknown as MarkovLensConfig;
  try {
    const first = await host.get(config);
    const reference = await first.engine.analyze({ text: 'Same text before and after.' });
    const pid = host.supervisor.pid!;
    process.kill(pid, 'SIGKILL');
    await assert.rejects(first.engine.analyze({ text: LONG }), (e: unknown) => isEngineStopped(e));
    const second = await host.get(config);
    assert.notEqual(second.engine, first.engine, 'a new engine after the crash');
    assert.notEqual(host.supervisor.pid, pid, 'in a new process');
    const again = await second.engine.analyze({ text: 'Same text before and after.' });
    assert.deepEqual(nlls(again.tokens), nlls(reference.tokens));
    assert.deepEqual(crashes, ['the engine process stopped (signal SIGKILL)']);
    assert.ok(logged.some(m => /stopped \(signal SIGKILL\); starting a new one/.test(m)), logged.join('\n'));
    // An input error (a bad setting) keeps the engine: no restart for the user's own mistakes.
    await assert.rejects(second.engine.analyze({ text: 'x', topK: -1 }), (e: unknown) => isInputError(e));
    assert.equal((await host.get(config)).engine, second.engine);
  } finally {
    host.dispose();
  }
});

test('EngineHost: more than three crashes in a minute stop automatic restarts until Restart', LIMIT, async () => {
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const host = new EngineHost(log as never);
  const crashes: boolean[] = [];
  host.onCrash(c => crashes.push(c.halted));
  const config = { modelPath: GPT2, onnxVariant: '', executionProviders: ['cpu'] } as unknown as MarkovLensConfig;
  try {
    for (let i = 0; i < 4; i++) {
      await host.get(config);
      const engine = host.supervisor.current();
      process.kill(engine.pid!, 'SIGKILL');
      await engine.exited;
      await new Promise(resolve => setImmediate(resolve));
    }
    assert.deepEqual(crashes, [false, false, false, true]);
    assert.equal(host.supervisor.isHalted, true);
    await assert.rejects(host.get(config), (e: unknown) => isInputError(e) && e.code === 'engine-halted' && /Restart/.test(e.message));
    host.supervisor.restart();
    const after = await host.get(config);
    assert.ok((await after.engine.analyze({ text: 'Back after Restart.' })).tokens.length > 0);
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
  // The release request queues behind the running analysis in the engine, so it completes first.
  assert.equal(outcome.tokens.length, streamed);
  assert.equal(outcome.tokens.at(-1)?.end, LONG.length);
  await assert.rejects(engine.analyze({ text: 'after dispose' }));
});
