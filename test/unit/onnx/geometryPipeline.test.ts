/**
 * The whole hidden-state → geometry path on a real fixture model: splice the hidden state out of
 * gpt2-bytelevel, run one forward pass, reduce each logits row exactly, keep top-k slices and the
 * exact π̄, gather the head rows, and compute the geometry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InferenceSession } from 'onnxruntime-node';
import { computeGeometry } from '../../../src/core/geometry/computeGeometry';
import { gatherHeadRows, headRowIds } from '../../../src/core/geometry/fromRecords';
import { checkLinearHead } from '../../../src/core/geometry/headCheck';
import { logitRowStatistics } from '../../../src/core/geometry/tokenMetrics';
import { GeometryInput } from '../../../src/core/geometry/types';
import { exposeHiddenState, headWeightsOf } from '../../../src/model/onnx/graph/hiddenState';
import { firstStepFeeds, toFloat32 } from './ortHelpers';

const path = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'models', 'gpt2-bytelevel', 'model.onnx');

test('gpt2-bytelevel: spliced hidden states and exact row statistics feed a consistent geometry', { skip: existsSync(path) ? false : 'fixture not built' }, async () => {
  const original = readFileSync(path);
  const exposed = exposeHiddenState(original);
  const weights = headWeightsOf(exposed, original)!;
  const session = await InferenceSession.create(exposed.model, { logSeverityLevel: 3 });
  const V = weights.vocab;
  const d = weights.hidden;
  // A deterministic pseudo-text of 61 ids (prefix + 60 tokens); position i predicts id i + 1.
  const ids = Array.from({ length: 61 }, (_, i) => (i * 37 + 11) % V);
  const out = await session.run(firstStepFeeds(session, ids));
  const logits = toFloat32(out.logits);
  const hiddenAll = toFloat32(out[exposed.hiddenOutput!]);
  const T = ids.length - 1;
  assert.equal(checkLinearHead({ hidden: hiddenAll, logits, rows: T, d, vocab: V, weight: weights.weight, bias: weights.bias ?? undefined }).verdict, 'linear');

  const k = 16;
  const targets = Int32Array.from(ids.slice(1));
  const nll = new Float64Array(T);
  const entropy = new Float64Array(T);
  const varentropy = new Float64Array(T);
  const rank = new Int32Array(T);
  const logPartition = new Float64Array(T);
  const meanDistribution = new Float64Array(V);
  const rowStart = Int32Array.from({ length: T + 1 }, (_, t) => t * k);
  const topIds = new Int32Array(T * k);
  const topProbs = new Float64Array(T * k);
  for (let t = 0; t < T; t++) {
    const row = logits.subarray(t * V, (t + 1) * V);
    const s = logitRowStatistics(row, targets[t]);
    nll[t] = s.nll; entropy[t] = s.entropy; varentropy[t] = s.varentropy; rank[t] = s.rank; logPartition[t] = s.logPartition;
    const p = Float64Array.from(row, z => Math.exp(z - s.logPartition));
    p.forEach((x, w) => { meanDistribution[w] += x / T; });
    const order = Array.from({ length: V }, (_, w) => w).sort((a, b) => p[b] - p[a]).slice(0, k);
    order.forEach((w, j) => { topIds[t * k + j] = w; topProbs[t * k + j] = p[w]; });
  }
  const base = { targets, top: { rowStart, ids: topIds, probs: topProbs } };
  const input: GeometryInput = {
    ...base, nll, entropy, varentropy, rank, logPartition, meanDistribution,
    hidden: { data: hiddenAll.subarray(0, T * d), d },
    head: gatherHeadRows(weights.weight, d, headRowIds(base), weights.maxRowNormSq),
  };
  const r = computeGeometry(input, { eigenpairs: 12, shifts: 30 });
  const again = computeGeometry(input, { eigenpairs: 12, shifts: 30 });
  assert.deepEqual({ ...r, timings: {} }, { ...again, timings: {} }, 'deterministic');

  assert.equal(r.kernel.name, 'prototype');
  assert.ok(r.kernel.maxResidual < 1, 'slices hold some mass');
  r.eigenvalues.forEach((x, j) => assert.ok(Number.isFinite(x) && (j === 0 || x <= r.eigenvalues[j - 1])));
  const a = r.alignment!;
  assert.equal(a.hiddenDims, Math.min(128, Math.floor(T / 4), d));
  assert.equal(a.poincareViolations, 0);
  assert.ok(a.Ak.every(x => x >= 0 && x <= 1 + 1e-9));
  assert.ok(a.cka >= 0 && a.cka <= 1 + 1e-9);
  assert.equal(r.surplus.A1.basis, 'exact');
  assert.ok(r.surplus.A1.value > 0 && r.surplus.A1.value <= Math.log(T));
  // NLL = A + U exactly, per token.
  r.perToken.alignmentTerm!.forEach((A, t) => assert.ok(Math.abs(A! + r.perToken.partitionTerm![t]! - nll[t]) < 1e-9));
  // The pullback trace from the top-16 slice is within its stated bound of the exact full-row value.
  for (const t of [0, 17, T - 1]) {
    const row = logits.subarray(t * V, (t + 1) * V);
    const p = Float64Array.from(row, z => Math.exp(z - logPartition[t]));
    const mean = new Float64Array(d);
    let weighted = 0;
    for (let w = 0; w < V; w++) {
      let norm = 0;
      for (let c = 0; c < d; c++) { const x = weights.weight[w * d + c]; norm += x * x; mean[c] += p[w] * x; }
      weighted += p[w] * norm;
    }
    const exact = weighted - mean.reduce((s, x) => s + x * x, 0);
    assert.ok(Math.abs(r.perToken.pullbackTrace![t]! - exact) <= r.perToken.pullbackTraceBound![t]! + 1e-9, `t=${t}`);
  }
});
