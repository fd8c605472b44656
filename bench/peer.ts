/**
 * P2: the same per-token NLL and entropy computed by PyTorch (bench/peer_torch.py, Debian's
 * python3-torch, the recipe's GPT-2 or Llama code and the weights read from model.onnx, same windows,
 * float32) divided by our whole analysis. Goal >= 2 (we are at least twice as fast). Each run pairs one
 * peer pass with one engine pass back to back; the peer process stays loaded between runs. Skipped with
 * a message where /usr/bin/python3 cannot import torch and onnx.
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

export interface PeerRuns {
  /** Document tokens scored. */
  tokens: number;
  /** Threads of both sides: the engine's intra-op threads and torch.set_num_threads. */
  threads: number;
  /** Per paired run (warm-up excluded): the peer's scoring time and our whole analysis, ms. */
  peerMs: number[];
  oursMs: number[];
  /** The same runs' CPU time (every thread of the process; a busy machine inflates it far less than wall time). */
  peerCpuMs: number[];
  oursCpuMs: number[];
  /** Warm-up run: largest per-token |NLL difference| (nats), and the mean NLL / entropy of each side. */
  maxNllDiff: number;
  mean: { peerNll: number; oursNll: number; peerEntropy: number; oursEntropy: number };
}

/**
 * `runs` paired peer / engine passes over `text` after one warm-up pair that also cross-checks the numbers.
 * peerEnv adds to the peer's environment, e.g. { MALLOC_MMAP_MAX_: '0' }: glibc's malloc maps and unmaps
 * every tensor over 32 MB (PyTorch's CPU allocator has no cache), and on a VM where page faults are dear
 * that is a large part of the peer's time; ONNX Runtime's arena keeps its memory.
 */
export async function peerRuns(
  modelDir: string,
  text: string,
  runs: number,
  threads = Math.max(1, Math.floor(availableParallelism() / 2)),
  peerEnv: Record<string, string> = {},
): Promise<PeerRuns> {
  const engine = await openModel(modelDir, { intraOpThreads: threads });
  const config = readModelConfig(modelDir);
  const tokenizer = loadTokenizerSync(modelDir, config.raw);
  const doc = tokenizer.encode(text);
  const ids = [tokenizer.prefixTokenId, ...doc.ids];
  const settings = resolveWindowSettings({}, engine.info.contextLength, engine.info.modelType);
  const windows = planWindows(ids.length, settings.window, settings.stride).map(w => [w.start, w.end, w.firstTarget, w.lastTarget]);
  const dir = mkdtempSync(join(tmpdir(), 'markov-lens-peer-'));
  const job = join(dir, 'job.json');
  writeFileSync(job, JSON.stringify({ model: modelDir, ids, windows, threads }));
  // Debian's torch calls OpenBLAS (pthread build), whose own pool would use every core whatever torch.set_num_threads says.
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), ...peerEnv };
  const peer = spawn(python, [join(repoRoot, 'bench', 'peer_torch.py'), job], { stdio: ['pipe', 'pipe', 'inherit'], env });
  const lines = createInterface({ input: peer.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const { value, done } = await lines.next();
    if (done) throw new Error('peer_torch.py exited early');
    return value as string;
  };
  try {
    if ((await next()) !== 'ready') throw new Error('peer_torch.py did not start');
    const peerRun = async (command = 'run'): Promise<{ ms: number; cpu_ms: number; nll_sum: number; entropy_sum: number; nll?: number[] }> => {
      peer.stdin.write(`${command}\n`);
      return JSON.parse(await next());
    };
    const ours = async () => {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const a = await engine.analyze({ text });
      const cpu = process.cpuUsage(c0);
      return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, nll: a.tokens.map(t => t.nll ?? NaN), entropy: a.tokens.reduce((s, t) => s + (t.entropy ?? 0), 0) };
    };
    const p0 = await peerRun('run tokens');
    const o0 = await ours(); // warm-up both; also the cross-check of the numbers
    const n = doc.ids.length;
    if (p0.nll!.length !== n || o0.nll.length !== n) throw new Error(`token counts differ: peer ${p0.nll!.length}, ours ${o0.nll.length}, text ${n}`);
    const maxNllDiff = o0.nll.reduce((m, x, i) => Math.max(m, Math.abs(x - p0.nll![i])), 0);
    const peerMs: number[] = [];
    const oursMs: number[] = [];
    const peerCpuMs: number[] = [];
    const oursCpuMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const p = await peerRun();
      const o = await ours();
      peerMs.push(p.ms);
      peerCpuMs.push(p.cpu_ms);
      oursMs.push(o.ms);
      oursCpuMs.push(o.cpuMs);
    }
    const oursNll = o0.nll.reduce((s, x) => s + x, 0);
    return { tokens: n, threads, peerMs, oursMs, peerCpuMs, oursCpuMs, maxNllDiff, mean: { peerNll: p0.nll_sum / n, oursNll: oursNll / n, peerEntropy: p0.entropy_sum / n, oursEntropy: o0.entropy / n } };
  } finally {
    peer.stdin.end();
    peer.kill();
    await engine.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchPeer(modelDir: string, text: string, runs: number, threads?: number): Promise<Figure> {
  const skipped = peerAvailable();
  if (skipped) return { value: null, goal: '>= 2', met: null, note: skipped };
  const r = await peerRuns(modelDir, text, runs, threads);
  const m = r.mean;
  const note =
    `${r.tokens} tokens, ${r.threads} thread(s); mean NLL peer ${fmt(m.peerNll, 5)} vs ours ${fmt(m.oursNll, 5)} (max per-token |diff| ${r.maxNllDiff.toExponential(1)}), ` +
    `mean entropy ${fmt(m.peerEntropy, 5)} vs ${fmt(m.oursEntropy, 5)}; median peer ${fmt(stats(r.peerMs).median, 0)} ms, ours ${fmt(stats(r.oursMs).median, 0)} ms`;
  return figure(stats(r.peerMs.map((p, i) => p / r.oursMs[i])), '>= 2', v => v >= 2, note);
}

/**
 * R2 (issue 15): peer / ours with each side at its best thread count among `threadCounts`, the
 * count whose median time is lowest. Paired runs at each count as in peerRuns; run i of the ratio
 * divides the peer's run i at its best count by ours at ours (truly paired when both counts agree).
 */
export async function benchPeerBestThreads(modelDir: string, text: string, runs: number, threadCounts = [1, 2]): Promise<Figure> {
  const skipped = peerAvailable();
  if (skipped) return { value: null, goal: '>= 2', met: null, note: skipped };
  const byThreads: PeerRuns[] = [];
  for (const threads of threadCounts) byThreads.push(await peerRuns(modelDir, text, runs, threads));
  const best = (side: (r: PeerRuns) => number[]) => byThreads.reduce((b, r) => (stats(side(r)).median < stats(side(b)).median ? r : b));
  const peer = best(r => r.peerMs);
  const ours = best(r => r.oursMs);
  const tokens = byThreads[0].tokens;
  const perCount = byThreads
    .map(r => `${r.threads} thread(s): peer ${fmt(stats(r.peerMs).median, 0)} ms, ours ${fmt(stats(r.oursMs).median, 0)} ms (${fmt((tokens / stats(r.oursMs).median) * 1000, 0)} tokens/s)`)
    .join('; ');
  const note =
    `${tokens} tokens; medians ${perCount}; best: peer ${peer.threads}, ours ${ours.threads} thread(s); ` +
    `max per-token |NLL diff| ${Math.max(...byThreads.map(r => r.maxNllDiff)).toExponential(1)} nats`;
  return figure(stats(peer.peerMs.map((p, i) => p / ours.oursMs[i])), '>= 2', v => v >= 2, note);
}
