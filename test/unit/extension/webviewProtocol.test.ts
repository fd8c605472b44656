import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HEAT_BOUNDS, HEAT_BUCKETS, HEAT_METRICS, heatBucket, metricValue } from '../../../src/core/heat';
import { parsePanelMessage, parsePanelState } from '../../../src/protocol/heatmapPanel';

test('panel messages: well-formed ones pass with only their own fields', () => {
  assert.deepEqual(parsePanelMessage({ type: 'panel/ready', extra: '<script>' }, 0), { type: 'panel/ready' });
  assert.deepEqual(parsePanelMessage({ type: 'token/reveal', index: 4 }, 5), { type: 'token/reveal', index: 4 });
  assert.deepEqual(parsePanelMessage({ type: 'token/details', index: 0, requestId: 9 }, 1), { type: 'token/details', index: 0, requestId: 9 });
  assert.deepEqual(parsePanelMessage({ type: 'metric/set', metric: 'rank' }, 0), { type: 'metric/set', metric: 'rank' });
});

test('panel messages: unknown types, bad fields and out-of-range indices are dropped', () => {
  for (const bad of [null, 'panel/ready', 42, {}, { type: 'shell/exec', cmd: 'rm' }, { type: 'token/reveal', index: 5 },
    { type: 'token/reveal', index: -1 }, { type: 'token/reveal', index: 1.5 }, { type: 'token/reveal', index: '1' },
    { type: 'token/details', index: 0 }, { type: 'metric/set', metric: 'bogus' }, { type: 'panel/rendered', tokens: -1, ms: 3 },
    { type: 'panel/rendered', tokens: 3, ms: Infinity }]) {
    assert.equal(parsePanelMessage(bad, 5), undefined, JSON.stringify(bad));
  }
  assert.equal(parsePanelMessage({ type: 'token/reveal', index: 0 }, 0), undefined, 'no tokens: no index is valid');
});

test('panel state is validated before the host trusts it', () => {
  assert.deepEqual(parsePanelState({ uri: 'file:///a.txt', metric: 'entropy', scrollTop: 10 }), { uri: 'file:///a.txt', metric: 'entropy', scrollTop: 10, scale: 'quantile', follow: true });
  assert.deepEqual(parsePanelState({ uri: 'file:///a.txt', metric: 'nll', scrollTop: 0, scale: 'gltr', follow: false }), { uri: 'file:///a.txt', metric: 'nll', scrollTop: 0, scale: 'gltr', follow: false });
  assert.equal(parsePanelState({ uri: 'file:///a.txt', metric: 'nll', scale: 'rainbow' })?.scale, 'quantile', 'an unknown scale falls back to the default');
  assert.equal(parsePanelState({ uri: 'file:///a.txt', metric: 'x' }), undefined);
  assert.equal(parsePanelState(undefined), undefined);
});

test('metric values are bits (nats / ln 2) and null stays unknown', () => {
  assert.equal(metricValue('nll', Math.LN2 * 3, 0, 1), 3);
  assert.equal(metricValue('entropy', 0, Math.LN2 * 5, 1), 5);
  // The nats difference of two rounded products is within a few ulps of -2 ln 2.
  assert.ok(Math.abs(metricValue('surprise', Math.LN2 * 3, Math.LN2 * 5, 1) + 2) < 1e-15);
  assert.equal(metricValue('surprise', 1.5, 0.5, 1), 1 / Math.LN2);
  assert.equal(metricValue('rank', 1, 1, 17), 17);
  assert.ok(Number.isNaN(metricValue('nll', null, 1, 1)));
  assert.ok(Number.isNaN(metricValue('surprise', 1, null, 1)));
  assert.ok(Number.isNaN(metricValue('rank', 1, 1, null)));
});

test('colour buckets: bounds are increasing, edges go up, unknown is -1', () => {
  for (const m of HEAT_METRICS) {
    const b = HEAT_BOUNDS[m];
    assert.equal(b.length, HEAT_BUCKETS - 1);
    for (let i = 1; i < b.length; i++) assert.ok(b[i] > b[i - 1]);
    assert.equal(heatBucket(m, b[0] - 1e-9), 0);
    assert.equal(heatBucket(m, b[0]), 1, 'a value on a bound belongs to the bucket above');
    assert.equal(heatBucket(m, b[b.length - 1]), HEAT_BUCKETS - 1);
    assert.equal(heatBucket(m, 1e9), HEAT_BUCKETS - 1);
    assert.equal(heatBucket(m, NaN), -1);
  }
  assert.equal(heatBucket('rank', 1), 0, 'the top guess is the coolest colour');
  assert.equal(heatBucket('nll', 2.5), 3);
});
