/**
 * P9 (issue 17): the engine's analysis with the layer lens (`--layers`) of a 4,096-token document,
 * divided by the bare ONNX Runtime work it cannot avoid: forward passes of the same graph with the
 * L + 1 residual-stream outputs over the same windows and chunks, plus the L + 1 norm-and-head
 * products of the same rows (the lens's decoder, cut out of the graph, run on the stacked streams in
 * the same batches). Only `session.run` is timed on the bare side. Each run pairs a bare pass, an
 * engine pass with the lens and a plain engine pass back to back; also reported: the lens analysis
 * over the plain one (what the lens costs a user). Goal: P9 <= 1.15.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { planWindows, resolveWindowSettings } from '../src/core/windows';
import { openModel } from '../src/model/client/openModel';
import { disposeModel, loadModel } from '../src/model/load/loader';
import { CacheState } from '../src/model/onnx/feeds';
import { addGraphOutputs, buildDecoderModel, scanModel } from '../src/model/onnx/graph';
import { sessionOptions } from '../src/model/onnx/session';
import { defaultChunk } from '../src/model/run/scorer';
import { figure, fmt, stats, type Figure } from './lib';

/** The lens observer's decode budget (lensObserver.ts): rows per decoder run. */
const DECODE_BUDGET = 32 * 1024 * 1024;

export async function benchLens(modelDir: string, text: string, runs: number, threads?: number): Promise<{ P9: Figure; price: Figure }> {
  const local = await loadModel(modelDir, { intraOpThreads: threads });
  const lens = local.graph.lens;
  if (!lens) throw new Error(`P9: the layer lens is off for ${modelDir}: ${local.graph.lensUnavailable}`);
  const settings = resolveWindowSettings({}, local.info.contextLength, local.info.modelType);
  const doc = local.tokenizer.encode(text);
  const ids = new Int32Array(doc.ids.length + 1);
  ids[0] = local.tokenizer.prefixTokenId;
  ids.set(doc.ids, 1);
  const windows = planWindows(ids.length, settings.window, settings.stride);
  const width = local.logitsWidth;
  const signature = local.signature;
  await disposeModel(local);

  const bytes = readFileSync(local.files.onnxPath);
  const options = sessionOptions({ intraOpThreads: threads });
  const extra = options.extra as { session?: Record<string, unknown> };
  const withFolder = { ...options, extra: { ...extra, session: { ...extra.session, model_external_initializers_file_folder_path: dirname(local.files.onnxPath) } } };
  const session = await InferenceSession.create(addGraphOutputs(bytes, lens.stream.layers), withFolder);
  const decoder = await InferenceSession.create(buildDecoderModel(bytes, scanModel(bytes), lens.plan, lens.streamType === 'float16' ? 10 : 1), withFolder);
  const cache = new CacheState(signature);
  const chunk = signature.past.length > 0 ? defaultChunk(width) : Number.MAX_SAFE_INTEGER;
  const fetches = [signature.logitsName, ...signature.past.map(p => p.presentName), ...lens.stream.layers];
  const count = lens.stream.layers.length;
  const step = Math.max(1, Math.floor(DECODE_BUDGET / (count * width * 4)));
  let forwardMs = 0;
  let decodeMs = 0;
  async function bare(): Promise<number> {
    forwardMs = 0;
    decodeMs = 0;
    for (const w of windows) {
      cache.reset();
      for (let from = w.start; from < w.end; from += chunk) {
        const to = Math.min(from + chunk, w.end);
        const t0 = performance.now();
        const out = await session.run(cache.feeds(ids, from, to), fetches);
        forwardMs += performance.now() - t0;
        cache.advance(out as never);
        // The rows this window scores: input positions [max(from, firstTarget - 1), to).
        const first = Math.max(from, w.firstTarget - 1);
        const streams = lens!.stream.layers.map(n => out[n]);
        const d = Number(streams[0].dims[2]);
        for (let a = first; a < to; a += step) {
          const b = Math.min(to, a + step);
          const rows = b - a;
          const half = lens!.streamType === 'float16';
          const x = half ? new Uint16Array(count * rows * d) : new Float32Array(count * rows * d);
          streams.forEach((t, l) => x.set((t.data as Float32Array | Uint16Array).subarray((a - from) * d, (b - from) * d), l * rows * d));
          const feeds = { [lens!.plan.input]: new Tensor(lens!.streamType, x, [count, rows, d]) };
          const t1 = performance.now();
          await decoder.run(feeds, [lens!.plan.logits]);
          decodeMs += performance.now() - t1;
        }
      }
    }
    return forwardMs + decodeMs;
  }

  const engine = await openModel(modelDir, { intraOpThreads: threads });
  const timed = async (layers: boolean): Promise<number> => {
    const t0 = performance.now();
    const a = await engine.analyze({ text, layers });
    if (layers && (!a.layers || 'off' in a.layers)) throw new Error('P9: the engine returned no lens');
    return performance.now() - t0;
  };
  try {
    await bare();
    await timed(true);
    await timed(false); // warm-up all three
    const p9: number[] = [];
    const price: number[] = [];
    const bareMs: number[] = [];
    const parts: string[] = [];
    for (let i = 0; i < runs; i++) {
      const b = await bare();
      const withLens = await timed(true);
      const plain = await timed(false);
      p9.push(withLens / b);
      price.push(withLens / plain);
      bareMs.push(b);
      parts.push(`${fmt(forwardMs, 0)}+${fmt(decodeMs, 0)}`);
    }
    const note = `${doc.ids.length} tokens, ${count} layers (L + 1), vocab ${width}, ${windows.length} windows of ${settings.window} stride ${settings.stride}; ` +
      `bare median ${fmt(stats(bareMs).median, 0)} ms (forward + decoder per run: ${parts.join(', ')} ms)`;
    return {
      P9: figure(stats(p9), '<= 1.15', v => v <= 1.15, note),
      price: { ...figure(stats(price), 'reported', () => true, 'analysis with --layers / plain analysis, same runs'), met: null },
    };
  } finally {
    await engine.dispose();
    await session.release();
    await decoder.release();
  }
}
