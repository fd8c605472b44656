/**
 * The lens of a token range (the editor's visible range of a long document) equals the
 * whole-document lens on the same tokens: the same windows run from their own starts with the same
 * chunks. Several windows (gpt2-bytelevel's context is 64), chunked runs, ranges across a window
 * boundary; and a cancelled range stops.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isLensOff, type LayerLens } from '../../../src/core/lens/types';
import { openModel } from '../../../src/model/client/openModel';

const fixtures = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures');
const lensRef = JSON.parse(readFileSync(join(fixtures, 'reference', 'lens', 'gpt2-bytelevel.json'), 'utf8')) as { cases: Array<{ name: string; text: string }> };
const text = lensRef.cases.find(c => c.name === 'long')!.text;

function slice(lens: LayerLens, key: 'nll' | 'entropy' | 'klToFinal' | 'rank' | 'top1', from: number, to: number): number[] {
  const out: number[] = [];
  for (let l = 0; l < lens.count; l++) for (let t = from; t < to; t++) out.push(lens[key][l * lens.tokens + t - lens.from]);
  return out;
}

test('a range of tokens decodes to the same numbers as the whole document', async () => {
  const engine = await openModel(join(fixtures, 'models', 'gpt2-bytelevel'), { intraOpThreads: 1, chunk: 16 });
  try {
    const whole = await engine.analyze({ text, layers: true });
    assert.ok(whole.layers && !isLensOff(whole.layers));
    const all = whole.layers as LayerLens;
    assert.ok(all.tokens > 150, `${all.tokens} tokens`);
    for (const [from, to] of [[0, 5], [20, 90], [150, all.tokens], [all.tokens - 1, all.tokens + 50]]) {
      let progressed = 0;
      const part = await engine.lens!({ text, from, to, onProgress: done => { progressed = done; } });
      assert.ok(!isLensOff(part));
      const p = part as LayerLens;
      const end = Math.min(to, all.tokens);
      assert.equal(p.from, from);
      assert.equal(p.tokens, end - from);
      assert.equal(progressed, end - from, 'progress reaches the range length');
      for (const key of ['rank', 'top1'] as const) assert.deepEqual(slice(p, key, from, end), slice(all, key, from, end), `${key} ${from}:${to}`);
      for (const key of ['nll', 'entropy', 'klToFinal'] as const) {
        const a = slice(p, key, from, end);
        const b = slice(all, key, from, end);
        a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= 1e-12, `${key} ${from}:${to} cell ${i}: ${x} vs ${b[i]}`));
      }
      assert.deepEqual(Array.from(p.depth), Array.from(all.depth.subarray(from, end)));
    }
  } finally {
    await engine.dispose();
  }
});

test('a cancelled range stops with "cancelled"', async () => {
  const engine = await openModel(join(fixtures, 'models', 'gpt2-bytelevel'), { intraOpThreads: 1 });
  try {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(engine.lens!({ text, from: 0, to: 100, signal: controller.signal }), /cancelled/);
  } finally {
    await engine.dispose();
  }
});
