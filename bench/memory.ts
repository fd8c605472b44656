/**
 * P3: peak resident memory of the engine analysing 32,768 tokens with a vocabulary of 50,257, minus
 * the same worker after loading and analysing 16 tokens. Goal <= 300 MB, growing linearly in tokens
 * (not tokens x vocabulary): measured at three sizes. The model is the hand-written tiny causal
 * ONNX of the unit tests (test/unit/engine/tinyOnnx.ts) at vocab 50,257 and width 8, written to a
 * temporary folder at bench time, with the gpt2-bytelevel fixture's tokenizer (512 ids; the other
 * logits rows are padding, which the engine must still reduce in full).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyModelFolder } from '../test/unit/engine/tinyOnnx';
import { fmt, repoRoot, stats, textOfTokens, type Figure, type Stats } from './lib';

export const MB = 1024 * 1024;

/** One bench/memoryChild.ts measurement in a fresh process (bytes). */
export interface ChildMemory {
  tokens: number;
  baseline: number;
  peak: number;
  maxRss: number;
}

export function memoryChild(modelDir: string, textFile: string, options: object = {}): ChildMemory {
  const out = execFileSync(process.execPath, [join(__dirname, 'memoryChild.js'), modelDir, textFile, JSON.stringify(options)], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as ChildMemory;
}

export async function benchMemory(runs: number, sizes = [8192, 16384, 32768]): Promise<Figure> {
  const dir = mkdtempSync(join(tmpdir(), 'markov-lens-bench-'));
  try {
    const modelDir = writeTinyModelFolder(join(dir, 'vocab50257'), { vocab: 50257, dim: 8, positions: 1024 });
    copyFileSync(join(repoRoot, 'test', 'fixtures', 'models', 'gpt2-bytelevel', 'tokenizer.json'), join(modelDir, 'tokenizer.json'));
    const perSize: Record<string, Stats> = {};
    for (const size of sizes) {
      const textFile = join(dir, `${size}.txt`);
      writeFileSync(textFile, textOfTokens(modelDir, size));
      const growth: number[] = [];
      for (let i = 0; i < runs; i++) {
        const m = memoryChild(modelDir, textFile);
        growth.push((m.peak - m.baseline) / MB);
      }
      perSize[String(size)] = stats(growth);
    }
    const largest = perSize[String(sizes[sizes.length - 1])];
    const perToken = sizes.map(s => `${s}: ${fmt(perSize[String(s)].median, 1)} MB`).join(', ');
    return {
      value: largest.median, min: largest.min, max: largest.max, runs: largest.runs, unit: 'MB', goal: '<= 300 MB at 32,768 tokens, linear in tokens',
      met: largest.median <= 300, perSize, note: `peak RSS growth by size (${perToken}); tiny vocab-50,257 model, window 1024`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
