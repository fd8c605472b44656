/**
 * P2: the same per-token NLL and entropy computed by PyTorch (bench/peer_torch.py, Debian's
 * python3-torch, the recipe's GPT-2 code and the weights read from model.onnx, same windows, float32)
 * divided by our whole analysis. Goal >= 2 (we are at least twice as fast). Each run pairs one peer
 * pass with one engine pass back to back; the peer process stays loaded between runs. Skipped with a
 * message where /usr/bin/python3 cannot import torch and onnx.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { planWindows, resolveWindowSettings } from '../src/core/windows';
import { openModel } from '../src/model/client/openModel';
import { figure, fmt, repoRoot, stats, type Figure } from './lib';
import { readModelConfig } from '../src/model/load/config';
import { loadTokenizerSync } from '../src/model/tokenizer';

const python = '/usr/bin/python3';

export function peerAvailable(): string | undefined {
  const probe = spawnSync(python, ['-c', 'import torch, onnx, numpy'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : `P2 skipped: ${python} cannot import torch/onnx/numpy (${(probe.stderr || String(probe.error)).trim().split('\n').pop()})`;
}

export async function benchPeer(modelDir: string, text: string, runs: number): Promise<Figure> {
  const skipped = peerAvailable();
  if (skipped) return { value: null, goal: '>= 2', met: null, note: skipped };
  const engine = await openModel(modelDir);
  const config = readModelConfig(modelDir);
  const tokenizer = loadTokenizerSync(modelDir, config.raw);
  const doc = tokenizer.encode(text);
  const ids = [tokenizer.prefixTokenId, ...doc.ids];
  const settings = resolveWindowSettings({}, engine.info.contextLength, engine.info.modelType);
  const windows = planWindows(ids.length, settings.window, settings.stride).map(w => [w.start, w.end, w.firstTarget, w.lastTarget]);
  const dir = mkdtempSync(join(tmpdir(), 'markov-lens-peer-'));
  const job = join(dir, 'job.json');
  // Same thread count as the engine's default intra-op threads (src/model/session.ts).
  writeFileSync(job, JSON.stringify({ model: modelDir, ids, windows, threads: Math.max(1, Math.floor(availableParallelism() / 2)) }));
  const peer = spawn(python, [join(repoRoot, 'bench', 'peer_torch.py'), job], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: peer.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const { value, done } = await lines.next();
    if (done) throw new Error('peer_torch.py exited early');
    return value as string;
  };
  try {
    if ((await next()) !== 'ready') throw new Error('peer_torch.py did not start');
    const peerRun = async (): Promise<{ ms: number; nll_sum: number; entropy_sum: number }> => {
      peer.stdin.write('run\n');
      return JSON.parse(await next());
    };
    const ours = async (): Promise<{ ms: number; nll: number; entropy: number }> => {
      const t0 = performance.now();
      const a = await engine.analyze({ text });
      const ms = performance.now() - t0;
      return { ms, nll: a.tokens.reduce((s, t) => s + (t.nll ?? 0), 0), entropy: a.tokens.reduce((s, t) => s + (t.entropy ?? 0), 0) };
    };
    const p0 = await peerRun();
    const o0 = await ours(); // warm-up both; also the cross-check of the numbers
    const ratios: number[] = [];
    for (let i = 0; i < runs; i++) {
      const p = await peerRun();
      ratios.push(p.ms / (await ours()).ms);
    }
    const n = doc.ids.length;
    const note = `${n} tokens; mean NLL peer ${fmt(p0.nll_sum / n, 5)} vs ours ${fmt(o0.nll / n, 5)}, mean entropy ${fmt(p0.entropy_sum / n, 5)} vs ${fmt(o0.entropy / n, 5)}`;
    return figure(stats(ratios), '>= 2', v => v >= 2, note);
  } finally {
    peer.stdin.end();
    peer.kill();
    await engine.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
