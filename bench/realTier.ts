/**
 * The real-size tier of the benchmark (issue 15), on the GPT-2-small-shape model (124M parameters,
 * V = 50,257) that tools/bench_models/build.py builds with random weights (bench/realModels.ts):
 *
 * R1 analysis / bare forward at 4,096 tokens, the bare forward with ONNX Runtime's default threads
 *    (bench/overhead.ts). Goal <= 1.10.
 * R2 PyTorch peer / ours at 4,096 tokens, each side at its best thread count, 1 or 2
 *    (bench/peer.ts). Goal >= 2.
 * R3 peak RSS of the whole process (loading included) analysing 4,096 tokens with geometry / without
 *    (bench/memoryChild.ts, a fresh process each). Goal <= 1.25.
 * R4 the same peak at 32,768 tokens / at 4,096, without geometry. Goal <= 1.15.
 * R5 compare of the GPT-2-small shape against the SmolLM2-135M shape (different tokenizers, so the
 *    two models score apart) / (analysis of one + analysis of the other), 4,096 GPT-2 tokens
 *    (bench/compare.ts). Goal <= 1.10.
 *
 * R3 and R4 share their 4,096-token runs without geometry: each run measures plain 4k, geometry 4k
 * and plain 32k back to back, so both ratios are paired within a run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchCompare } from './compare';
import { figure, fmt, stats, textOfTokens, type Figure } from './lib';
import { MB, memoryChild, type ChildMemory } from './memory';
import { benchOverhead } from './overhead';
import { benchPeerBestThreads } from './peer';
import { ensureRealModels } from './realModels';

export const realTierFigures = ['R1', 'R2', 'R3', 'R4', 'R5'];

export async function benchRealTier(want: (name: string) => boolean, runs: number, report: (name: string, f: Figure) => void): Promise<void> {
  if (!realTierFigures.some(want)) return;
  const { gpt2, smollm } = ensureRealModels();
  const text4k = textOfTokens(gpt2, 4096);
  if (want('R1')) report('R1', await benchOverhead(gpt2, text4k, runs, undefined, 'runtime-default'));
  if (want('R2')) report('R2', await benchPeerBestThreads(gpt2, text4k, runs));
  if (want('R3') || want('R4')) {
    const { R3, R4 } = realMemory(gpt2, text4k, runs, want('R3'), want('R4'));
    if (R3) report('R3', R3);
    if (R4) report('R4', R4);
  }
  if (want('R5')) report('R5', await benchCompare(gpt2, smollm, text4k, runs));
}

function realMemory(modelDir: string, text4k: string, runs: number, geometry: boolean, long: boolean): { R3?: Figure; R4?: Figure } {
  const dir = mkdtempSync(join(tmpdir(), 'markov-lens-real-memory-'));
  try {
    const file4k = join(dir, '4096.txt');
    const file32k = join(dir, '32768.txt');
    writeFileSync(file4k, text4k);
    if (long) writeFileSync(file32k, textOfTokens(modelDir, 32768));
    const plain: ChildMemory[] = [];
    const geo: ChildMemory[] = [];
    const big: ChildMemory[] = [];
    for (let i = 0; i < runs; i++) {
      plain.push(memoryChild(modelDir, file4k));
      if (geometry) geo.push(memoryChild(modelDir, file4k, { geometry: true }));
      if (long) big.push(memoryChild(modelDir, file32k));
    }
    const mb = (xs: ChildMemory[], f: (m: ChildMemory) => number) => `${fmt(stats(xs.map(f)).median / MB, 0)} MB`;
    const describe = (label: string, xs: ChildMemory[]) =>
      `${label}: peak ${mb(xs, m => m.maxRss)} (after loading ${mb(xs, m => m.baseline)}, while scoring ${mb(xs, m => m.peak)})`;
    const ratio = (xs: ChildMemory[]) => stats(xs.map((m, i) => m.maxRss / plain[i].maxRss));
    return {
      ...(geometry ? { R3: figure(ratio(geo), '<= 1.25', v => v <= 1.25, `4,096 tokens; medians ${describe('with geometry', geo)}; ${describe('without', plain)}`) } : {}),
      ...(long ? { R4: figure(ratio(big), '<= 1.15', v => v <= 1.15, `no geometry; medians ${describe('32,768 tokens', big)}; ${describe('4,096 tokens', plain)}`) } : {}),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
