/**
 * Live-mode re-analysis (AnalyzeRequest.previous): after any sequence of edits the records equal a
 * fresh analysis of the final text exactly (deepEqual, no tolerance: each window starts from an
 * empty cache, so a reused window is bitwise what a fresh run computes, and a window resumed from a
 * KV checkpoint at a chunk boundary runs the same chunks as a fresh one), while edits late in the
 * document keep the leading windows' records. gpt2-bytelevel fixture: context 64, windows 64/32; a
 * second engine runs 8-token chunks so that windows have several chunks and edits resume inside them.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { planWindows } from '../../../src/core/windows';
import type { Analysis, LanguageModelEngine } from '../../../src/model/api';
import { openModel } from '../../../src/model/client/openModel';

const fixtures = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'models');
const base = 'Live mode re-scores only what an edit can change; the windows before it keep their records.\n'.repeat(5);
const CHUNK = 8;
let engine: LanguageModelEngine;
/** The same model in 8-token chunks: live runs resume inside the first window scored again. */
let chunked: LanguageModelEngine;

before(async () => {
  engine = await openModel(join(fixtures, 'gpt2-bytelevel'), { intraOpThreads: 1 });
  chunked = await openModel(join(fixtures, 'gpt2-bytelevel'), { intraOpThreads: 1, chunk: CHUNK });
});
after(async () => {
  await engine.dispose();
  await chunked.dispose();
});

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

const pieces = ['x', ' ', '\n', 'é', 'the ', 'windows', '—', '🙂', 'ab'];

/** One random edit: insert, delete or replace at a random place (seeded). */
function randomEdit(text: string, r: () => number): string {
  const at = Math.floor(r() * (text.length + 1));
  const piece = pieces[Math.floor(r() * pieces.length)];
  const cut = Math.min(text.length - at, 1 + Math.floor(r() * 6));
  const op = r();
  if (op < 0.4) return text.slice(0, at) + piece + text.slice(at);
  if (op < 0.7) return text.slice(0, at) + text.slice(at + cut);
  return text.slice(0, at) + piece + text.slice(at + cut);
}

async function expectFreshEquality(text: string, previous: Analysis, on = engine): Promise<Analysis> {
  const streamed: number[] = [];
  const live = await on.analyze({ text, previous, onRecords: records => { for (const r of records) streamed.push(r.index); } });
  const fresh = await on.analyze({ text });
  assert.deepEqual(live.tokens, fresh.tokens);
  assert.deepEqual(live.summary, fresh.summary);
  assert.deepEqual(streamed, fresh.tokens.map(t => t.index), 'streamed once each, in order');
  return live;
}

/** Records whole-window reuse alone would keep: the targets of the windows ending before the first change. */
function windowKept(previous: Analysis, live: Analysis): number {
  const a = previous.tokens;
  const b = live.tokens;
  let u = 0;
  while (u < a.length && u < b.length && a[u].id === b[u].id && a[u].start === b[u].start && a[u].end === b[u].end) u++;
  let kept = 0;
  for (const w of planWindows(b.length + 1, live.scoring.window, live.scoring.stride)) {
    if (w.end > u) break;
    kept = w.lastTarget;
  }
  return kept;
}

for (const [name, chunk] of [['whole-window chunks', undefined], [`${CHUNK}-token chunks`, CHUNK]] as const) {
  test(`random edit sequences (${name}): every live re-analysis equals a fresh analysis of the same text`, async () => {
    const on = chunk ? chunked : engine;
    let reused = 0;
    let resumed = 0;
    for (const seed of [1, 2, 3]) {
      const r = rng(seed);
      let text = base;
      let previous = await on.analyze({ text });
      for (let step = 0; step < 8; step++) {
        text = randomEdit(text, r);
        const live = await expectFreshEquality(text, previous, on);
        reused += live.reusedTokens ?? 0;
        resumed += (live.reusedTokens ?? 0) - Math.min(windowKept(previous, live), live.reusedTokens ?? 0);
        previous = live;
      }
    }
    assert.ok(reused > 0, 'some edits reused windows');
    if (chunk) assert.ok(resumed > 0, 'some live runs resumed inside a window from a KV checkpoint');
    else assert.equal(resumed, 0, 'one chunk per window: only whole windows are reused');
  });
}

test('resumed windows are exact on an fp16 cache and on a llama graph (position ids, 128-token context)', async () => {
  for (const fixture of ['gpt2-fp16', 'llama-metaspace']) {
    const on = await openModel(join(fixtures, fixture), { intraOpThreads: 1, chunk: CHUNK });
    try {
      const r = rng(7);
      let text = base;
      let previous = await on.analyze({ text });
      let resumed = 0;
      for (let step = 0; step < 6; step++) {
        text = randomEdit(text, r);
        const live = await expectFreshEquality(text, previous, on);
        if ((live.reusedTokens ?? 0) > windowKept(previous, live)) resumed++;
        previous = live;
      }
      assert.ok(resumed > 0, `${fixture}: some live runs resumed inside a window`);
    } finally {
      await on.dispose();
    }
  }
});

test('an edit inside a window resumes from the last chunk boundary before it, with the same numbers', async () => {
  const first = await chunked.analyze({ text: base });
  // 20 tokens into the scored range of a middle window: more than a chunk past whole-window reuse.
  const middle = planWindows(first.tokens.length + 1, first.scoring.window, first.scoring.stride)[3];
  const at = first.tokens[middle.firstTarget - 1 + 20].start;
  const live = await expectFreshEquality(base.slice(0, at) + 'X' + base.slice(at), first, chunked);
  const u = live.tokens.findIndex((t, i) => t.id !== first.tokens[i].id || t.end !== first.tokens[i].end);
  const windows = planWindows(live.tokens.length + 1, live.scoring.window, live.scoring.stride);
  const k = windows.findIndex(w => w.end > u);
  assert.ok(k > 0 && windows[k].end < live.tokens.length, 'the edit lies in a middle window');
  const reused = live.reusedTokens!;
  assert.ok(reused > windows[k - 1].lastTarget, `kept ${reused} records, more than the ${windows[k - 1].lastTarget} of whole windows`);
  assert.ok(reused <= u && u - reused < CHUNK, `resumed at ${reused}, the chunk holding the first changed token ${u}`);
  assert.equal((reused - windows[k].start) % CHUNK, 0, 'at a chunk boundary of the window');
});

test('kept states of another document with the same window starts are told apart by their ids', async () => {
  // The other document differs 38 characters before the end, inside the last window, with as many
  // tokens (so the same window starts); its state is newer and would be tried first.
  const i = base.lastIndexOf('windows');
  const other = base.slice(0, i) + 'p' + base.slice(i + 1);
  const first = await chunked.analyze({ text: base });
  const otherFirst = await chunked.analyze({ text: other });
  assert.equal(otherFirst.tokens.length, first.tokens.length, 'same window plan');
  const at = base.length - 25;
  const live = await expectFreshEquality(base.slice(0, at) + 'Q' + base.slice(at), first, chunked);
  assert.ok(live.reusedTokens! > windowKept(first, live), `resumed (kept ${live.reusedTokens}) on this document's own state`);
  // And the other document's live run, after this one's, is exact too.
  await expectFreshEquality(other.slice(0, at) + 'Q' + other.slice(at), otherFirst, chunked);
});

test('a geometry analysis scores everything whole and leaves the kept states alone', async () => {
  const first = await chunked.analyze({ text: base });
  const geometry = await chunked.analyze({ text: base, previous: first, geometry: true });
  assert.equal(geometry.reusedTokens, undefined, 'geometry replays whole windows: nothing reused');
  assert.equal(geometry.tokens.length, first.tokens.length);
  const at = base.length - 25;
  const live = await expectFreshEquality(base.slice(0, at) + 'Q' + base.slice(at), first, chunked);
  assert.ok(live.reusedTokens! > windowKept(first, live), `still resumed (kept ${live.reusedTokens})`);
});

test('analysing an unrelated document drops the kept states: the next live run rescores its window whole, exactly', async () => {
  const first = await chunked.analyze({ text: base });
  await chunked.analyze({ text: 'An unrelated file, analysed in between, shares no window with the first one. '.repeat(4) });
  const at = base.length - 25;
  const live = await expectFreshEquality(base.slice(0, at) + 'Q' + base.slice(at), first, chunked);
  assert.equal(live.reusedTokens, windowKept(first, live), 'whole windows only');
});

test('an edit near the end keeps the leading windows and scores only the tail', async () => {
  const first = await engine.analyze({ text: base });
  const at = base.length - 10;
  const live = await expectFreshEquality(base.slice(0, at) + 'X' + base.slice(at), first);
  assert.ok(live.tokens.length > 200, 'several windows');
  assert.ok(live.reusedTokens! >= live.tokens.length - 64, `reused ${live.reusedTokens} of ${live.tokens.length}`);
});

test('deleting the end, appending, and an unchanged text are exact too', async () => {
  const first = await engine.analyze({ text: base });
  await expectFreshEquality(base.slice(0, base.length - 40), first);
  const appended = await expectFreshEquality(base + 'more text after the end', first);
  assert.ok(appended.reusedTokens! > 0);
  const same = await expectFreshEquality(base, first);
  assert.equal(same.reusedTokens, same.tokens.length);
});

test('other window settings or top-k, or geometry, score everything again', async () => {
  const first = await engine.analyze({ text: base });
  const otherK = await engine.analyze({ text: base, previous: first, topK: 3 });
  assert.equal(otherK.reusedTokens, 0);
  assert.deepEqual(otherK.tokens, (await engine.analyze({ text: base, topK: 3 })).tokens);
  const otherWindow = await engine.analyze({ text: base, previous: first, window: 48, stride: 16 });
  assert.equal(otherWindow.reusedTokens, 0);
});
