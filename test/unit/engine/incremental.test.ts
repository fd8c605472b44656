/**
 * Live-mode re-analysis (AnalyzeRequest.previous): after any sequence of edits the records equal a
 * fresh analysis of the final text exactly (deepEqual, no tolerance: each window starts from an
 * empty cache, so a reused window is bitwise what a fresh run computes), while edits late in the
 * document keep the leading windows' records. gpt2-bytelevel fixture: context 64, windows 64/32.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Analysis, LanguageModelEngine } from '../../../src/model/api';
import { openModel } from '../../../src/model/engine';

const fixtures = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'models');
const base = 'Live mode re-scores only what an edit can change; the windows before it keep their records.\n'.repeat(5);
let engine: LanguageModelEngine;

before(async () => {
  engine = await openModel(join(fixtures, 'gpt2-bytelevel'), { intraOpThreads: 1 });
});
after(async () => {
  await engine.dispose();
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

async function expectFreshEquality(text: string, previous: Analysis): Promise<Analysis> {
  const streamed: number[] = [];
  const live = await engine.analyze({ text, previous, onRecords: records => { for (const r of records) streamed.push(r.index); } });
  const fresh = await engine.analyze({ text });
  assert.deepEqual(live.tokens, fresh.tokens);
  assert.deepEqual(live.summary, fresh.summary);
  assert.deepEqual(streamed, fresh.tokens.map(t => t.index), 'streamed once each, in order');
  return live;
}

test('random edit sequences: every live re-analysis equals a fresh analysis of the same text', async () => {
  let reused = 0;
  for (const seed of [1, 2, 3]) {
    const r = rng(seed);
    let text = base;
    let previous = await engine.analyze({ text });
    for (let step = 0; step < 8; step++) {
      text = randomEdit(text, r);
      previous = await expectFreshEquality(text, previous);
      reused += previous.reusedTokens ?? 0;
    }
  }
  assert.ok(reused > 0, 'some edits reused windows');
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
