/**
 * Issue 16's figures for `compare`, on the bundled model against its float16 twin
 * (test/fixtures/models/default-fp16, made by tools/fixtures_compare.py --default):
 *
 * P8: comparison time / (analysis of BASE alone + analysis of OTHER alone), the same text of 4,096
 * tokens. Each run times the three back to back, so the paired ratio is robust on a shared machine.
 * Goal <= 1.10: the two models run window by window in step and every pair of rows is reduced on
 * the reduction thread while the next runs compute.
 *
 * P8m: peak RSS of the process during a 32,768-token comparison / the same during an analysis of
 * that text with BASE alone (each in a fresh child process, bench/compareMemoryChild.ts). Goal
 * <= 1.3 (memory O(T): no T x V array, one chunk of each model's logits in flight).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel, openModelPair } from '../src/model/client/openModel';
import { figure, fmt, repoRoot, stats, textOfTokens, type Figure } from './lib';

export const defaultTwinDir = join(repoRoot, 'test', 'fixtures', 'models', 'default-fp16');
const MB = 1024 * 1024;

export async function benchCompare(modelDir: string, againstDir: string, text: string, runs: number): Promise<Figure> {
  const base = await openModel(modelDir);
  const other = await openModel(againstDir);
  const pair = await openModelPair(modelDir, againstDir);
  // Wall time, and the process's CPU time (every thread: ONNX Runtime's and the reduction thread's),
  // which says how much more work a comparison does whether or not a free core hides it.
  const cpu: number[] = [];
  const time = async (work: () => Promise<unknown>) => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await work();
    const used = process.cpuUsage(c0);
    cpu.push((used.user + used.system) / 1000);
    return performance.now() - t0;
  };
  try {
    const analyzeBase = () => time(() => base.analyze({ text }));
    const analyzeOther = () => time(() => other.analyze({ text }));
    const compare = () => time(() => pair.model.compare!(pair.against, { text }));
    await analyzeBase();
    await analyzeOther();
    await compare(); // warm-up
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    const parts: number[][] = [];
    for (let i = 0; i < runs; i++) {
      cpu.length = 0;
      const a = await analyzeBase();
      const b = await analyzeOther();
      const c = await compare();
      ratios.push(c / (a + b));
      cpuRatios.push(cpu[2] / (cpu[0] + cpu[1]));
      parts.push([a, b, c]);
    }
    const median = (k: number) => stats(parts.map(p => p[k])).median;
    const cpuStats = stats(cpuRatios);
    const note = `4,096 tokens; medians: analyze BASE ${fmt(median(0), 0)} ms, analyze OTHER ${fmt(median(1), 0)} ms, compare ${fmt(median(2), 0)} ms; ` +
      `CPU time (all threads) compare / (BASE + OTHER) ${fmt(cpuStats.median, 3)} (min ${fmt(cpuStats.min, 3)}, max ${fmt(cpuStats.max, 3)})`;
    return figure(stats(ratios), '<= 1.10', v => v <= 1.1, note);
  } finally {
    await pair.dispose();
    await base.dispose();
    await other.dispose();
  }
}

export async function benchCompareMemory(modelDir: string, againstDir: string, runs: number, tokens = 32768): Promise<Figure> {
  const dir = mkdtempSync(join(tmpdir(), 'markov-lens-compare-'));
  try {
    const textFile = join(dir, 'text.txt');
    writeFileSync(textFile, textOfTokens(modelDir, tokens));
    const child = (mode: string) => JSON.parse(execFileSync(process.execPath, [join(__dirname, 'compareMemoryChild.js'), mode, modelDir, againstDir, textFile], { encoding: 'utf8' }).trim().split('\n').pop()!) as { peak: number; baseline: number; tokens: number };
    const ratios: number[] = [];
    const peaks: number[][] = [];
    for (let i = 0; i < runs; i++) {
      const single = child('analyze');
      const compared = child('compare');
      ratios.push(compared.peak / single.peak);
      peaks.push([single.peak / MB, compared.peak / MB, (single.peak - single.baseline) / MB, (compared.peak - compared.baseline) / MB]);
    }
    const median = (k: number) => fmt(stats(peaks.map(p => p[k])).median, 0);
    const note = `${tokens} tokens; peak RSS medians: analysis ${median(0)} MB (growth ${median(2)} MB), comparison ${median(1)} MB (growth ${median(3)} MB)`;
    return figure(stats(ratios), '<= 1.3', v => v <= 1.3, note);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
