import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeGeometry } from '../../../src/core/geometry/computeGeometry';
import { seededRandom } from '../../../src/core/geometry/random';
import { packGeometry, unpackGeometry } from '../../../src/protocol/engine';
import type { GeometryReport } from '../../../src/core/geometry';
import { syntheticDocument } from '../geometry/reference';

function report(maxWindowTokens?: number): GeometryReport {
  const doc = syntheticDocument(160, 20, 6, seededRandom(4), 8);
  doc.input.nll[3] = NaN; // a non-finite position: nulls in every per-token series
  const result = computeGeometry(doc.input, { eigenpairs: 4, shifts: 6, maxWindowTokens, windowTokens: 100, windowOverlap: 20 });
  return {
    ...result,
    head: { verdict: 'linear', message: 'ok', relativeError: 0, fittedScale: 1, issues: [] },
    views: { spectrum: { on: true, message: '' }, alignment: { on: true, message: '' }, head: { on: true, message: '' }, hiddenNorm: { on: true, message: '' } },
    options: { kernel: 'prototype', side: 'model', eigenpairs: 4, seed: 1 },
  };
}

test('a geometry report survives packing, a structured clone and unpacking unchanged, key order included', () => {
  for (const original of [report(), report(120)]) {
    const packed = structuredClone(packGeometry(original));
    assert.ok(packed.perToken.some(([, v]) => v instanceof Float64Array), 'series travel as typed arrays');
    const back = unpackGeometry(packed);
    assert.deepEqual(back, original);
    assert.deepEqual(Object.keys(back.perToken), Object.keys(original.perToken));
    assert.equal(back.perToken.excessSurprisal[3], null, 'a null stays null');
    assert.ok(original.perToken.psi.length > 0 && back.perToken.psi[0].length === 160);
  }
  assert.ok(report(120).perToken.window, 'the windowed report carries its token → window map');
});
