/**
 * Benchmark: what geometry adds to an analysis. The same text (default 4,096 tokens) is analysed
 * without and with `geometry` (top 32 eigenpairs, alignment, shift nulls, A1) in back-to-back pairs;
 * the headline is the median over pairs of (with / without) − 1, with min and max. Goal: ≤ 25 %.
 * The same ratio of process CPU time (all threads) is printed too: it moves less with machine load.
 * Memory: the process's peak RSS (worker threads included) for each kind of run, and the sizes of
 * what geometry keeps, which are O(T·(k + d)) plus O(V): h (T×d float32), π̄ (V float64), slices.
 * Where the extra time goes: the inference phase with and without the hidden-state graph and capture
 * (paired ratio of the worker's inferenceMs), and after it the median of each part of
 * computeGeometry over the runs (the surplus short runs, surplusBMs and surplusA2Ms, among them).
 * On a loaded machine compare ratios from one run only (both kinds alternate within it).
 *
 * Heuristic surplus B is an option outside that budget (off by default); `--context-ablation` adds it.
 *
 *   node out/bench/geometry-overhead.js [--model DIR] [--tokens N] [--runs N] [--warmup N] [--eigen N] [--kernel K] [--shifts N] [--context-ablation] [--baseline DIR]
 *
 * --warmup N (default 3): pairs run first and reported apart, while V8 still optimises the geometry code.
 * --baseline DIR: another build (DIR/out/src/model/client/openModel.js, e.g. a checkout of main after
 * `npm run compile-tests`) analyses the same text in the same process, the two engines taking turns
 * pair by pair, so before and after come from one run.
 *
 * Default model: models/default when present, else the gpt2-bytelevel test fixture. Default text:
 * the model's held-out files (models/default/heldout), repeated as needed and cut at N tokens.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import type { KernelName } from '../src/core/geometry';
import { openModel } from '../src/model/client/openModel';

const root = join(__dirname, '..', '..');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function sourceText(): string {
  const heldout = join(root, 'models', 'default', 'heldout');
  const files = existsSync(heldout) ? readdirSync(heldout).sort().map(f => join(heldout, f)) : [join(root, '..', 'shared', 'DESIGN.md')].filter(existsSync);
  const text = files.map(f => readFileSync(f, 'utf8')).join('\n');
  return text.length > 0 ? text : 'The quick brown fox jumps over the lazy dog. '.repeat(200);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Peak RSS while `f` runs (sampled every 10 ms; the worker threads share the process). */
async function peakRss<T>(f: () => Promise<T>): Promise<{ value: T; peak: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 10);
  try {
    const value = await f();
    return { value, peak: Math.max(peak, process.memoryUsage().rss) };
  } finally {
    clearInterval(timer);
  }
}

type Engine = Awaited<ReturnType<typeof openModel>>;

/** One engine's figures over the paired runs. */
interface Series {
  name: string;
  engine: Engine;
  warmupRatios: number[];
  ratios: number[];
  plainMs: number[];
  geoMs: number[];
  computeMs: number[];
  cpuRatios: number[];
  inferenceRatios: number[];
  parts: Record<string, number[]>;
  plainPeak: number;
  geoPeak: number;
  last?: Awaited<ReturnType<Engine['analyze']>>;
}

async function main(): Promise<void> {
  const defaultModel = join(root, 'models', 'default');
  const modelDir = arg('model') ?? (existsSync(join(defaultModel, 'config.json')) ? defaultModel : join(root, 'test', 'fixtures', 'models', 'gpt2-bytelevel'));
  const tokens = Number(arg('tokens') ?? 4096);
  const runs = Math.max(5, Number(arg('runs') ?? 5));
  const eigen = Number(arg('eigen') ?? 32);
  const kernel = (arg('kernel') ?? 'prototype') as KernelName;
  const shifts = arg('shifts') ? Number(arg('shifts')) : undefined;
  const baseline = arg('baseline');
  // Found before any engine starts: a missing build then fails at once instead of leaving this build's engine running.
  const baselineOpen = baseline ? baselineOpenModel(baseline) : undefined;
  const series: Series[] = [];
  const add = async (name: string, open: typeof openModel) => {
    series.push({
      name, engine: await open(modelDir), warmupRatios: [], ratios: [], plainMs: [], geoMs: [], computeMs: [], cpuRatios: [], inferenceRatios: [], parts: {}, plainPeak: 0, geoPeak: 0,
    });
  };
  await add('this build', openModel);
  try {
    if (baseline && baselineOpen) await add(`baseline ${baseline}`, baselineOpen);
    // Cut the text at exactly `tokens` tokens (this run also warms the session up).
    const { engine } = series[0];
    let text = sourceText();
    let probe = await engine.analyze({ text, topK: 1 });
    while (probe.tokens.length < tokens) {
      text = `${text}\n${text}`;
      probe = await engine.analyze({ text, topK: 1 });
    }
    text = text.slice(0, probe.tokens[tokens - 1].end);
    const geometry = { eigenpairs: eigen, kernel, seed: 1, shifts, contextAblation: process.argv.includes('--context-ablation') };
    // Splices and loads each geometry session once.
    for (const s of series) await s.engine.analyze({ text, geometry });
    // V8 keeps tiering the geometry code up over the first few analyses: those pairs are reported
    // on their own (what the first analyses of a session cost) and kept out of the steady-state figure.
    const warmups = Math.max(0, Number(arg('warmup') ?? 3));
    for (let r = 0; r < warmups; r++) for (const s of series) {
      const started = performance.now();
      await s.engine.analyze({ text });
      const plain = performance.now() - started;
      const again = performance.now();
      await s.engine.analyze({ text, geometry });
      s.warmupRatios.push((performance.now() - again) / plain - 1);
    }
    for (let r = 0; r < runs; r++) for (const s of series) {
      // Alternate the order so a drifting machine load does not favour one side; the engines take turns.
      const order = r % 2 === 0 ? ['plain', 'geo'] : ['geo', 'plain'];
      const times: Record<string, number> = {};
      const cpu: Record<string, number> = {};
      const inference: Record<string, number> = {};
      for (const kind of order) {
        const started = performance.now();
        const cpuStart = process.cpuUsage();
        const { value, peak } = await peakRss(() => s.engine.analyze(kind === 'geo' ? { text, geometry } : { text }));
        times[kind] = performance.now() - started;
        const used = process.cpuUsage(cpuStart);
        cpu[kind] = used.user + used.system;
        inference[kind] = value.timings.inferenceMs;
        if (kind === 'geo') {
          s.geoPeak = Math.max(s.geoPeak, peak);
          s.computeMs.push(value.timings.geometryMs ?? 0);
          s.last = value;
          // The surplus runs' milliseconds are in the timings too (surplusBMs, surplusA2Ms).
          const split: Record<string, number> = { ...value.geometry?.timings };
          for (const [k, v] of Object.entries(split)) (s.parts[k] ??= []).push(v);
        }
        else s.plainPeak = Math.max(s.plainPeak, peak);
      }
      s.plainMs.push(times.plain);
      s.geoMs.push(times.geo);
      s.ratios.push(times.geo / times.plain - 1);
      s.cpuRatios.push(cpu.geo / cpu.plain - 1);
      s.inferenceRatios.push(inference.geo / inference.plain - 1);
    }
    const { last } = series[0];
    const g = last!.geometry!;
    const T = last!.tokens.length;
    const d = last!.model.hiddenSize;
    const V = last!.model.vocabSize;
    const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
    const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
    console.log(`model ${modelDir} (V ${V}, d ${d}); ${T} tokens; ${eigen} eigenpairs, ${g.kernel.name} kernel, ${g.alignment?.shifts ?? 0} shifts${geometry.contextAblation ? ', surplus B' : ''}`);
    console.log(`cores ${availableParallelism()}, load average ${loadavg().map(x => x.toFixed(2)).join(' ')}; ${runs} paired runs${series.length > 1 ? ' per engine, the engines taking turns' : ''}`);
    for (const s of series) {
      if (series.length > 1) console.log(`\n${s.name}:`);
      console.log(`analysis without geometry: median ${median(s.plainMs).toFixed(0)} ms (min ${Math.min(...s.plainMs).toFixed(0)}, max ${Math.max(...s.plainMs).toFixed(0)})`);
      console.log(`analysis with geometry:    median ${median(s.geoMs).toFixed(0)} ms (min ${Math.min(...s.geoMs).toFixed(0)}, max ${Math.max(...s.geoMs).toFixed(0)})`);
      console.log(`  of which computeGeometry + head check after inference: median ${median(s.computeMs).toFixed(0)} ms`);
      console.log(`  parts, median over runs (ms): ${Object.entries(s.parts).map(([k, v]) => `${k} ${median(v).toFixed(0)}`).join(', ')}`);
      console.log(`  inference phase with the hidden-state graph and capture vs plain (median of paired ratios - 1): ${pct(median(s.inferenceRatios))}`);
      if (s.warmupRatios.length) console.log(`first ${s.warmupRatios.length} pairs after the geometry session loaded (warm-up, not in the figures below): ${s.warmupRatios.map(pct).join(', ')}`);
      console.log(`OVERHEAD (median of paired ratios - 1): ${pct(median(s.ratios))} (min ${pct(Math.min(...s.ratios))}, max ${pct(Math.max(...s.ratios))}); goal <= 25 %`);
      // CPU time of the whole process (all threads): less sensitive to other jobs than wall time.
      console.log(`CPU-time overhead (median of paired ratios - 1): ${pct(median(s.cpuRatios))} (min ${pct(Math.min(...s.cpuRatios))}, max ${pct(Math.max(...s.cpuRatios))})`);
      console.log(`memory: peak RSS without ${mb(s.plainPeak)}, with ${mb(s.geoPeak)}; geometry keeps h ${mb(T * d * 4)} (T×d float32), π̄ ${mb(V * 8)}, no T×V array`);
    }
    if (series.length > 1) {
      const [now, before] = series;
      const each = now.computeMs.map((x, i) => x / before.computeMs[i]);
      console.log(`\nthis build / baseline, geometry after inference (median of the runs' ratios): ${median(each).toFixed(3)} (min ${Math.min(...each).toFixed(3)}, max ${Math.max(...each).toFixed(3)})`);
      console.log(`overhead this build ${pct(median(now.ratios))} vs baseline ${pct(median(before.ratios))}`);
    }
  } finally {
    for (const s of series) await s.engine.dispose();
  }
}

/** Another build's openModel (DIR/out/src/model/client/openModel.js), or an error naming what is missing. */
function baselineOpenModel(dir: string): typeof openModel {
  const path = join(dir, 'out', 'src', 'model', 'client', 'openModel.js');
  if (!existsSync(path)) throw new Error(`--baseline ${dir}: ${path} does not exist (run npm run compile-tests there; builds from before the engine had its own process lack it)`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- another build's engine, found at run time
  return (require(path) as { openModel: typeof openModel }).openModel;
}

main().catch(e => {
  console.error(e);
  process.exitCode = 1;
});
