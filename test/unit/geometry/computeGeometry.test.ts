import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeGeometry, GeometryResult } from '../../../src/core/geometry/computeGeometry';
import { seededRandom } from '../../../src/core/geometry/random';
import { syntheticDocument } from './reference';

const withoutTimings = (r: GeometryResult) => ({ ...r, timings: {} });

test('computeGeometry: deterministic, JSON-serialisable, with the promised fields', () => {
  const doc = syntheticDocument(240, 40, 10, seededRandom(1), 12);
  const a = computeGeometry(doc.input, { seed: 5, eigenpairs: 8, shifts: 20 });
  const b = computeGeometry(doc.input, { seed: 5, eigenpairs: 8, shifts: 20 });
  assert.deepEqual(withoutTimings(a), withoutTimings(b));
  assert.deepEqual(JSON.parse(JSON.stringify(withoutTimings(a))), withoutTimings(a));
  assert.equal(a.kernel.name, 'prototype');
  assert.equal(a.eigenvalues.length, 8);
  for (let j = 1; j < 8; j++) assert.ok(a.eigenvalues[j - 1] >= a.eigenvalues[j]);
  assert.ok(a.alignment);
  assert.equal(a.alignment.Ak.length, 8);
  assert.equal(a.alignment.nullPercentile.Ak.length, 8);
  assert.equal(a.alignment.hiddenDims, 10);
  assert.ok(a.surplus.A1.value >= 0 && a.surplus.A1.value <= Math.log(240));
  assert.equal(a.perToken.psi.length, 8);
  assert.equal(a.perToken.psi[0].length, 240);
  assert.equal(a.perToken.excessSurprisal.length, 240);
  assert.ok(a.perToken.pullbackTrace && a.perToken.pullbackTrace.every(x => x !== null && x >= 0));
  assert.equal(a.provenance.surplusA1, 'model-defined');
  assert.equal(a.provenance.surplusC1, 'heuristic');
  const other = computeGeometry(doc.input, { seed: 6, eigenpairs: 8, shifts: 20 });
  assert.deepEqual(other.eigenvalues.map(x => x.toPrecision(8)), a.eigenvalues.map(x => x.toPrecision(8)), 'exact eigenvalues do not depend on the seed');
});

test('every kernel and side runs; HaoChen is flagged as not in the paper', () => {
  const doc = syntheticDocument(120, 30, 6, seededRandom(2), 8);
  for (const kernel of ['bhattacharyya', 'linear', 'haochen'] as const) {
    const r = computeGeometry(doc.input, { kernel, eigenpairs: 6, shifts: 10 });
    assert.equal(r.kernel.name, kernel);
    assert.equal(r.kernel.inPaper, kernel !== 'haochen');
    assert.ok(r.eigenvalues.every(Number.isFinite));
  }
  const data = computeGeometry(doc.input, { side: 'data', eigenpairs: 6, shifts: 10 });
  assert.equal(data.kernel.side, 'data');
  assert.match(data.alignment!.honesty, /data-side/);
});

test('long documents are split into windows; every token gets its strips from one window', () => {
  const doc = syntheticDocument(400, 20, 6, seededRandom(3), 6);
  const r = computeGeometry(doc.input, { maxWindowTokens: 200, windowTokens: 160, windowOverlap: 40, eigenpairs: 4, shifts: 10 });
  assert.ok(r.windows && r.windows.length >= 3);
  assert.equal(r.windows[0].start, 0);
  assert.equal(r.windows.at(-1)!.end, 400);
  assert.equal(r.perToken.window!.length, 400);
  assert.ok(r.perToken.psi[0].every(x => x !== null));
  assert.equal(r.eigenvalues.length, 4);
});

test('without hidden states the spectrum is still computed and alignment is null', () => {
  const doc = syntheticDocument(60, 20, 4, seededRandom(4));
  const r = computeGeometry({ ...doc.input, hidden: undefined }, { eigenpairs: 4 });
  assert.equal(r.alignment, null);
  assert.equal(r.eigenvalues.length, 4);
});

test('positions with non-finite logits are left out of figures and get null strips, without poisoning the rest', () => {
  const doc = syntheticDocument(150, 25, 6, seededRandom(5), 10);
  const bad = [3, 70, 149];
  const input = { ...doc.input, nll: Float64Array.from(doc.input.nll), entropy: Float64Array.from(doc.input.entropy), top: { ...doc.input.top, probs: Float64Array.from(doc.input.top.probs) } };
  const hidden = Float64Array.from(doc.hidden);
  for (const t of bad) {
    input.nll[t] = NaN;
    input.entropy[t] = NaN;
    for (let e = input.top.rowStart[t]; e < input.top.rowStart[t + 1]; e++) input.top.probs[e] = NaN;
    hidden.fill(NaN, t * 6, (t + 1) * 6);
  }
  const r = computeGeometry({ ...input, hidden: { data: hidden, d: 6 } }, { eigenpairs: 5, shifts: 10 });
  assert.equal(r.document.tokens, 147);
  assert.equal(r.document.excluded, 3);
  assert.ok(Number.isFinite(r.document.meanNll) && Number.isFinite(r.surplus.A1.value));
  assert.ok(r.eigenvalues.every(Number.isFinite));
  assert.ok(r.alignment!.Ak.every(Number.isFinite));
  for (const t of bad) {
    assert.equal(r.perToken.psi[0][t], null);
    assert.equal(r.perToken.excessSurprisal[t], null);
    assert.equal(r.perToken.pullbackTrace![t], null);
  }
  assert.ok(r.perToken.psi[0].filter(x => x !== null).length === 147);
});

test('constant hidden states give no alignment instead of NaN', () => {
  const doc = syntheticDocument(40, 12, 3, seededRandom(6));
  const r = computeGeometry({ ...doc.input, hidden: { data: new Float64Array(40 * 3).fill(0.5), d: 3 } }, { eigenpairs: 3, shifts: 5 });
  assert.equal(r.alignment, null);
  assert.equal(r.perToken.psi.length, 0);
});
