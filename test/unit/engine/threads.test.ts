/**
 * Issue 15: ONNX Runtime's intra-op threads are chosen by the model's size when nobody sets them
 * (every core from 100 MB of weights, half below), a caller's choice wins, and the numbers do not
 * depend on the choice.
 */
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { disposeModel, loadModel } from '../../../src/model/load/loader';
import { openModel } from '../../../src/model/client/openModel';
import { ALL_CORES_FROM_BYTES, automaticIntraOpThreads } from '../../../src/model/onnx/threads';

const modelDir = join(__dirname, '..', '..', '..', '..', 'models', 'default');

test('automatic threads: every core for large weights, half the cores (at least one) for small ones', () => {
  assert.equal(automaticIntraOpThreads(14e6, 2), 1);
  assert.equal(automaticIntraOpThreads(500e6, 2), 2);
  assert.equal(automaticIntraOpThreads(ALL_CORES_FROM_BYTES - 1, 8), 4);
  assert.equal(automaticIntraOpThreads(ALL_CORES_FROM_BYTES, 8), 8);
  assert.equal(automaticIntraOpThreads(14e6, 1), 1);
  assert.equal(automaticIntraOpThreads(500e6, 1), 1);
});

test('the loader records the threads it chose for the bundled model (small: half the cores), and a caller\'s choice wins', async () => {
  const chosen = await loadModel(modelDir, {});
  try {
    assert.equal(chosen.options.intraOpThreads, Math.max(1, Math.floor(availableParallelism() / 2)));
  } finally {
    await disposeModel(chosen);
  }
  const given = await loadModel(modelDir, { intraOpThreads: 3 });
  try {
    assert.equal(given.options.intraOpThreads, 3);
  } finally {
    await disposeModel(given);
  }
});

test('per-token numbers are the same with one and with two intra-op threads', async () => {
  const text = 'Threads change how fast the model runs, never what it says about a token.\n'.repeat(12);
  const results = [];
  for (const intraOpThreads of [1, 2]) {
    const engine = await openModel(modelDir, { intraOpThreads });
    try {
      results.push(await engine.analyze({ text, topK: 5 }));
    } finally {
      await engine.dispose();
    }
  }
  const [one, two] = results;
  assert.equal(one.tokens.length, two.tokens.length);
  let worst = 0;
  for (let i = 0; i < one.tokens.length; i++) {
    worst = Math.max(worst, Math.abs(one.tokens[i].nll! - two.tokens[i].nll!), Math.abs(one.tokens[i].entropy! - two.tokens[i].entropy!));
  }
  console.log(`largest difference between 1 and 2 threads: ${worst} nats`);
  assert.ok(worst < 1e-5, `NLL or entropy differs by ${worst} nats between 1 and 2 threads`);
});
