import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeGeometry, firstHiddenBasisTask, geometrySteps, GeometryResult } from '../../../src/core/geometry/computeGeometry';
import { seededRandom } from '../../../src/core/geometry/random';
import type { GeometryStep, StepReply, Steps, TaskHandle, TaskResults } from '../../../src/core/geometry/steps';
import { runStepsAsync, runTask } from '../../../src/core/geometry/steps';
import type { HiddenBasis } from '../../../src/core/geometry/hiddenBasis';
import { jsProducts, runLinalg } from '../../../src/core/geometry/products';
import { GeometryThread } from '../../../src/model/geometry/geometryThread';
import { OrtProducts, productThreads } from '../../../src/model/geometry/ortProducts';
import { syntheticDocument } from '../geometry/reference';

const withoutTimings = (r: GeometryResult) => ({ ...r, timings: {} });

type Result = TaskResults[keyof TaskResults];

/** A driver that runs each task only when it is waited for, in the opposite order of a threadless run. */
function runDeferred<R>(steps: Steps<R>): R {
  const tasks = new Map<number, GeometryStep & { start: unknown }>();
  const results = new Map<number, Result>();
  const resolve = (h: TaskHandle): Result => {
    if (!results.has(h.id)) results.set(h.id, runLinalg(runTask((tasks.get(h.id) as { start: Parameters<typeof runTask>[0] }).start, resolve as (h: TaskHandle) => HiddenBasis)));
    return results.get(h.id)!;
  };
  let reply: StepReply | undefined;
  for (;;) {
    const step = reply === undefined ? steps.next() : steps.next(reply);
    if (step.done) return step.value;
    const s = step.value;
    if ('start' in s) {
      const handle = { id: tasks.size };
      tasks.set(handle.id, s as GeometryStep & { start: unknown });
      reply = handle;
    } else reply = 'wait' in s ? resolve(s.wait) : jsProducts.gemm(s.gemm);
  }
}

test('geometry steps give the same result whether tasks run when started, when awaited, or on the geometry thread', async () => {
  const doc = syntheticDocument(300, 40, 12, seededRandom(7), 16);
  const options = { seed: 3, eigenpairs: 8, shifts: 24 };
  const pure = computeGeometry(doc.input, options);
  assert.ok(pure.alignment && pure.alignment.shifts === 24, 'the alignment and its nulls were computed');
  assert.deepEqual(withoutTimings(runDeferred(geometrySteps(doc.input, options))), withoutTimings(pure));
  // The engine's products (ONNX Runtime's, on each thread): inline and threaded runs agree bit for bit.
  const products = new OrtProducts(productThreads());
  const withOrt = (input: typeof doc.input, o: typeof options) => runStepsAsync(geometrySteps(input, o), products);
  const inline = await withOrt(doc.input, options);
  assert.ok(products.handedOver > 0, 'some products went to ONNX Runtime');
  pure.eigenvalues.forEach((x, j) => assert.ok(Math.abs(inline.eigenvalues[j] - x) <= 1e-12 * pure.eigenvalues[0], `λ${j + 1}`));
  const thread = GeometryThread.create();
  assert.ok(thread, 'this machine has a core for the geometry thread');
  try {
    const threaded = await thread.run(geometrySteps(doc.input, options), products);
    assert.deepEqual(withoutTimings(threaded), withoutTimings(inline));
    // The PCA started ahead of the steps is taken over by their first start, not run twice.
    const before = thread.tasksStarted;
    const early = firstHiddenBasisTask(doc.input.hidden, doc.input.targets.length, options);
    assert.ok(early);
    thread.prestart(early);
    assert.deepEqual(withoutTimings(await thread.run(geometrySteps(doc.input, options), products)), withoutTimings(inline));
    assert.equal(thread.tasksStarted - before, 2, 'the prestarted PCA and one shiftScores task');
    // Streamed: the thread was given the states batch by batch and builds the PCA from its own copy
    // and the Gram it summed as they came; a NaN row is left out the same way.
    const hidden = new Float32Array(new SharedArrayBuffer(300 * 12 * 4));
    hidden.set(doc.input.hidden!.data);
    hidden.fill(NaN, 5 * 12, 6 * 12);
    const streamedInput = { ...doc.input, hidden: { data: hidden, d: 12 } };
    const streamedInline = await withOrt(streamedInput, options);
    assert.throws(() => thread.beginHidden(12, 300, Float32Array.from(hidden)), /must be in shared memory/);
    thread.beginHidden(12, 300, hidden);
    for (const [first, count] of [[0, 37], [37, 200], [237, 63]]) thread.addHidden(first, count);
    thread.prestart(firstHiddenBasisTask(streamedInput.hidden, 300, options)!, true);
    assert.deepEqual(withoutTimings(await thread.run(geometrySteps(streamedInput, options), products)), withoutTimings(streamedInline));
    // A prestart the steps do not ask for (other hidden states) is left alone and dropped.
    thread.prestart({ ...early, hidden: { ...early.hidden, data: Float64Array.from(early.hidden.data) } });
    assert.deepEqual(withoutTimings(await thread.run(geometrySteps(doc.input, options), products)), withoutTimings(inline));
    // Windows: each window hands its own PCA over; a second run reuses the thread.
    const windowed = { ...options, maxWindowTokens: 200, windowTokens: 160, windowOverlap: 40 };
    assert.deepEqual(withoutTimings(await thread.run(geometrySteps(doc.input, windowed), products)), withoutTimings(await withOrt(doc.input, windowed)));
  } finally {
    await thread.close();
    await products.close();
  }
});

test('a task that fails on the geometry thread fails the run with its message', async () => {
  const doc = syntheticDocument(120, 30, 6, seededRandom(2), 8);
  const thread = GeometryThread.create()!;
  try {
    // Hidden states of the wrong size: the thread's PCA throws on reading them.
    const broken = { ...doc.input, hidden: { data: new Float32Array(3), d: 8 } };
    await assert.rejects(thread.run(geometrySteps(broken, { eigenpairs: 4, shifts: 6 }), jsProducts), /hidden states: 3 values for 120×8/);
    // The thread still serves the next run (products this small all run on the JavaScript kernel).
    const ok = await thread.run(geometrySteps(doc.input, { eigenpairs: 4, shifts: 6 }), jsProducts);
    assert.deepEqual(withoutTimings(ok), withoutTimings(computeGeometry(doc.input, { eigenpairs: 4, shifts: 6 })));
  } finally {
    await thread.close();
  }
});

test('a thread that dies says so, and its runs fail instead of hanging', async () => {
  const doc = syntheticDocument(120, 30, 6, seededRandom(2), 8);
  const thread = GeometryThread.create()!;
  assert.equal(thread.healthy, true);
  // What an out-of-memory exit looks like from here: the worker is gone.
  await (thread as unknown as { thread: { worker: { terminate(): Promise<number> } } }).thread.worker.terminate();
  await new Promise(resolve => setTimeout(resolve, 50));
  assert.equal(thread.healthy, false, 'the caller can see it and compute inline');
  await assert.rejects(thread.run(geometrySteps(doc.input, { eigenpairs: 4, shifts: 6 }), jsProducts), /the geometry thread exited/);
});
