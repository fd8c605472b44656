/**
 * `markov-lens scan PATH...`: walks the paths, scores every text file with one loaded model in N
 * engine processes, and writes one scan@1 line per file as it finishes (or, for csv and text, the
 * ranked table at the end). With --output, unchanged files already in the file are not scored again.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { wordsCsvHeader, wordsCsvRows } from '../../core/format/wordsCsv';
import { formatScanCsv, formatScanTable } from '../../core/scan/format';
import { LatestPerPath, rankLines } from '../../core/scan/merge';
import { formatLine, isScored, sameModel, scanModel, type ScanLine, type ScanModel } from '../../core/scan/record';
import { inShard } from '../../core/scan/shard';
import { wordSurprisals } from '../../core/words';
import type { Analysis } from '../../model/api';
import type { OpenModelOptions } from '../../model/client/openModel';
import type { ScanArgs } from './args';
import { EnginePool } from './engines';
import { LineAppender, readLines, writeAtomic } from './lineFile';
import { ScanProgress } from './progress';
import { readFound, type ReadResult } from './readFile';
import { scoreRead } from './scoreFile';
import { scanRoot, walkFiles, type FoundFile } from './walk';

/**
 * Engine processes by default, from bench P10 on this project's 2-core machine: one engine already
 * keeps both cores busy (ONNX Runtime's thread and the reduction thread), and a scan of 50 files of
 * 2,000 tokens with --jobs 2 ran at 0.64x the files per second of --jobs 1 (median of 3 runs,
 * 0.36-0.90; load average 18-19 from other work). More cores may pay for more engines: measure.
 */
export const DEFAULT_JOBS = 1;

export interface ScanIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  signal?: AbortSignal;
}

export interface ScanCounts {
  scored: number;
  unchanged: number;
  skipped: number;
  errors: number;
  tokens: number;
}

/** The sibling words file of an output: out.jsonl -> out.words.csv. */
export function wordsPath(output: string): string {
  return join(dirname(output), `${basename(output).replace(/\.jsonl?$/i, '')}.words.csv`);
}

/** Whether a previous line lets this file be passed over on resume. */
function unchanged(prior: ScanLine | undefined, read: ReadResult, model: ScanModel): boolean {
  if (!prior) return false;
  if (isScored(prior)) return !('line' in read) && prior.sha256 === read.sha256 && sameModel(prior.model, model);
  if (prior.error !== undefined) return false; // faults are retried
  if ('line' in read) return read.line.skipped === 'too-large' && prior.skipped === 'too-large' && prior.bytes === read.line.bytes;
  return prior.sha256 === read.sha256;
}

export async function runScan(args: ScanArgs, io: ScanIo, modelDir: string, engineOptions: OpenModelOptions): Promise<ScanCounts> {
  const root = scanRoot(args.paths);
  const jsonl = args.format === 'jsonl';
  const output = args.output === undefined ? undefined : resolve(args.output);
  const words = output !== undefined && args.words ? wordsPath(output) : undefined;
  const prior = new LatestPerPath();
  if (output && jsonl) for await (const line of readLinesIfAny(output)) prior.add(line);
  // Found files are listed first (paths and sizes only), so that progress can say how long is left.
  const files: FoundFile[] = [];
  for (const f of walkFiles(root, args.paths, { include: args.include, exclude: args.exclude, skip: new Set([output, words].filter((p): p is string => !!p)) })) {
    if (inShard(f.path, args.shard)) files.push(f);
  }
  const pool = await EnginePool.start(modelDir, Math.min(args.jobs ?? DEFAULT_JOBS, Math.max(1, files.length)), { ...engineOptions, variant: args.variant, ...(args.threads !== undefined ? { intraOpThreads: args.threads } : {}) });
  // The window and stride the engine resolves for these options (an empty text scores nothing): what
  // a line made now would say, so that resume compares like with like. Bad settings fail here, once.
  let model: ScanModel;
  try {
    const probe = await pool.engines[0].analyze({ text: '', topK: 0, window: args.window, stride: args.stride, windowMemoryMB: args.windowMemoryMB });
    model = scanModel(pool.engines[0].info, probe.scoring);
  } catch (e) {
    await pool.dispose();
    throw e;
  }
  const appender = output && jsonl ? new LineAppender(output) : undefined;
  const wordsOut = words ? new LineAppender(words, wordsCsvHeader(true)) : undefined;
  const kept: ScanLine[] = [];
  const counts: ScanCounts = { scored: 0, unchanged: 0, skipped: 0, errors: 0, tokens: 0 };
  const progress = new ScanProgress(io.stderr.isTTY ? io.stderr : undefined, files.length, files.reduce((s, f) => s + f.size, 0));
  const emit = (line: ScanLine): void => {
    if (isScored(line)) counts.scored++;
    else if (line.skipped) counts.skipped++;
    else counts.errors++;
    if (!jsonl) kept.push(line);
    else if (appender) appender.write(formatLine(line));
    else io.stdout.write(formatLine(line));
  };

  let nextFile = 0;
  /** The first failure of any worker (an interrupt, an internal error): the others stop taking files. */
  let failure: { error: unknown } | undefined;
  const take = (): Promise<ReadResult> | undefined =>
    (nextFile < files.length && !failure && !io.signal?.aborted ? readFound(files[nextFile++], args.maxBytes) : undefined);
  const handle = async (read: ReadResult, slot: number): Promise<number> => {
    if (unchanged(prior.get(read.file.path), read, model)) {
      counts.unchanged++;
      return 0;
    }
    const analyze = (text: string) => pool.engines[slot].analyze({ text, topK: 0, window: args.window, stride: args.stride, windowMemoryMB: args.windowMemoryMB, signal: io.signal });
    const key = 'sha256' in read ? { path: read.file.path, sha256: read.sha256 } : undefined;
    const withWords = wordsOut && key ? (text: string, analysis: Analysis) => wordsOut.write(wordsCsvRows(wordSurprisals(text, analysis.tokens), key)) : undefined;
    const scored = await scoreRead(read, args.maxBytes, analyze, io.signal, withWords);
    emit(scored.line);
    counts.tokens += scored.tokens;
    if (scored.engineStopped) await pool.restart(slot);
    return scored.tokens;
  };
  const worker = async (slot: number): Promise<void> => {
    try {
      let pending = take();
      while (pending) {
        const read = await pending;
        pending = take(); // the next file is read and hashed while this one is scored
        const tokens = await handle(read, slot);
        progress.fileDone(read.file.size, tokens);
      }
    } catch (error) {
      failure ??= { error };
    }
  };
  try {
    // Every worker ends (none is left writing) before the files are closed.
    await Promise.all(pool.engines.map((_, slot) => worker(slot)));
  } finally {
    appender?.close();
    wordsOut?.close();
    await pool.dispose();
  }
  if (failure) throw failure.error;
  if (!jsonl) {
    const ranked = rankLines(kept);
    const text = args.format === 'csv' ? formatScanCsv(ranked) : formatScanTable(ranked);
    if (output) writeAtomic(output, text);
    else io.stdout.write(text);
  }
  const seconds = progress.elapsedSeconds;
  progress.done(`scan: ${counts.scored} scored, ${counts.unchanged} unchanged, ${counts.skipped} skipped, ${counts.errors} errors; ` +
    `${counts.tokens.toLocaleString('en-US')} tokens in ${seconds.toFixed(1)} s (${Math.round(counts.tokens / Math.max(seconds, 1e-9)).toLocaleString('en-US')} tokens/s)`);
  return counts;
}

async function* readLinesIfAny(path: string): AsyncGenerator<ScanLine> {
  if (existsSync(path)) yield* readLines(path);
}
