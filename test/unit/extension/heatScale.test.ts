/**
 * The heatmap's colour scales (issue 21 point 5): document-relative quantiles by default, the fixed
 * absolute scale, and GLTR's rank buckets; each bucket's meaning and its share of the tokens.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HEAT_BOUNDS } from '../../../src/core/heat';
import { bucketClass, bucketShares, makeHeatScale, quantileBounds, scaleMetric } from '../../../src/core/heatScale';
import { settingChanges, type AnalysisSettings } from '../../../src/extension/staleness';

test('quantile scale: each of 8 buckets holds an eighth of distinct values; ties and unknowns handled', () => {
  const values = Float64Array.from({ length: 800 }, (_, i) => (i * 37) % 800 / 10);
  const scale = makeHeatScale('quantile', 'nll', values);
  assert.equal(scale.buckets, 8);
  const { shares, unknown } = bucketShares(scale, values);
  for (const s of shares) assert.equal(s, 1 / 8);
  assert.equal(unknown, 0);
  assert.deepEqual(quantileBounds([NaN, NaN], 4), [Infinity, Infinity, Infinity]);
  // Ties: a value that fills half the document takes its buckets together (the others stay empty).
  const tied = [...new Array<number>(50).fill(1), ...Array.from({ length: 50 }, (_, i) => 2 + i)];
  const t = makeHeatScale('quantile', 'rank', tied);
  const shares2 = bucketShares(t, tied).shares;
  assert.ok(Math.abs(shares2.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.equal(Math.max(...shares2), 0.5);
  assert.equal(t.bucketOf(NaN), -1);
  assert.equal(bucketClass(t.palette, -1), 'hna');
  assert.match(t.label(0), /^< /);
  assert.match(scale.label(7), /^≥ [\d.]+ bits$/);
  assert.match(scale.label(3), /^[\d.]+–[\d.]+ bits$/);
});

test('absolute scale: the fixed bounds; GLTR: ranks in top 10 / 100 / 1000 / beyond, whatever the metric', () => {
  const abs = makeHeatScale('absolute', 'nll');
  assert.deepEqual(abs.bounds, HEAT_BOUNDS.nll);
  assert.equal(abs.bucketOf(0.4), 0);
  assert.equal(abs.bucketOf(12), 7);
  const gltr = makeHeatScale('gltr', 'entropy');
  assert.equal(scaleMetric('gltr', 'entropy'), 'rank');
  assert.equal(gltr.palette, 'gltr');
  assert.deepEqual([1, 10, 11, 100, 101, 1000, 1001, 50000].map(r => gltr.bucketOf(r)), [0, 0, 1, 1, 2, 2, 3, 3]);
  assert.deepEqual([0, 1, 2, 3].map(b => gltr.label(b)), ['top 10', 'top 100', 'top 1000', 'beyond 1000']);
  assert.equal(bucketClass('gltr', 2), 'g2');
});

test('settings that change the numbers are named; the spectrum also names its geometry settings', () => {
  const used: AnalysisSettings = { modelPath: '/m/a', onnxVariant: '', executionProviders: ['cpu'], topK: 10, window: 0, stride: 0, deepSurplus: 0, contextAblation: false };
  assert.deepEqual(settingChanges(used, { ...used }), []);
  assert.deepEqual(settingChanges(used, { ...used, topK: 20, window: 128 }), ['markovLens.topK changed from 10 to 20', 'markovLens.window changed from the default to 128']);
  assert.deepEqual(settingChanges(used, { ...used, modelPath: '/m/b' }), ["the model changed (markovLens.modelPath is now '/m/b')"]);
  assert.deepEqual(settingChanges(used, { ...used, onnxVariant: 'fp16' }), ["markovLens.onnxVariant changed from (empty) to 'fp16'"]);
  assert.deepEqual(settingChanges(used, { ...used, contextAblation: true }), [], 'the heatmap ignores geometry settings');
  assert.deepEqual(settingChanges(used, { ...used, contextAblation: true }, true), ['markovLens.geometry.contextAblation changed from false to true']);
});
