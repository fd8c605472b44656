/**
 * Issue 15 baseline: the real-size models at 4,096 tokens, engine analysis vs the PyTorch peer with 1
 * and 2 threads on each side (default windows: 1,024 / 512), and the per-token NLL agreement.
 *
 *   npm run compile-tests && node out/bench/realBaseline.js [--runs N] [--peer-malloc-heap]
 * --peer-malloc-heap runs the peer with MALLOC_MMAP_MAX_=0 (see peerRuns).
 */
import { loadavg } from 'node:os';
import { arg, fmt, stats, textOfTokens } from './lib';
import { peerRuns } from './peer';
import { ensureRealModels } from './realModels';

async function main(): Promise<void> {
  const runs = Math.max(1, Number(arg('runs') ?? 3));
  const peerEnv: Record<string, string> = process.argv.includes('--peer-malloc-heap') ? { MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: String(2 ** 30) } : {};
  const models = ensureRealModels();
  console.log(`load average ${loadavg().map(x => x.toFixed(1)).join(' ')}; ${runs} paired runs after one warm-up; peer env ${JSON.stringify(peerEnv)}`);
  for (const [name, dir] of Object.entries(models)) {
    const text = textOfTokens(dir, 4096);
    for (const threads of [1, 2]) {
      const r = await peerRuns(dir, text, runs, threads, peerEnv);
      const ours = stats(r.oursMs);
      const peer = stats(r.peerMs);
      console.log(
        `${name} ${threads} thread(s): ours ${fmt(ours.median, 0)} ms (${fmt(ours.min, 0)}-${fmt(ours.max, 0)}), ${fmt((r.tokens / ours.median) * 1000, 0)} tokens/s; ` +
          `peer ${fmt(peer.median, 0)} ms (${fmt(peer.min, 0)}-${fmt(peer.max, 0)}); peer/ours ${fmt(peer.median / ours.median, 2)}; ` +
          `CPU ours ${fmt(stats(r.oursCpuMs).median, 0)} ms, peer ${fmt(stats(r.peerCpuMs).median, 0)} ms; max |dNLL| ${r.maxNllDiff.toExponential(2)} nats, mean NLL ${fmt(r.mean.oursNll, 5)} vs ${fmt(r.mean.peerNll, 5)}; load ${loadavg()[0].toFixed(1)}`,
      );
    }
  }
}

main().catch(e => {
  console.error(e);
  process.exitCode = 1;
});
