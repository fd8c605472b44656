/**
 * Real-size models for the benchmark (issue 15): GPT-2 small (124M) and SmolLM2-135M (Llama, GQA,
 * RoPE, external data) shapes with random weights, built by tools/bench_models/build.py into the
 * git-ignored bench/.cache/models. The recipe is idempotent (a stamp per folder; "up to date" in a few
 * seconds), so it runs on every call and a changed recipe rebuilds; a fresh build takes a few minutes
 * and about 3.5 GB of memory. Its progress goes to stderr.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './lib';

const python = '/usr/bin/python3';
export const realModelsDir = join(repoRoot, 'bench', '.cache', 'models');

export interface RealModels {
  gpt2: string;
  smollm: string;
}

/** Builds the real-size model folders when missing or stale; returns their paths. */
export function ensureRealModels(): RealModels {
  const build = spawnSync(python, [join(repoRoot, 'tools', 'bench_models', 'build.py'), '--out', realModelsDir], { stdio: ['ignore', 2, 2] });
  if (build.status !== 0) throw new Error(`tools/bench_models/build.py failed (${build.error ?? `exit ${build.status}`})`);
  return { gpt2: join(realModelsDir, 'gpt2-small-shape'), smollm: join(realModelsDir, 'smollm2-135m-shape') };
}
