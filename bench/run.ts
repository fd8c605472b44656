/**
 * The benchmark suite (issue 6), run by `npm run bench`: prints a table of figures against their
 * goals and, with --json FILE, writes { "P1": { "value", "goal", "met", ... }, ... }. Figures are
 * ratios measured within one run (machine noise cancels), reported as the median of --runs runs
 * (default 5) with min and max. Benchmarks never fail `npm test`; the exit code is 0 unless a
 * benchmark itself crashed.
 *
 *   npm run bench -- [--only P1,P4,S1,S2] [--runs N] [--json FILE] [--model DIR] [--against DIR (P8)]
 *
 * R1-R4 (bench/realTier.ts) use the real-size models of bench/realModels.ts, built on first use (a few
 * minutes) whatever --model says.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { benchCompare, benchCompareMemory, defaultTwinDir } from './compare';
import { benchIncremental } from './incremental';
import { benchLens } from './lens';
import { arg, defaultModelDir, fmt, textOfTokens, type Figure } from './lib';
import { benchMemory } from './memory';
import { benchOverhead } from './overhead';
import { benchPeer } from './peer';
import { benchRealTier } from './realTier';
import { benchScan } from './scan';
import { benchSpectrum } from './spectrum';
import { benchFirstResultsAndStalls, benchThroughput } from './streaming';

// The real-size tier (R1-R5) runs only when named: it builds about 1 GB of models and takes ~40 minutes.
const ALL = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P8M', 'P9', 'P10', 'S1', 'S2'];

function describeMachine(): string {
  const load = loadavg().map(x => x.toFixed(1)).join(' ');
  return `${cpus()[0]?.model ?? 'cpu'} x ${availableParallelism()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load average ${load}`;
}

function row(name: string, f: Figure): string {
  const unit = f.unit ? ` ${f.unit}` : '';
  const value = f.value === null ? '-' : `${fmt(f.value, f.unit === 'ms' || f.unit === 'MB' ? 1 : 3)}${unit}`;
  const range = f.min !== undefined ? ` (min ${fmt(f.min!, 3)}, max ${fmt(f.max!, 3)}, ${f.runs} runs)` : '';
  const met = f.met === null ? 'n/a' : f.met ? 'met' : 'MISSED';
  return `${name.padEnd(3)} ${value}${range}  goal ${f.goal}: ${met}${f.note ? `\n      ${f.note}` : ''}`;
}

async function main(): Promise<void> {
  const only = (arg('only') ?? ALL.join(',')).split(',').map(s => s.trim().toUpperCase());
  const runs = Math.max(1, Number(arg('runs') ?? 5));
  const modelDir = arg('model') ?? defaultModelDir;
  const results: Record<string, Figure> = {};
  const started = describeMachine();
  console.log(`machine: ${started}`);
  console.log(`model: ${modelDir}; ${runs} runs per figure\n`);
  const want = (p: string) => only.includes(p);
  const report = (name: string, f: Figure) => {
    results[name] = f;
    console.log(row(name, f));
    if (f.perSize) for (const [size, s] of Object.entries(f.perSize)) console.log(`      ${size.padStart(6)} tokens: ${fmt(s.median, 1)} (min ${fmt(s.min, 1)}, max ${fmt(s.max, 1)}, ${s.runs} runs)`);
  };
  if (want('P1')) report('P1', await benchOverhead(modelDir, textOfTokens(modelDir, 4096), runs));
  if (want('P2')) report('P2', await benchPeer(modelDir, textOfTokens(modelDir, 4096), runs));
  if (want('P3')) report('P3', await benchMemory(runs));
  if (want('P4')) report('P4', await benchIncremental(modelDir, runs));
  if (want('P5') || want('P6')) {
    const { P5, P6 } = await benchFirstResultsAndStalls(modelDir, runs);
    if (want('P5')) report('P5', P5);
    if (want('P6')) report('P6', P6);
  }
  if (want('P7')) report('P7', await benchThroughput(modelDir, runs));
  const twin = arg('against') ?? defaultTwinDir;
  if (want('P8')) report('P8', await benchCompare(modelDir, twin, textOfTokens(modelDir, 4096), runs));
  if (want('P8M')) report('P8M', await benchCompareMemory(modelDir, twin, runs));
  if (want('P10')) {
    const { P10, jobs } = await benchScan(modelDir, runs);
    report('P10', P10);
    report('P10 jobs', jobs);
  }
  if (want('P9')) {
    const { P9, price } = await benchLens(modelDir, textOfTokens(modelDir, 4096), runs);
    report('P9', P9);
    report('P9 price', price);
  }
  if (want('S1') || want('S2') || want('S0')) {
    const { S0, S1, S2 } = await benchSpectrum(modelDir, runs);
    report('S0', S0);
    if (want('S1')) report('S1', S1);
    if (want('S2')) report('S2', S2);
  }
  await benchRealTier(want, runs, report);
  console.log(`\nload average at the end: ${loadavg().map(x => x.toFixed(1)).join(' ')}`);
  const jsonFile = arg('json');
  if (jsonFile) {
    writeFileSync(jsonFile, JSON.stringify({ machine: started, model: modelDir, runs, ...results }, null, 2) + '\n');
    console.log(`wrote ${jsonFile}`);
  }
}

main().catch(e => {
  console.error(e);
  process.exitCode = 1;
});
