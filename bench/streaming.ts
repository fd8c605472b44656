/**
 * P5 first results, P6 host responsiveness and P7 throughput, all through the public engine: P5
 * and P6 with the engine in its own process, as the extension host runs it (the host's event loop
 * is this one); P7 in this process, as the CLI runs it.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openModel } from '../src/model/client/openModel';
import type { LanguageModelEngine } from '../src/model/api';
import { figure, fmt, stats, textOfTokens, type Figure, type Stats } from './lib';

interface Timed {
  firstMs: number;
  totalMs: number;
  maxStallMs: number;
}

/** One analysis: time to the first streamed records, total time, longest host event-loop stall. */
async function timedAnalysis(engine: LanguageModelEngine, text: string): Promise<Timed> {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  let firstMs = NaN;
  const t0 = performance.now();
  loop.enable();
  await engine.analyze({ text, onRecords: () => { if (Number.isNaN(firstMs)) firstMs = performance.now() - t0; } });
  const totalMs = performance.now() - t0;
  loop.disable();
  return { firstMs, totalMs, maxStallMs: loop.max / 1e6 };
}

/**
 * Control for P6: the longest event-loop stall over the same duration with no analysis running
 * (timers alone). On a shared machine this is the stall the scheduler causes by itself.
 */
async function idleStallMs(durationMs: number): Promise<number> {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  await new Promise(resolve => setTimeout(resolve, durationMs));
  loop.disable();
  return loop.max / 1e6;
}

async function withEngine<T>(modelDir: string, body: (engine: LanguageModelEngine) => Promise<T>, ownProcess = false): Promise<T> {
  const engine = await openModel(modelDir, { process: ownProcess });
  try {
    return await body(engine);
  } finally {
    await engine.dispose();
  }
}

/** P5 (first records / full analysis) and P6 (longest event-loop stall) on one 8,192-token document. */
export async function benchFirstResultsAndStalls(modelDir: string, runs: number): Promise<{ P5: Figure; P6: Figure }> {
  const text = textOfTokens(modelDir, 8192);
  return withEngine(modelDir, async engine => {
    await timedAnalysis(engine, text); // warm-up
    const results: Timed[] = [];
    const idle: number[] = [];
    for (let i = 0; i < runs; i++) {
      results.push(await timedAnalysis(engine, text));
      idle.push(await idleStallMs(results[i].totalMs));
    }
    const totals = stats(results.map(r => r.totalMs));
    return {
      P5: figure(stats(results.map(r => r.firstMs / r.totalMs)), '<= 0.15', v => v <= 0.15,
        `8,192 tokens; first records median ${fmt(stats(results.map(r => r.firstMs)).median, 0)} ms of ${fmt(totals.median, 0)} ms`),
      P6: { ...figure(stats(results.map(r => r.maxStallMs)), '< 50 ms', v => v < 50, `monitorEventLoopDelay max (5 ms resolution) during the analysis; control with no analysis over the same time: median ${fmt(stats(idle).median, 1)} ms (max ${fmt(Math.max(...idle), 1)})`), unit: 'ms' },
    };
  }, true);
}

/** P7: tokens per second at several document sizes (whole analysis, model already loaded). */
export async function benchThroughput(modelDir: string, runs: number, sizes = [512, 2048, 8192, 32768]): Promise<Figure> {
  return withEngine(modelDir, async engine => {
    const perSize: Record<string, Stats> = {};
    for (const size of sizes) {
      const text = textOfTokens(modelDir, size);
      await engine.analyze({ text }); // warm-up at this size
      const rates: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        const analysis = await engine.analyze({ text });
        rates.push(analysis.tokens.length / ((performance.now() - t0) / 1000));
      }
      perSize[String(size)] = stats(rates);
    }
    const ratio = perSize[String(sizes[sizes.length - 1])].median / perSize[String(sizes[1] ?? sizes[0])].median;
    return {
      value: null, goal: 'roughly flat tokens/s (linear time)', met: ratio > 0.7, unit: 'tokens/s', perSize,
      note: `largest / ${sizes[1] ?? sizes[0]}-token rate ${fmt(ratio, 2)}`,
    };
  });
}
