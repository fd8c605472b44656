/**
 * P1: the engine's whole-analysis time (worker, tokenization, windows, per-position reduction,
 * streaming to the host) divided by bare `session.run` forward passes over the same windows and
 * chunks in the same process. Each run pairs a bare pass with an engine pass back to back, so the
 * paired ratio is robust on a shared machine. Goal: <= 1.10.
 */
import { InferenceSession } from 'onnxruntime-node';
import { planWindows, resolveWindowSettings } from '../src/core/windows';
import { openModel } from '../src/model/client/openModel';
import { CacheState } from '../src/model/onnx/feeds';
import { disposeModel, loadModel } from '../src/model/load/loader';
import { defaultChunk } from '../src/model/run/scorer';
import { sessionOptions } from '../src/model/onnx/session';
import { figure, fmt, stats, type Figure } from './lib';

export async function benchOverhead(modelDir: string, text: string, runs: number, threads?: number): Promise<Figure> {
  // Bare side: the same session options, ids, windows and chunks; only session.run is timed.
  const local = await loadModel(modelDir, { intraOpThreads: threads });
  const settings = resolveWindowSettings({}, local.info.contextLength, local.info.modelType);
  const doc = local.tokenizer.encode(text);
  const ids = new Int32Array(doc.ids.length + 1);
  ids[0] = local.tokenizer.prefixTokenId;
  ids.set(doc.ids, 1);
  const windows = planWindows(ids.length, settings.window, settings.stride);
  await disposeModel(local);
  const session = await InferenceSession.create(local.files.onnxPath, sessionOptions({ intraOpThreads: threads }));
  const cache = new CacheState(local.signature);
  const chunk = local.signature.past.length > 0 ? defaultChunk(local.logitsWidth) : Number.MAX_SAFE_INTEGER;
  async function bare(): Promise<number> {
    let elapsed = 0;
    for (const w of windows) {
      cache.reset();
      for (let from = w.start; from < w.end; from += chunk) {
        const to = Math.min(from + chunk, w.end);
        const feeds = cache.feeds(ids, from, to);
        const t0 = performance.now();
        const out = await session.run(feeds);
        elapsed += performance.now() - t0;
        cache.advance(out as never);
      }
    }
    return elapsed;
  }

  const engine = await openModel(modelDir, { intraOpThreads: threads });
  const whole = async (): Promise<number> => {
    const t0 = performance.now();
    await engine.analyze({ text });
    return performance.now() - t0;
  };
  try {
    await bare();
    await whole(); // warm-up both
    const ratios: number[] = [];
    const bareMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const b = await bare();
      ratios.push((await whole()) / b);
      bareMs.push(b);
    }
    const note = `${doc.ids.length} tokens, ${windows.length} windows of ${settings.window} stride ${settings.stride}, bare median ${fmt(stats(bareMs).median, 0)} ms`;
    return figure(stats(ratios), '<= 1.10', v => v <= 1.1, note);
  } finally {
    await engine.dispose();
    await session.release();
  }
}
