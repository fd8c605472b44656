/**
 * The spectrum without a second model run (issue 21): an analysis with `keep` leaves what the
 * geometry needs in the engine, and `geometry(kept, options)` computes from it the same report a
 * geometry analysis gives, for any available kernel and side; combinations no model can give are
 * refused with the reason before any work; a dropped input is named as such; the kept inputs stay
 * within their byte budget and document count.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { kernelChoices, type GeometryReport } from '../../../src/core/geometry';
import { openModel } from '../../../src/model/client/openModel';
import { KeptInputs, type KeptGeometryInput } from '../../../src/model/geometry/keptInput';

const fixtures = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures');
const TEXT = 'The spectrum panel reads what the analysis kept. It never runs the model over the text again, '.repeat(6);

/** The report without its timings (they differ from run to run). */
const figures = (g: GeometryReport) => JSON.stringify({ ...g, timings: null });

test('gpt2-bytelevel: geometry from the kept input equals a geometry analysis, kernel by kernel', async () => {
  const engine = await openModel(join(fixtures, 'models', 'gpt2-bytelevel'), { intraOpThreads: 1 });
  try {
    const plain = await engine.analyze({ text: TEXT, topK: 8 });
    const analysis = await engine.analyze({ text: TEXT, topK: 8, keep: true });
    assert.ok(analysis.kept && analysis.kept.id !== null, 'the engine kept the input');
    assert.ok(analysis.kept.bytes > 0);
    // Keeping changes no number of the analysis itself.
    assert.deepEqual(analysis.tokens.map(t => [t.id, t.nll, t.entropy, t.rank]), plain.tokens.map(t => [t.id, t.nll, t.entropy, t.rank]));
    assert.equal(plain.kept, undefined, 'nothing is kept unless asked');
    const id = analysis.kept.id;
    for (const options of [{}, { kernel: 'bhattacharyya' as const }, { kernel: 'linear' as const, eigenpairs: 8 }, { kernel: 'prototype' as const, side: 'data' as const }]) {
      const fresh = await engine.analyze({ text: TEXT, topK: 8, geometry: options });
      const kept = await engine.geometry!(id, options);
      assert.equal(figures(kept.geometry), figures(fresh.geometry!), `options ${JSON.stringify(options)}`);
      assert.ok(kept.geometryMs >= 0);
      assert.deepEqual(kept.geometry.choices, kernelChoices(true), 'the engine publishes which combinations exist');
    }
    await assert.rejects(engine.geometry!(id, { kernel: 'haochen', side: 'data' }),
      (e: Error & { code?: string }) => e.name === 'InputError' && e.code === 'settings-invalid' && /degenerate on the data side/.test(e.message));
    await assert.rejects(engine.geometry!(id + 1000, {}), (e: Error & { code?: string }) => e.code === 'geometry-not-kept');
    // A refused request changes nothing: the kept input still serves.
    assert.equal((await engine.geometry!(id, {})).geometry.kernel.name, 'prototype');
  } finally {
    await engine.dispose();
  }
});

test('a geometry analysis refuses a data-side kernel other than the prototype before running the model', async () => {
  const engine = await openModel(join(fixtures, 'models', 'gpt2-bytelevel'), { intraOpThreads: 1 });
  try {
    let records = 0;
    await assert.rejects(engine.analyze({ text: TEXT, geometry: { kernel: 'bhattacharyya', side: 'data' }, onRecords: r => { records += r.length; } }),
      (e: Error & { code?: string }) => e.code === 'settings-invalid');
    assert.equal(records, 0, 'no window was scored');
  } finally {
    await engine.dispose();
  }
});

function fakeKept(id: number, bytes: number): KeptGeometryInput {
  return { id, bytes } as KeptGeometryInput;
}

test('KeptInputs: least recently used out first, within the byte budget and the document count', () => {
  const kept = new KeptInputs(100, 3);
  for (const id of [1, 2, 3]) assert.equal(kept.keep(fakeKept(id, 30)), true);
  assert.ok(kept.take(1), 'touching 1 makes it the most recent');
  assert.equal(kept.keep(fakeKept(4, 30)), true);
  assert.equal(kept.take(2), undefined, 'the least recently used went first');
  assert.ok(kept.take(1) && kept.take(3) && kept.take(4));
  assert.equal(kept.keep(fakeKept(5, 70)), true);
  assert.ok(kept.bytes <= 100 && kept.size <= 3, `${kept.bytes} bytes in ${kept.size}`);
  assert.ok(kept.take(5));
  assert.equal(kept.keep(fakeKept(6, 101)), false, 'an input larger than the whole budget is not kept');
  assert.equal(kept.take(6), undefined);
});
