import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePanelMessage, parseSpectrumMessage } from '../../../src/protocol/webview';

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
