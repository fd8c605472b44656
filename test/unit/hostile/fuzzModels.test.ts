/**
 * Fuzz: 330 model folders mutated deterministically from the fixtures (modelMutations.ts, fixed
 * seed), each loaded and, when it loads, analysed, through a real engine process. The test process
 * plays the extension host: it must survive every case; each case must either score or fail with an
 * error that names the problem (an InputError naming the folder's file or the setting); a crashed
 * engine process is counted and replaced, and the next case runs on the new one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isEngineStopped, isInputError } from '../../../src/core/errors';
import { seededRandom } from '../../../src/core/geometry/random';
import { TimeoutError } from '../../../src/protocol/channel';
import { startEngineProcess, type EngineProcess } from '../../../src/model/client/engineProcess';
import { FIXTURES } from './hostileFixtures';
import { copyFolder, mutate, MUTATIONS, type Mutation } from './modelMutations';

const CASES_PER_MUTATION = 30;
const SEED = 20261207;
const REQUEST_MS = 60_000;
/** Fixtures to mutate, and the graph file in each. */
const BASES: Array<{ name: string; onnx: string }> = [
  { name: 'gpt2-bytelevel', onnx: 'model.onnx' },
  { name: 'llama-metaspace', onnx: 'model.onnx' },
  { name: 'gpt2-fp16', onnx: 'model.onnx' },
];
const TEXT = 'Fuzzed models must fail with a message or score: "quotes", <tags>, émoji 🙂.';

type Outcome = 'scored' | 'named-error' | 'crash' | 'unnamed-error' | 'hang';

test(`fuzz: ${MUTATIONS.length * CASES_PER_MUTATION} mutated model folders through the engine process`, { timeout: 20 * 60_000 }, async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'markov-lens-fuzz-'));
  const rng = seededRandom(SEED);
  const counts: Record<Outcome, number> = { scored: 0, 'named-error': 0, crash: 0, 'unnamed-error': 0, hang: 0 };
  const byMutation = new Map<Mutation, Record<Outcome, number>>();
  const problems: string[] = [];
  let engine: EngineProcess = startEngineProcess();
  const restart = async (kill: boolean): Promise<void> => {
    if (kill) engine.channel.close();
    await engine.stop(100);
    engine = startEngineProcess();
  };
  try {
    let n = 0;
    for (const kind of MUTATIONS) {
      byMutation.set(kind, { scored: 0, 'named-error': 0, crash: 0, 'unnamed-error': 0, hang: 0 });
      for (let i = 0; i < CASES_PER_MUTATION; i++, n++) {
        const base = BASES[n % BASES.length];
        const dir = join(scratch, `case-${n}`);
        copyFolder(join(FIXTURES, base.name), dir);
        const what = mutate(dir, base.onnx, kind, rng);
        const outcome = await runCase(engine, dir);
        if (outcome.kind === 'crash') await restart(false);
        if (outcome.kind === 'hang') await restart(true);
        counts[outcome.kind]++;
        byMutation.get(kind)![outcome.kind]++;
        if (outcome.kind === 'unnamed-error' || outcome.kind === 'hang') problems.push(`case ${n} (${base.name}, ${what}): ${outcome.kind}: ${outcome.detail}`);
        rmSync(dir, { recursive: true, force: true });
      }
    }
    // The engine that is left still works on an intact model: the host side never noticed the damage.
    const healthy = await runCase(engine, join(FIXTURES, 'gpt2-bytelevel'));
    assert.equal(healthy.kind, 'scored', healthy.detail);
  } finally {
    await engine.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
  const table = [...byMutation].map(([k, c]) => `${k}: ${Object.entries(c).filter(([, v]) => v).map(([o, v]) => `${o} ${v}`).join(', ')}`).join('\n');
  console.log(`fuzz outcomes: ${JSON.stringify(counts)}\n${table}`);
  assert.deepEqual(problems, [], `cases without a named error:\n${problems.join('\n')}`);
  assert.equal(counts.scored + counts['named-error'] + counts.crash, MUTATIONS.length * CASES_PER_MUTATION);
  assert.ok(counts.scored > 0 && counts['named-error'] > 0, 'the mutations both break models and leave some usable');
});

async function runCase(engine: EngineProcess, dir: string): Promise<{ kind: Outcome; detail: string }> {
  let handle: number | undefined;
  try {
    const loaded = await engine.channel.request('load', { modelDir: dir, intraOpThreads: 1 }, { timeoutMs: REQUEST_MS });
    handle = loaded.model;
    const done = await engine.channel.request('analyze', { model: handle, text: TEXT, topK: 3 }, { timeoutMs: REQUEST_MS });
    return { kind: 'scored', detail: `${done.inferenceMs.toFixed(0)} ms` };
  } catch (e) {
    if (isEngineStopped(e)) return { kind: 'crash', detail: e.message };
    if (e instanceof TimeoutError) return { kind: 'hang', detail: e.message };
    const message = e instanceof Error ? e.message : String(e);
    // Named: an InputError that says which file (or setting) and what is wrong.
    if (isInputError(e) && (message.includes(dir) || e.code === 'settings-invalid')) return { kind: 'named-error', detail: message };
    return { kind: 'unnamed-error', detail: `${e instanceof Error ? e.name : typeof e}: ${message.split('\n')[0].slice(0, 300)}` };
  } finally {
    if (handle !== undefined && !engine.channel.closed) await engine.channel.request('release', { model: handle }, { timeoutMs: REQUEST_MS }).catch(() => undefined);
  }
}
