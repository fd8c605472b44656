/**
 * P10, corpus scan (issue 20): `markov-lens scan` of a folder of 50 files of about 2,000 tokens each,
 * against the sum of analysing each file alone in a warm engine (the same engine process, the same
 * request the scan makes). The scan's time includes starting its engine process and loading the
 * model once; the baseline's excludes both. Runs alternate scan and baseline; the figure is the
 * median of the per-run ratios. Also reported: the scan's tokens per second (for the README's cost
 * estimate) and files per second with --jobs 2 against --jobs 1 (the measured default).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScan } from '../src/cli/scan/scan';
import type { ScanArgs } from '../src/cli/scan/args';
import { DEFAULT_MAX_BYTES } from '../src/core/defaults';
import { loadRemoteModel } from '../src/model/client/engineClient';
import { startEngineProcess } from '../src/model/client/engineProcess';
import { figure, fmt, stats, textOfTokens, type Figure } from './lib';

const FILES = 50;
const TOKENS = 2000;

/** 50 consecutive pieces of the corpus, each ending at a token boundary of about 2,000 tokens. */
function writeCorpus(modelDir: string, dir: string): string[] {
  const whole = textOfTokens(modelDir, FILES * TOKENS);
  const paths: string[] = [];
  const piece = Math.floor(whole.length / FILES);
  for (let i = 0; i < FILES; i++) {
    const path = join(dir, `d${i % 5}`, `file-${String(i).padStart(2, '0')}.txt`);
    mkdirSync(join(dir, `d${i % 5}`), { recursive: true });
    writeFileSync(path, whole.slice(i * piece, (i + 1) * piece));
    paths.push(path);
  }
  return paths;
}

function scanArgs(dir: string, output: string, jobs: number): ScanArgs {
  return { command: 'scan', paths: [dir], output, format: 'jsonl', jobs, include: [], exclude: [], maxBytes: DEFAULT_MAX_BYTES, words: false };
}

/** CPU seconds of a process from /proc (user + system), or of this process's reaped children. */
function procCpu(pid: number | 'self', children = false): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14-17 of stat (utime, stime, cutime, cstime) are at 11-14 after the command name; ticks of 1/100 s.
  const at = children ? 13 : 11;
  return (Number(fields[at]) + Number(fields[at + 1])) / 100;
}

const quiet = { stdout: { write: () => true }, stderr: { write: () => true, isTTY: false } };

async function timedScan(modelDir: string, dir: string, jobs: number): Promise<{ ms: number; tokens: number }> {
  const output = join(dir, '..', `scan-${jobs}.jsonl`);
  rmSync(output, { force: true });
  const t0 = performance.now();
  const counts = await runScan(scanArgs(dir, output, jobs), quiet, modelDir, {});
  return { ms: performance.now() - t0, tokens: counts.tokens };
}

export async function benchScan(modelDir: string, runs: number): Promise<{ P10: Figure; jobs: Figure }> {
  const root = mkdtempSync(join(tmpdir(), 'ml-bench-scan-'));
  const dir = join(root, 'corpus');
  try {
    const paths = writeCorpus(modelDir, dir);
    const baseline = startEngineProcess();
    const engine = await loadRemoteModel(baseline.channel, modelDir, {}, () => baseline.stop());
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    const rates: number[] = [];
    const jobRatios: number[] = [];
    let tokens = 0;
    try {
      await engine.analyze({ text: readFileSync(paths[0], 'utf8'), topK: 0 }); // warm
      for (let r = 0; r < runs; r++) {
        let alone = 0;
        const cpu0 = procCpu('self') + procCpu(baseline.pid!);
        for (const p of paths) {
          const text = readFileSync(p, 'utf8');
          const t0 = performance.now();
          await engine.analyze({ text, topK: 0 });
          alone += performance.now() - t0;
        }
        const aloneCpu = procCpu('self') + procCpu(baseline.pid!) - cpu0;
        // The scan's engine processes are this process's children: their CPU time is counted once they are reaped.
        const scan0 = procCpu('self') + procCpu('self', true);
        const scan = await timedScan(modelDir, dir, 1);
        const scanCpu = procCpu('self') + procCpu('self', true) - scan0;
        const two = await timedScan(modelDir, dir, 2);
        tokens = scan.tokens;
        ratios.push(scan.ms / alone);
        cpuRatios.push(scanCpu / aloneCpu);
        rates.push(scan.tokens / (scan.ms / 1000));
        jobRatios.push(scan.ms / two.ms);
      }
    } finally {
      await engine.dispose();
    }
    const cpu = stats(cpuRatios);
    const rate = stats(rates);
    const P10 = figure(stats(ratios), '<= 1.05', v => v <= 1.05,
      `${FILES} files, ${tokens} tokens; scan (engine start and model load included) ${fmt(rate.median, 0)} tokens/s (min ${fmt(rate.min, 0)}, max ${fmt(rate.max, 0)}); ` +
      `CPU time (front end + engines) scan / single analyses ${fmt(cpu.median, 3)} (min ${fmt(cpu.min, 3)}, max ${fmt(cpu.max, 3)}), which other work on the machine does not skew`);
    const jobs = { ...figure(stats(jobRatios), 'informative (sets the --jobs default)', () => true, 'files per second with --jobs 2 / with --jobs 1 (above 1: two engines are faster)'), met: null };
    return { P10, jobs };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
