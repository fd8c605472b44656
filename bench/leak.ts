/**
 * Long-use benchmark (issue 7.6): 200 analyses of different documents with one loaded model, then
 * memory and handles compared with their level after the first 10. Goal: within 10 %.
 *
 *   node --expose-gc out/bench/leak.js [--model DIR] [--runs N] [--warmup N]
 *
 * Figures: process RSS (host + inference worker + ORT native memory: the worker is a thread of this
 * process), the host's V8 heap after a forced GC, ArrayBuffer memory, open file descriptors
 * (/proc/self/fd), and files left in the temp folder (ORT's mat-debug-<pid>.log, scratch folders).
 * Default model: models/default when present, else the gpt2-bytelevel fixture.
 *
 * Reading the RSS figure: the worker isolates (inference + reduction thread) grow their V8 young
 * generation lazily up to 16 MB semi-spaces, so RSS climbs for the first ~200 runs and then stays
 * flat. Run with `--max-semi-space-size=1` (inherited by the workers) to take that sizing out: any
 * growth left is a leak.
 */
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../src/model/client/openModel';

const root = join(__dirname, '..', '..');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const WORDS = 'model token river window stride entropy the a of and to in is was for on with as by at from this that which be are it'.split(' ');

/** Document i: 300..3000 characters of varying words, digits and punctuation, all different. */
function documentText(i: number): string {
  let seed = (i + 1) * 2654435761 >>> 0;
  const next = (): number => (seed = (seed * 1664525 + 1013904223) >>> 0);
  const length = 300 + (next() % 2700);
  let text = `Document ${i}. `;
  while (text.length < length) {
    const r = next();
    text += WORDS[r % WORDS.length] + (r % 11 === 0 ? `, ${r % 1000}` : '') + (r % 17 === 0 ? '.\n' : ' ');
  }
  return text;
}

interface Sample { rss: number; heap: number; arrayBuffers: number; fds: number }

function sample(): Sample {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const fds = existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : NaN;
  return { rss: m.rss, heap: m.heapUsed, arrayBuffers: m.arrayBuffers, fds };
}

function tempEntries(): Set<string> {
  return new Set(readdirSync(tmpdir()));
}

const mb = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MB`;
const pct = (a: number, b: number): string => `${(((a - b) / b) * 100).toFixed(1)} %`;

async function main(): Promise<void> {
  if (!(globalThis as { gc?: unknown }).gc) console.warn('run with node --expose-gc for a heap figure after GC');
  const defaultModel = join(root, 'models', 'default');
  const modelDir = arg('model') ?? (existsSync(join(defaultModel, 'config.json')) ? defaultModel : join(root, 'test', 'fixtures', 'models', 'gpt2-bytelevel'));
  const runs = Number(arg('runs') ?? 200);
  const warmup = Number(arg('warmup') ?? 10);
  const tempBefore = tempEntries();
  const engine = await openModel(modelDir, { intraOpThreads: 1 });
  console.log(`model ${engine.info.name} (${engine.info.modelType}, vocab ${engine.info.vocabSize}, context ${engine.info.contextLength}); ${runs} analyses`);
  let baseline: Sample | undefined;
  let tokens = 0;
  const started = performance.now();
  for (let i = 0; i < runs; i++) {
    const a = await engine.analyze({ text: documentText(i) });
    tokens += a.tokens.length;
    if (i + 1 === warmup) baseline = sample();
    if ((i + 1) % 50 === 0) {
      const s = sample();
      console.log(`  after ${i + 1}: rss ${mb(s.rss)}, heap ${mb(s.heap)}, arrayBuffers ${mb(s.arrayBuffers)}, fds ${s.fds}`);
    }
  }
  const final = sample();
  await engine.dispose();
  const afterDispose = sample();
  const leftInTemp = [...tempEntries()].filter(f => !tempBefore.has(f));
  const b = baseline!;
  console.log(`${tokens} tokens in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`after ${warmup}: rss ${mb(b.rss)}, heap ${mb(b.heap)}, arrayBuffers ${mb(b.arrayBuffers)}, fds ${b.fds}`);
  console.log(`after ${runs}: rss ${mb(final.rss)} (${pct(final.rss, b.rss)}), heap ${mb(final.heap)} (${pct(final.heap, b.heap)}), arrayBuffers ${mb(final.arrayBuffers)}, fds ${final.fds} (${final.fds - b.fds >= 0 ? '+' : ''}${final.fds - b.fds})`);
  console.log(`after dispose: rss ${mb(afterDispose.rss)}, fds ${afterDispose.fds}; new temp entries: ${leftInTemp.length ? leftInTemp.join(', ') : 'none'}`);
  const ok = final.rss <= b.rss * 1.1 && final.heap <= b.heap * 1.1 && final.fds <= b.fds && leftInTemp.length === 0;
  console.log(ok ? 'LEAK CHECK: within 10 % of the level after the warm-up, no handles or temp files left' : 'LEAK CHECK: FAILED');
  process.exitCode = ok ? 0 : 1;
}

void main();
