/**
 * The per-layer alignment (issue 17): at the last layer it is the spectrum panel's A_k exactly
 * (same operator, same hidden state, same seed), for one spectrum window and for a long document's
 * windows; a layer of constant hidden states has none, said so; and through the engine, with
 * --geometry and the lens, every layer gets a curve and the last one equals the geometry's.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { computeGeometry } from '../../../src/core/geometry/computeGeometry';
import { seededRandom } from '../../../src/core/geometry/random';
import { layerAlignment } from '../../../src/core/lens/layerAlignment';
import { isLensOff, type LayerLens } from '../../../src/core/lens/types';
import { openModel } from '../../../src/model/client/openModel';
import { syntheticDocument } from '../geometry/reference';

function close(a: number[], b: number[], tol: number, what: string): void {
  assert.equal(a.length, b.length, what);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= tol, `${what} k=${i + 1}: ${x} vs ${b[i]}`));
}

test('the last layer\'s A_k equals the geometry\'s; a noisier layer differs; constant states have none', () => {
  const doc = syntheticDocument(240, 40, 10, seededRandom(3), 12);
  const options = { kernel: 'prototype' as const, side: 'model' as const, seed: 4 };
  const g = computeGeometry(doc.input, { ...options, eigenpairs: 8, shifts: 5 });
  const h = doc.input.hidden!;
  const d = h.d;
  const final = Float32Array.from(h.data);
  const random = seededRandom(9);
  const noisy = Float32Array.from(final, x => x + 3 * (random() - 0.5));
  const constant = new Float32Array(final.length).fill(0.5);
  const a = layerAlignment(doc.input, [constant, noisy, final], d, [g.eigenvalues], options);
  close(a.Ak[2], g.alignment!.Ak, 1e-9, 'last layer');
  assert.equal(a.Ak[1].length, g.alignment!.Ak.length);
  assert.ok(a.Ak[1].some((x, k) => Math.abs(x - g.alignment!.Ak[k]) > 1e-3), 'noise changes the alignment');
  assert.deepEqual(a.Ak[0], []);
  assert.match(a.note!, /layers 0: the hidden states are constant/);
  assert.deepEqual(a.hiddenDims, [0, g.alignment!.hiddenDims, g.alignment!.hiddenDims]);
  assert.equal(a.windows, 1);
});

test('a long document: the same spectrum windows, A_k the mean over them, as the geometry\'s', () => {
  const doc = syntheticDocument(300, 40, 10, seededRandom(5), 12);
  const windows = { maxWindowTokens: 128, windowTokens: 96, windowOverlap: 32 };
  const options = { kernel: 'prototype' as const, side: 'model' as const, seed: 2 };
  const g = computeGeometry(doc.input, { ...options, ...windows, eigenpairs: 6, shifts: 5 });
  assert.ok(g.windows && g.windows.length > 1);
  const h = Float32Array.from(doc.input.hidden!.data);
  const a = layerAlignment(doc.input, [h], doc.input.hidden!.d, g.windows.map(w => w.eigenvalues), { ...options, ...windows });
  assert.equal(a.windows, g.windows.length);
  close(a.Ak[0], g.alignment!.Ak, 1e-9, 'windowed last layer');
});

test('engine: --geometry with the lens gives a curve per layer whose last point is the spectrum panel\'s A_k', async () => {
  const fixtures = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures');
  const text = (JSON.parse(readFileSync(join(fixtures, 'reference', 'lens', 'gpt2-bytelevel.json'), 'utf8')) as { cases: Array<{ name: string; text: string }> }).cases.find(c => c.name === 'long')!.text;
  const engine = await openModel(join(fixtures, 'models', 'gpt2-bytelevel'), { intraOpThreads: 1 });
  try {
    const a = await engine.analyze({ text, layers: true, geometry: { eigenpairs: 8, shifts: 5, side: 'data' } });
    assert.ok(a.layers && !isLensOff(a.layers));
    const lens = a.layers as LayerLens;
    const curve = lens.alignment!;
    assert.ok(curve, lens.alignmentOff);
    assert.equal(curve.Ak.length, lens.count);
    assert.equal(curve.side, 'data');
    close(curve.Ak[lens.count - 1], a.geometry!.alignment!.Ak, 1e-9, 'engine last layer');
    for (const row of curve.Ak) assert.ok(row.every(x => x >= 0 && x <= 1 + 1e-9));
    const plain = await engine.analyze({ text, layers: true });
    assert.equal((plain.layers as LayerLens).alignment, undefined, 'no geometry, no curve');
  } finally {
    await engine.dispose();
  }
});
