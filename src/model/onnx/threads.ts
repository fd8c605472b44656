/**
 * How many intra-op threads ONNX Runtime gets when neither the user (setting `markovLens.threads`,
 * CLI `--threads`) nor the caller chose. Heuristic, set by measurement (bench/RESULTS.md, issue 15;
 * 2-core machine, whole analyses, 1 against 2 threads): a small model spends a large share of its
 * time reducing logits rows, which a reduction thread does beside ONNX Runtime when a core is left
 * free (bundled model, 14 MB: 2 threads took 1.10x as long as 1 thread + the reduction thread); a
 * large model spends nearly all of it in the forward pass, which takes every core (GPT-2-small shape,
 * 0.5 GB: 2 threads took 0.86x as long, the reduction then runs inline).
 */
import { availableParallelism } from 'node:os';

/** Weights from this size on take every core (both measured models are far from it: 14 MB and 0.5 GB). */
export const ALL_CORES_FROM_BYTES = 100 * 2 ** 20;

export function automaticIntraOpThreads(weightBytes: number, cores: number = availableParallelism()): number {
  return weightBytes >= ALL_CORES_FROM_BYTES ? Math.max(1, cores) : Math.max(1, Math.floor(cores / 2));
}
