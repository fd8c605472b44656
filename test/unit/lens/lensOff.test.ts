/**
 * Where the residual chain is ambiguous or cannot be cut out, the lens is off with a message naming
 * the reason, and the rest of the analysis still works (issue 17): gpt2-lens-ambiguous (block 1's
 * attention residual split into r/2 + (r/2 + attn) by the fixture recipe) and nan-logits (a Where
 * on input_ids after the head). Also: a lens range asked of a model without a lens, and bad ranges.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isLensOff } from '../../../src/core/lens/types';
import { openModel } from '../../../src/model/client/openModel';

const fixtures = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures');
const reference = JSON.parse(readFileSync(join(fixtures, 'reference', 'gpt2-bytelevel.json'), 'utf8')) as {
  cases: Array<{ name: string; text: string; windows: Array<{ window: number; stride: number; tokens: Array<{ nll: number | null }> }> }>;
};

test('gpt2-lens-ambiguous: the lens is off naming the ambiguous Add; the analysis itself still matches gpt2-bytelevel', async () => {
  const engine = await openModel(join(fixtures, 'models', 'gpt2-lens-ambiguous'), { intraOpThreads: 1 });
  try {
    const c = reference.cases.find(x => x.name === 'long')!;
    const w = c.windows[0];
    const analysis = await engine.analyze({ text: c.text, window: w.window, stride: w.stride, layers: true });
    assert.ok(isLensOff(analysis.layers), 'the lens must be off');
    if (isLensOff(analysis.layers)) {
      assert.match(analysis.layers.reason, /layer lens is off/);
      assert.match(analysis.layers.reason, /ambiguous at Add \/model\/h\.1\/Add: neither of its inputs/);
    }
    assert.equal(analysis.tokens.length, w.tokens.length);
    // The split residual computes the same function up to float32 rounding.
    analysis.tokens.forEach((t, i) => assert.ok(Math.abs((t.nll as number) - (w.tokens[i].nll as number)) <= 1e-4, `token ${i}`));
    const range = await engine.lens!({ text: c.text, from: 0, to: 10, window: w.window, stride: w.stride });
    assert.ok(isLensOff(range));
  } finally {
    await engine.dispose();
  }
});

test('nan-logits: the lens is off because the head reads input_ids; the analysis reports its non-finite rows as before', async () => {
  const engine = await openModel(join(fixtures, 'models', 'nan-logits'), { intraOpThreads: 1 });
  try {
    const analysis = await engine.analyze({ text: 'Hello, world. Again, and again, the fox. Yes.', layers: true });
    assert.ok(isLensOff(analysis.layers));
    if (isLensOff(analysis.layers)) assert.match(analysis.layers.reason, /graph input input_ids besides the residual stream/);
    assert.ok(analysis.tokens.length > 5);
    assert.ok(analysis.summary.nonFinite > 0);
  } finally {
    await engine.dispose();
  }
});

test('a plain analysis has no layers block and asks nothing of the lens', async () => {
  const engine = await openModel(join(fixtures, 'models', 'gpt2-bytelevel'), { intraOpThreads: 1 });
  try {
    const analysis = await engine.analyze({ text: 'Hello, world.' });
    assert.equal(analysis.layers, undefined);
  } finally {
    await engine.dispose();
  }
});

test('BAD CALL - a lens range that is not a range of token indices is an input error naming it', async () => {
  const engine = await openModel(join(fixtures, 'models', 'gpt2-bytelevel'), { intraOpThreads: 1 });
  try {
    await assert.rejects(engine.lens!({ text: 'Hello, world.', from: 5, to: 2 }), /token range 5:2 is not a range/);
    await assert.rejects(engine.lens!({ text: 'Hello, world.', from: -1, to: 2 }), /token range -1:2/);
  } finally {
    await engine.dispose();
  }
});
