import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePanelMessage } from '../../../src/protocol/heatmapPanel';
import { parseSpectrumMessage } from '../../../src/protocol/spectrumPanel';

test('spectrum messages are validated: options from the known lists, reveal within the tokens', () => {
  assert.deepEqual(parseSpectrumMessage({ type: 'spectrum/ready', extra: 1 }, 5), { type: 'spectrum/ready' });
  assert.deepEqual(parseSpectrumMessage({ type: 'spectrum/options', options: { kernel: 'linear', side: 'data', x: 1 } }, 5),
    { type: 'spectrum/options', options: { kernel: 'linear', side: 'data' } });
  assert.equal(parseSpectrumMessage({ type: 'spectrum/options', options: { kernel: 'rbf', side: 'data' } }, 5), undefined);
  assert.equal(parseSpectrumMessage({ type: 'spectrum/options', options: { kernel: 'linear', side: 'both' } }, 5), undefined);
  assert.deepEqual(parseSpectrumMessage({ type: 'token/reveal', index: 4 }, 5), { type: 'token/reveal', index: 4 });
  assert.equal(parseSpectrumMessage({ type: 'token/reveal', index: 5 }, 5), undefined);
  assert.equal(parseSpectrumMessage({ type: 'token/details', index: 1, requestId: 1 }, 5), undefined);
  assert.equal(parseSpectrumMessage(null, 5), undefined);
});

test('the heatmap panel may ask for the spectrum', () => {
  assert.deepEqual(parsePanelMessage({ type: 'spectrum/show', uri: 'file:///x' }, 0), { type: 'spectrum/show' });
});

test('geometry heatmap layers: excess in bits, ψ₁/φ₁ as given, bucketed on a symmetric scale; not a setting value', async () => {
  const { computeGeometry } = await import('../../../src/core/geometry');
  const { seededRandom } = await import('../../../src/core/geometry/random');
  const { syntheticDocument } = await import('../geometry/reference');
  const { geometryColumns, heatBucket, isGeometryHeatMetric, isHeatMetric, metricValue } = await import('../../../src/core/heat');
  const doc = syntheticDocument(64, 20, 6, seededRandom(9), 8);
  const g = computeGeometry(doc.input, { eigenpairs: 4, shifts: 8 });
  const cols = geometryColumns(g);
  assert.equal(cols.excess.length, 64);
  assert.deepEqual(cols.psi, g.perToken.psi[0]);
  assert.deepEqual(cols.phi, g.perToken.phi[0]);
  assert.equal(cols.provenance.excess, 'exact');
  const t = 5;
  assert.ok(Math.abs(metricValue('excess', null, null, null, cols, t) - (g.perToken.excessSurprisal[t] as number) / Math.LN2) < 1e-12);
  assert.equal(metricValue('psi', null, null, null, cols, t), g.perToken.psi[0][t]);
  assert.ok(Number.isNaN(metricValue('psi', 1, 1, 1)), 'no geometry: unknown');
  assert.equal(heatBucket('psi', -3), 0);
  assert.equal(heatBucket('psi', 0.1), 4);
  assert.equal(heatBucket('psi', 3), 7);
  assert.ok(isGeometryHeatMetric('phi') && !isHeatMetric('phi'), 'geometry layers are not values of the heatmapMetric setting');
  assert.deepEqual(parsePanelMessage({ type: 'metric/set', metric: 'psi' }, 0), { type: 'metric/set', metric: 'psi' });
});
