import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isInputError } from '../../../src/core/errors';
import type { LanguageModelEngine } from '../../../src/model/api';
import { openModel } from '../../../src/model/client/openModel';

const fixtures = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'models');
const text = 'The worker scores this text in several windows, because the fixture model has a short context. '.repeat(4);
let engine: LanguageModelEngine;

before(async () => {
  engine = await openModel(join(fixtures, 'gpt2-bytelevel'), { intraOpThreads: 1 });
});
after(async () => {
  await engine.dispose();
});

test('ORT telemetry log (mat-debug-<pid>.log) is not left in the temp folder', () => {
  assert.equal(existsSync(join(tmpdir(), `mat-debug-${process.pid}.log`)), false);
});

test('loads in a worker and reports the model', () => {
  assert.equal(engine.info.modelType, 'gpt2');
  assert.equal(engine.info.contextLength, 64);
  assert.equal(engine.info.dtype, 'float32');
});

test('streams records window by window before the analysis resolves', async () => {
  const arrivals: number[] = [];
  let resolved = false;
  const progress: number[] = [];
  const analysis = await engine.analyze({
    text,
    window: 32,
    stride: 16,
    onRecords: records => {
      assert.equal(resolved, false);
      arrivals.push(records.length);
    },
    onProgress: done => progress.push(done),
  }).then(a => ((resolved = true), a));
  assert.ok(arrivals.length > 2, `${arrivals.length} batches`);
  assert.equal(arrivals.reduce((a, b) => a + b, 0), analysis.tokens.length);
  assert.deepEqual(analysis.tokens.map(t => t.index), analysis.tokens.map((_, i) => i));
  assert.equal(progress.at(-1), analysis.tokens.length);
  assert.equal(analysis.scoring.window, 32);
  assert.equal(analysis.summary.tokens, analysis.tokens.length);
  assert.ok(analysis.tokens.every(t => t.top.length === 10));
});

test('survives a bad request and serves the next one', async () => {
  await assert.rejects(engine.analyze({ text, window: 500 }), (e: unknown) => isInputError(e) && e.code === 'settings-invalid' && /window/.test(e.message));
  const ok = await engine.analyze({ text: 'still alive', topK: 3 });
  assert.ok(ok.tokens.length > 0);
  assert.ok(ok.tokens.every(t => t.nll !== null && t.top.length === 3));
});

test('cancels between windows, then serves the next request', async () => {
  const controller = new AbortController();
  let batches = 0;
  await assert.rejects(
    engine.analyze({ text: text.repeat(3), window: 16, stride: 8, signal: controller.signal, onRecords: () => {
      batches++;
      controller.abort();
    } }),
    (e: unknown) => isInputError(e) && e.code === 'cancelled',
  );
  assert.ok(batches >= 1 && batches < 20, `${batches} batches before stopping`);
  const again = await engine.analyze({ text: 'again', topK: 1 });
  assert.ok(again.tokens.length > 0);
});

test('the same text gives identical numbers on repeated analyses', async () => {
  const a = await engine.analyze({ text: 'Repeatable numbers.', window: 64 });
  const b = await engine.analyze({ text: 'Repeatable numbers.', window: 64 });
  assert.deepEqual(a.tokens, b.tokens);
});

test('token texts come from the engine tokenizer; ids outside it give empty text', async () => {
  const analysis = await engine.analyze({ text: 'Hello there', topK: 2 });
  const ids = analysis.tokens.map(t => t.id);
  assert.deepEqual(await engine.tokenTexts!(ids), analysis.tokens.map(t => t.text));
  assert.deepEqual(await engine.tokenTexts!([-1, 1e9]), ['', '']);
});

test('a missing model folder is an InputError and leaves no worker behind', async () => {
  await assert.rejects(openModel(join(fixtures, 'does-not-exist')), (e: unknown) => isInputError(e) && e.code === 'model-missing');
});
