/**
 * Benchmark P1: the engine's whole-analysis time (worker, tokenization, windows, per-position
 * reduction, streaming) divided by the time of bare `session.run` forward passes over the same
 * windows and chunks in the same process. Goal: <= 1.10.
 *
 *   node out/bench/p1-overhead.js [--model DIR] [--text FILE] [--runs N] [--window N --stride N]
 *
 * Default model: models/default when present, else the gpt2-bytelevel test fixture.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { InferenceSession } from 'onnxruntime-node';
import { planWindows, resolveWindowSettings } from '../src/core/windows';
import { openModel } from '../src/model/engine';
import { CacheState } from '../src/model/feeds';
import { disposeModel, loadModel } from '../src/model/loader';
import { defaultChunk } from '../src/model/scorer';
import { sessionOptions } from '../src/model/session';

const root = join(__dirname, '..', '..');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function defaultText(): string {
  // Deterministic English-and-code text from the repository itself.
  const sources = ['DESIGN.md', 'README.md', 'tools/README.md', 'src/core/analysis.ts', 'src/core/reduce.ts', 'src/core/windows.ts'];
  return sources.map(f => join(root, f)).filter(existsSync).map(f => readFileSync(f, 'utf8')).join('\n').slice(0, 12000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const defaultModel = join(root, 'models', 'default');
  const modelDir = arg('model') ?? (existsSync(join(defaultModel, 'config.json')) ? defaultModel : join(root, 'test', 'fixtures', 'models', 'gpt2-bytelevel'));
  const text = arg('text') ? readFileSync(arg('text')!, 'utf8') : defaultText();
  const runs = Math.max(5, Number(arg('runs') ?? 7));
  const threads = Math.max(1, Number(arg('threads') ?? 1));

  // Bare side: the same session options, the same ids, windows and chunks; only session.run is timed.
  const local = await loadModel(modelDir, { intraOpThreads: threads });
  const settings = resolveWindowSettings({ window: arg('window') ? Number(arg('window')) : undefined, stride: arg('stride') ? Number(arg('stride')) : undefined }, local.info.contextLength, local.info.modelType);
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
  const tokenizeTimes: number[] = [];
  async function whole(): Promise<number> {
    const t0 = performance.now();
    const analysis = await engine.analyze({ text, window: settings.window, stride: settings.stride });
    tokenizeTimes.push(analysis.timings.tokenizeMs);
    return performance.now() - t0;
  }

  await bare();
  await whole(); // warm-up both
  const bareTimes: number[] = [];
  const engineTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    bareTimes.push(await bare());
    engineTimes.push(await whole());
  }
  await engine.dispose();
  await session.release();

  const ratios = engineTimes.map((t, i) => t / bareTimes[i]);
  const fmt = (x: number) => x.toFixed(1);
  console.log(`model ${modelDir} (${local.info.modelType}, vocab ${local.info.vocabSize}, ${local.info.dtype}); ${doc.ids.length} tokens; window ${settings.window} stride ${settings.stride}; ${windows.length} windows; ${threads} intra-op thread(s); ${runs} runs`);
  console.log(`bare session.run: median ${fmt(median(bareTimes))} ms (min ${fmt(Math.min(...bareTimes))}, max ${fmt(Math.max(...bareTimes))})`);
  console.log(`engine analyze:   median ${fmt(median(engineTimes))} ms (min ${fmt(Math.min(...engineTimes))}, max ${fmt(Math.max(...engineTimes))})`);
  console.log(`  of which tokenization (worker): median ${fmt(median(tokenizeTimes))} ms; load average ${loadavg().map(x => x.toFixed(1)).join(' ')} on ${availableParallelism()} cores`);
  // Each run pairs a bare pass with an engine pass back to back, so the paired ratio is the robust
  // figure on a shared machine; the ratio of medians is printed beside it.
  console.log(`P1 overhead ratio: median ${median(ratios).toFixed(3)} of ${runs} paired runs (min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)}); ratio of medians ${(median(engineTimes) / median(bareTimes)).toFixed(3)}; goal <= 1.10`);
  const scoring = engineTimes.map((t, i) => (t - tokenizeTimes[i + 1]) / bareTimes[i]); // [0] is the warm-up
  console.log(`  (diagnostic) without tokenization: median ${median(scoring).toFixed(3)}`);
}

main().catch(e => {
  console.error(e);
  process.exitCode = 1;
});
