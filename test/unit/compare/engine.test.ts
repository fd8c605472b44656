/**
 * Comparisons through the engine: a model against itself is exactly zero, a padded vocabulary is
 * compared over the shared ids (against a float64 computation from the tiny model's weights), a live
 * re-comparison after an edit equals a fresh one, and models that cannot be reconciled are refused
 * with a message naming the model.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { SameTokenizerComparison } from '../../../src/core/compare/comparison';
import { expandCompareBatch, type CompareTokenRecord } from '../../../src/core/compare/records';
import { isInputError } from '../../../src/core/errors';
import { openModelPair } from '../../../src/model/client/openModel';
import { compareText } from '../../../src/model/compare/compareText';
import { referenceLogits, type TinySpec } from '../engine/tinyOnnx';
import { tinyModelLoader } from '../engine/tinyModels';

const models = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'models');
const gpt2 = join(models, 'gpt2-bytelevel');
const TEXT = 'The quick brown fox jumps over the lazy dog. It was the best of times, it was the worst of times, '.repeat(3);

test('a model compared with itself: every KL and TV exactly 0, acceptance 1, PPL ratio 1', async () => {
  const pair = await openModelPair(gpt2, gpt2, { intraOpThreads: 1 });
  try {
    const c = await pair.model.compare!(pair.against, { text: TEXT, topK: 3 }) as SameTokenizerComparison;
    assert.equal(c.kind, 'same-tokenizer');
    assert.ok(c.tokens.length > 64, 'several windows');
    for (const t of c.tokens) {
      assert.equal(t.kl, 0);
      assert.equal(t.klReverse, 0);
      assert.equal(t.tv, 0);
      assert.equal(t.js, 0);
      assert.equal(t.acceptance, 1);
      assert.equal(t.dNll, 0);
      assert.equal(t.dP, 0);
      assert.equal(t.sameTop1, true);
      assert.deepEqual(t.against.top, t.top);
    }
    assert.equal(c.summary.pplRatio, 1);
    assert.equal(c.summary.kld?.max, 0);
    assert.equal(c.summary.sameTop1?.value, 1);
    assert.equal(c.summary.acceptance?.expectedTokensPerBlock, 5);
  } finally {
    await pair.dispose();
  }
});

test('live mode: a re-comparison after an edit keeps the leading windows and equals a fresh comparison', async () => {
  const pair = await openModelPair(gpt2, join(models, 'gpt2-bytelevel-noisy'), { intraOpThreads: 1 });
  try {
    const first = await pair.model.compare!(pair.against, { text: TEXT, topK: 4 });
    const edited = TEXT.slice(0, -20) + 'an edit at the end.';
    const live = await pair.model.compare!(pair.against, { text: edited, topK: 4, previous: first }) as SameTokenizerComparison;
    const fresh = await pair.model.compare!(pair.against, { text: edited, topK: 4 }) as SameTokenizerComparison;
    assert.ok((live.reusedTokens ?? 0) >= 64, `kept ${live.reusedTokens} tokens`);
    assert.deepEqual(live.tokens, fresh.tokens);
    assert.deepEqual(live.summary, fresh.summary);
  } finally {
    await pair.dispose();
  }
});

test('a window the other model cannot take is refused, naming that model', async () => {
  const pair = await openModelPair(join(models, 'gpt2-long-context'), gpt2, { intraOpThreads: 1 });
  try {
    const auto = await pair.model.compare!(pair.against, { text: TEXT, topK: 1 }) as SameTokenizerComparison;
    assert.equal(auto.scoring.window, 64, 'the smaller context');
    assert.deepEqual(auto.scoring.contexts, { model: 2048, against: 64 });
    await assert.rejects(pair.model.compare!(pair.against, { text: TEXT, topK: 1, window: 128 }), (e: unknown) =>
      isInputError(e) && e.message.includes(gpt2) && e.message.includes('compared against') && /context length of 64/.test(e.message));
  } finally {
    await pair.dispose();
  }
});

const tiny = tinyModelLoader('ml-compare-', 40);

test('a padded vocabulary (logits 40 vs 48, one tokenizer): divergences over the shared ids, outside mass reported', async () => {
  const specA: TinySpec = { vocab: 40, dim: 6, positions: 64, seed: 3 };
  const specB: TinySpec = { vocab: 48, dim: 6, positions: 64, seed: 3 };
  const a = await tiny.load('a', specA);
  const b = await tiny.load('b', specB);
  const text = 'padded vocabularies';
  const records: CompareTokenRecord[] = [];
  await compareText(a, b, { text, topK: 3 }, {
    started: () => undefined, againstStarted: () => undefined, sideRecords: () => assert.fail('one tokenizer'),
    records: batch => records.push(...expandCompareBatch({ ...batch, texts: batch.texts })),
    progress: () => undefined, cancelled: () => false,
  });
  const ids = [0, ...Array.from(text, ch => (ch.charCodeAt(0) % 39) + 1)];
  const rowsA = referenceLogits(specA, ids);
  const rowsB = referenceLogits(specB, ids);
  assert.equal(records.length, text.length);
  records.forEach((t, i) => {
    const lse = (z: Float64Array, n: number) => { const m = Math.max(...z.subarray(0, n)); let s = 0; for (let v = 0; v < n; v++) s += Math.exp(z[v] - m); return m + Math.log(s); };
    const za = rowsA[i];
    const zb = rowsB[i];
    const cA = lse(za, 40);
    const cB = lse(zb, 40);
    let kl = 0;
    let tv = 0;
    for (let v = 0; v < 40; v++) {
      const p = Math.exp(za[v] - cA);
      const q = Math.exp(zb[v] - cB);
      kl += p * Math.log(p / q);
      tv += 0.5 * Math.abs(p - q);
    }
    const outside = 1 - Math.exp(cB - lse(zb, 48));
    const close = (x: number | null | undefined, y: number, what: string) => assert.ok(typeof x === 'number' && Math.abs(x - y) < 1e-4, `#${i} ${what}: ${x} vs ${y}`);
    close(t.kl, kl, 'kl over the shared ids');
    close(t.tv, tv, 'tv');
    close(t.outsideModel, 0, 'no mass outside for the narrower model');
    close(t.outsideAgainst, outside, 'the wider model\'s mass on its padding ids');
    close(t.against.nll, -(zb[ids[i + 1]] - lse(zb, 48)), 'the other model\'s own NLL is over its full row');
  });
});
