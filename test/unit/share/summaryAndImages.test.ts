import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DocumentSummary, ModelInfo } from '../../../src/core/analysis';
import type { ComparisonSummary } from '../../../src/core/compare/summary';
import { formatSummaryMarkdown, markdownCell } from '../../../src/core/format/summaryMarkdown';
import { MAX_IMAGE_BASE64, parsePanelMessage } from '../../../src/protocol/heatmapPanel';
import { parseSpectrumMessage } from '../../../src/protocol/spectrumPanel';

const model = (name: string): ModelInfo => ({ path: '/m', name, modelType: 'gpt2', vocabSize: 50257, hiddenSize: 768, layers: 12, contextLength: 1024, dtype: 'float32' });
const summary: DocumentSummary = { tokens: 120, totalNll: 120 * 2 * Math.LN2, meanNll: 2 * Math.LN2, perplexity: 4, bitsPerByte: 0.5, meanEntropy: 3 * Math.LN2, nonFinite: 0 };

test('summary Markdown: the figures in bits, one table row each', () => {
  const md = formatSummaryMarkdown({ fileName: 'notes.txt', model: model('gpt2'), summary });
  assert.match(md, /^\*\*Markov Lens\*\*: notes\.txt\n/);
  assert.match(md, /\| Model \| gpt2 \(gpt2, 12 layers, width 768, vocabulary 50257, context 1024, float32\) \|/);
  assert.match(md, /\| Tokens \| 120 \|/);
  assert.match(md, /\| Bits per byte \| 0\.5000 \|/);
  assert.match(md, /\| Perplexity \| 4\.000 \|/);
  assert.match(md, /\| Mean NLL \| 2\.0000 bits\/token \|/);
  assert.match(md, /\| Mean entropy \| 3\.0000 bits\/token \|/);
  assert.doesNotMatch(md, /Compared with/);
});

test('summary Markdown: a comparison adds both models and its statistics; names cannot break the table', () => {
  const c = {
    tokens: 120, excluded: 2, ppl: { model: { value: 4, se: 0.1 }, against: { value: 5, se: 0.2 }, difference: { value: 1, se: 0.05 } },
    pplRatio: 1.25, lnPplCorrelation: 0.9, meanLnPplRatio: { mean: 0.22, se: 0.01 }, kld: { mean: 0.0123, se: 0.001 } as ComparisonSummary['kld'],
    klReverse: null, js: null, tv: null, dp: null, sameTop1: { value: 0.875, se: 0.01 },
    acceptance: { mean: 0.8, gamma: 4, expectedTokensPerBlock: 3.3, approximation: '' },
    bitsPerByte: { model: 0.5, against: 0.6 }, detection: {} as ComparisonSummary['detection'],
  } as ComparisonSummary;
  const md = formatSummaryMarkdown({ fileName: 'a|b.txt', model: model('base'), summary, comparison: { against: model('other | <b>x</b>'), sameTokenizer: true, summary: c } });
  assert.match(md, /\*\*Compared with\*\* other \\\| \\<b\\>x\\<\/b\\> \(the same tokenizer/);
  assert.match(md, /\| Bits per byte \| 0\.5000 \| 0\.6000 \|/);
  assert.match(md, /\| Perplexity \(same 118 tokens\) \| 4\.000 ± 0\.100 \| 5\.000 ± 0\.200 \|/);
  assert.match(md, /\| Mean KL\(base ‖ Q\), nats \| 0\.012300 ± 0\.001000 \|/);
  assert.match(md, /\| Same top-1 token \| 87\.50 % \|/);
  assert.match(md, /a\\\|b\.txt/);
  // Every row of each table has as many unescaped pipes as the table's first row.
  for (const table of md.split(/\n(?!\|)/).map(t => t.split('\n').filter(l => l.startsWith('|'))).filter(t => t.length)) {
    const pipes = (line: string) => line.replace(/\\\|/g, '').split('|').length;
    for (const line of table) assert.equal(pipes(line), pipes(table[0]), line);
  }
  assert.equal(markdownCell('a\nb*c'), 'a b\\*c');
});

test('export images from a webview are validated: base64 PNG text or a short reason, nothing else', () => {
  assert.deepEqual(parsePanelMessage({ type: 'export/image', requestId: 3, png: 'iVBORw0KGgo=', extra: 1 }, 0), { type: 'export/image', requestId: 3, png: 'iVBORw0KGgo=' });
  assert.deepEqual(parsePanelMessage({ type: 'export/image', requestId: 3, error: 'x'.repeat(900) }, 0), { type: 'export/image', requestId: 3, error: 'x'.repeat(500) });
  assert.deepEqual(parseSpectrumMessage({ type: 'export/image', requestId: 1, png: 'AAAA' }, 0), { type: 'export/image', requestId: 1, png: 'AAAA' });
  assert.deepEqual(parsePanelMessage({ type: 'export/open' }, 0), { type: 'export/open' });
  for (const bad of [{ type: 'export/image', png: 'AAAA' }, { type: 'export/image', requestId: 1.5, png: 'AAAA' }, { type: 'export/image', requestId: 1, png: '' },
    { type: 'export/image', requestId: 1, png: 'data:image/png;base64,AAAA' }, { type: 'export/image', requestId: 1, png: '<script>' },
    { type: 'export/image', requestId: 1 }, { type: 'export/image', requestId: 1, png: 'A'.repeat(MAX_IMAGE_BASE64 + 4) }]) {
    assert.equal(parsePanelMessage(bad, 0), undefined, JSON.stringify(bad).slice(0, 80));
    assert.equal(parseSpectrumMessage(bad, 0), undefined);
  }
});
