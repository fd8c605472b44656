/**
 * P1: the engine's whole-analysis time (worker, tokenization, windows, per-position reduction,
 * streaming to the host) divided by bare `session.run` forward passes over the same windows and
 * chunks in the same process, with the engine's own intra-op thread count (chosen by the model's size
 * unless given). Each run pairs a bare pass with an engine pass back to back, so the paired ratio is
 * robust on a shared machine. Goal: <= 1.10.
 *
 * R1 (issue 15) is the same ratio on a real-size model with `bare: 'runtime-default'`: the bare
 * session then leaves intraOpNumThreads unset (ONNX Runtime's own default, one thread per physical
 * core), while the engine keeps its own default, so the figure also prices the engine's thread choice.
 */
import { InferenceSession } from 'onnxruntime-node';
import { planWindows, resolveWindowSettings } from '../src/core/windows';
import { openModel } from '../src/model/client/openModel';
import { CacheState } from '../src/model/onnx/feeds';
import { disposeModel, loadModel } from '../src/model/load/loader';
import { defaultChunk } from '../src/model/run/scorer';
import { sessionOptions } from '../src/model/onnx/session';
import { figure, fmt, stats, type Figure } from './lib';

/** The bare forward's intra-op threads: the engine's (`same`) or ONNX Runtime's default (`runtime-default`). */
export type BareThreads = 'same' | 'runtime-default';

export async function benchOverhead(modelDir: string, text: string, runs: number, threads?: number, bareThreads: BareThreads = 'same'): Promise<Figure> {
  // Bare side: the same session options, ids, windows and chunks; only session.run is timed.
  const local = await loadModel(modelDir, { intraOpThreads: threads });
  const settings = resolveWindowSettings({}, local.info.contextLength, local.info.modelType);
  const doc = local.tokenizer.encode(text);
  const ids = new Int32Array(doc.ids.length + 1);
  ids[0] = local.tokenizer.prefixTokenId;
  ids.set(doc.ids, 1);
  const windows = planWindows(ids.length, settings.window, settings.stride);
  await disposeModel(local);
  // The engine's thread count as the loader chose it (by the model's size unless `threads` is given).
  const engineThreads = local.options.intraOpThreads;
  const bareOptions = sessionOptions({ intraOpThreads: engineThreads });
  if (bareThreads === 'runtime-default') delete bareOptions.intraOpNumThreads;
  const session = await InferenceSession.create(local.files.onnxPath, bareOptions);
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
  let scoring = { window: 0, stride: 0 };
  const whole = async (): Promise<number> => {
    const t0 = performance.now();
    scoring = (await engine.analyze({ text })).scoring;
    return performance.now() - t0;
  };
  try {
    await bare();
    await whole(); // warm-up both
    if (scoring.window !== settings.window || scoring.stride !== settings.stride) {
      throw new Error(`the engine scored with window ${scoring.window} stride ${scoring.stride}, the bare forward with ${settings.window} / ${settings.stride}`);
    }
    const ratios: number[] = [];
    const bareMs: number[] = [];
    const wholeMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const b = await bare();
      const w = await whole();
      ratios.push(w / b);
      bareMs.push(b);
      wholeMs.push(w);
    }
    const analysisMs = stats(wholeMs).median;
    const threadsNote = `threads: analysis ${engineThreads}${threads === undefined ? ' (the engine\'s choice)' : ''}, bare ${bareOptions.intraOpNumThreads ?? 'ONNX Runtime default'}`;
    const note =
      `${doc.ids.length} tokens, ${windows.length} windows of ${settings.window} stride ${settings.stride}, ${threadsNote}; ` +
      `medians: bare ${fmt(stats(bareMs).median, 0)} ms, analysis ${fmt(analysisMs, 0)} ms (${fmt((doc.ids.length / analysisMs) * 1000, 0)} tokens/s)`;
    return figure(stats(ratios), '<= 1.10', v => v <= 1.1, note);
  } finally {
    await engine.dispose();
    await session.release();
  }
}
