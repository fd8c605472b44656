/**
 * Shared pieces of the benchmark suite (bench/run.ts): command-line options, run statistics, the
 * model folders and deterministic texts of a given token count. Benchmarks report figures; they
 * never fail `npm test`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readModelConfig } from '../src/model/load/config';
import { loadTokenizerSync } from '../src/model/tokenizer';

export const repoRoot = join(__dirname, '..', '..');
export const defaultModelDir = join(repoRoot, 'models', 'default');

export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export interface Stats {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** Median (upper middle for even counts), min and max of one figure over the runs. */
export function stats(xs: number[]): Stats {
  const sorted = [...xs].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1], runs: xs.length };
}

/** One benchmark figure: the value compared with the goal, and how it was measured. */
export interface Figure {
  value: number | null;
  goal: string;
  met: boolean | null;
  min?: number;
  max?: number;
  runs?: number;
  unit?: string;
  note?: string;
  /** P7: tokens per second per document size. */
  perSize?: Record<string, Stats>;
}

export function figure(s: Stats, goal: string, met: (v: number) => boolean, note?: string): Figure {
  return { value: s.median, min: s.min, max: s.max, runs: s.runs, goal, met: met(s.median), ...(note ? { note } : {}) };
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap(name => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? sourceFiles(path) : /\.(ts|md)$/.test(name) ? [path] : [];
    });
}

/** English and TypeScript from the repository itself, repeated as needed (deterministic per commit). */
function corpus(minChars: number): string {
  const files = [join(repoRoot, 'README.md'), ...sourceFiles(join(repoRoot, 'src')), ...sourceFiles(join(repoRoot, 'docs'))].filter(existsSync);
  const once = files.map(f => readFileSync(f, 'utf8')).join('\n');
  let text = once;
  while (text.length < minChars) text += '\n' + once;
  return text;
}

const tokenizers = new Map<string, ReturnType<typeof loadTokenizerSync>>();

/** A prefix of the corpus holding `tokens` tokens of the model's tokenizer (exact up to the cut). */
export function textOfTokens(modelDir: string, tokens: number): string {
  let tokenizer = tokenizers.get(modelDir);
  if (!tokenizer) tokenizers.set(modelDir, (tokenizer = loadTokenizerSync(modelDir, readModelConfig(modelDir).raw)));
  const text = corpus(tokens * 8);
  const doc = tokenizer.encode(text);
  if (doc.ids.length < tokens) throw new Error(`corpus too short: ${doc.ids.length} < ${tokens} tokens`);
  return text.slice(0, doc.ends[tokens - 1]);
}

export function countTokens(modelDir: string, text: string): number {
  return tokenizers.get(modelDir)!.encode(text).ids.length;
}

export const fmt = (x: number, digits = 3): string => x.toFixed(digits);
