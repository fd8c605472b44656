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
 *   node out/bench/geometry-overhead.js [--model DIR] [--tokens N] [--runs N] [--warmup N] [--eigen N] [--kernel K] [--shifts N] [--context-ablation]
 *
 * --warmup N (default 3): pairs run first and reported apart, while V8 still optimises the geometry code.
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

async function main(): Promise<void> {
  const defaultModel = join(root, 'models', 'default');
  const modelDir = arg('model') ?? (existsSync(join(defaultModel, 'config.json')) ? defaultModel : join(root, 'test', 'fixtures', 'models', 'gpt2-bytelevel'));
  const tokens = Number(arg('tokens') ?? 4096);
  const runs = Math.max(5, Number(arg('runs') ?? 5));
  const eigen = Number(arg('eigen') ?? 32);
  const kernel = (arg('kernel') ?? 'prototype') as KernelName;
  const shifts = arg('shifts') ? Number(arg('shifts')) : undefined;
  const engine = await openModel(modelDir);
  try {
    // Cut the text at exactly `tokens` tokens (this run also warms the session up).
    let text = sourceText();
    let probe = await engine.analyze({ text, topK: 1 });
    while (probe.tokens.length < tokens) {
      text = `${text}\n${text}`;
      probe = await engine.analyze({ text, topK: 1 });
    }
    text = text.slice(0, probe.tokens[tokens - 1].end);
    const geometry = { eigenpairs: eigen, kernel, seed: 1, shifts, contextAblation: process.argv.includes('--context-ablation') };
    await engine.analyze({ text, geometry }); // splices and loads the geometry session once
    // V8 keeps tiering the geometry code up over the first few analyses: those pairs are reported
    // on their own (what the first analyses of a session cost) and kept out of the steady-state figure.
    const warmups = Math.max(0, Number(arg('warmup') ?? 3));
    const warmupRatios: number[] = [];
    for (let r = 0; r < warmups; r++) {
      const started = performance.now();
      await engine.analyze({ text });
      const plain = performance.now() - started;
      const again = performance.now();
      await engine.analyze({ text, geometry });
      warmupRatios.push((performance.now() - again) / plain - 1);
    }

    const ratios: number[] = [];
    const plainMs: number[] = [];
    const geoMs: number[] = [];
    const computeMs: number[] = [];
    const cpuRatios: number[] = [];
    const inferenceRatios: number[] = [];
    const parts: Record<string, number[]> = {};
    let plainPeak = 0;
    let geoPeak = 0;
    let last;
    for (let r = 0; r < runs; r++) {
      // Alternate the order so a drifting machine load does not favour one side.
      const order = r % 2 === 0 ? ['plain', 'geo'] : ['geo', 'plain'];
      const times: Record<string, number> = {};
      const cpu: Record<string, number> = {};
      const inference: Record<string, number> = {};
      for (const kind of order) {
        const started = performance.now();
        const cpuStart = process.cpuUsage();
        const { value, peak } = await peakRss(() => engine.analyze(kind === 'geo' ? { text, geometry } : { text }));
        times[kind] = performance.now() - started;
        const used = process.cpuUsage(cpuStart);
        cpu[kind] = used.user + used.system;
        inference[kind] = value.timings.inferenceMs;
        if (kind === 'geo') {
          geoPeak = Math.max(geoPeak, peak);
          computeMs.push(value.timings.geometryMs ?? 0);
          last = value;
          // The surplus runs' milliseconds are in the timings too (surplusBMs, surplusA2Ms).
          const split: Record<string, number> = { ...value.geometry?.timings };
          for (const [k, v] of Object.entries(split)) (parts[k] ??= []).push(v);
        }
        else plainPeak = Math.max(plainPeak, peak);
      }
      plainMs.push(times.plain);
      geoMs.push(times.geo);
      ratios.push(times.geo / times.plain - 1);
      cpuRatios.push(cpu.geo / cpu.plain - 1);
      inferenceRatios.push(inference.geo / inference.plain - 1);
    }
    const g = last!.geometry!;
    const T = last!.tokens.length;
    const d = last!.model.hiddenSize;
    const V = last!.model.vocabSize;
    const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
    const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
    console.log(`model ${modelDir} (V ${V}, d ${d}); ${T} tokens; ${eigen} eigenpairs, ${g.kernel.name} kernel, ${g.alignment?.shifts ?? 0} shifts${geometry.contextAblation ? ', surplus B' : ''}`);
    console.log(`cores ${availableParallelism()}, load average ${loadavg().map(x => x.toFixed(2)).join(' ')}; ${runs} paired runs`);
    console.log(`analysis without geometry: median ${median(plainMs).toFixed(0)} ms (min ${Math.min(...plainMs).toFixed(0)}, max ${Math.max(...plainMs).toFixed(0)})`);
    console.log(`analysis with geometry:    median ${median(geoMs).toFixed(0)} ms (min ${Math.min(...geoMs).toFixed(0)}, max ${Math.max(...geoMs).toFixed(0)})`);
    console.log(`  of which computeGeometry + head check after inference: median ${median(computeMs).toFixed(0)} ms`);
    console.log(`  parts, median over runs (ms): ${Object.entries(parts).map(([k, v]) => `${k} ${median(v).toFixed(0)}`).join(', ')}`);
    console.log(`  inference phase with the hidden-state graph and capture vs plain (median of paired ratios - 1): ${pct(median(inferenceRatios))}`);
    if (warmupRatios.length) console.log(`first ${warmupRatios.length} pairs after the geometry session loaded (warm-up, not in the figures below): ${warmupRatios.map(pct).join(', ')}`);
    console.log(`OVERHEAD (median of paired ratios - 1): ${pct(median(ratios))} (min ${pct(Math.min(...ratios))}, max ${pct(Math.max(...ratios))}); goal <= 25 %`);
    // CPU time of the whole process (all threads): less sensitive to other jobs than wall time.
    console.log(`CPU-time overhead (median of paired ratios - 1): ${pct(median(cpuRatios))} (min ${pct(Math.min(...cpuRatios))}, max ${pct(Math.max(...cpuRatios))})`);
    console.log(`memory: peak RSS without ${mb(plainPeak)}, with ${mb(geoPeak)}; geometry keeps h ${mb(T * d * 4)} (T×d float32), π̄ ${mb(V * 8)}, no T×V array`);
  } finally {
    await engine.dispose();
  }
}

main().catch(e => {
  console.error(e);
  process.exitCode = 1;
});
