import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarize, type TokenRecord } from '../../../src/core/analysis';
import { csvField, formatCsv } from '../../../src/core/format/csv';
import { formatJson, toAnalysisDocument } from '../../../src/core/format/json';
import { formatText, heatColor } from '../../../src/core/format/text';

function record(index: number, text: string, start: number, nll: number | null): TokenRecord {
  return { index, id: index + 100, text, start, end: start + text.length, partial: false, context: index + 1, nll, entropy: nll === null ? null : 1, rank: nll === null ? null : 2, top: nll === null ? [] : [[5, 0.5]], varentropy: nll === null ? null : 0.25 };
}

const text = 'a,"b\nc';
const tokens = [record(0, 'a,', 0, 1.5), record(1, '"b\n', 2, null), record(2, 'c', 5, 3)];

test('csv: a header and one quoted row per token', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,"b'), '"a,""b"');
  const lines = formatCsv(tokens).split('\r\n');
  assert.equal(lines[0], 'index,id,text,start,end,partial,context,nll,entropy,varentropy,rank,top_ids,top_probs');
  assert.equal(lines[1], '0,100,"a,",0,2,0,1,1.5,1,0.25,2,5,0.5');
  assert.equal(lines[2], '1,101,"""b\n",2,5,0,2,,,,,,');
});

test('json: schema markov-lens/analysis@1 with the DESIGN.md fields', () => {
  const summary = summarize(tokens, 7);
  const model = { path: '/m', name: 'm', modelType: 'gpt2', vocabSize: 10, hiddenSize: 4, layers: 1, contextLength: 8, dtype: 'float32' };
  const doc = JSON.parse(formatJson({ model, scoring: { prefixTokenId: 0, window: 8, stride: 4, topK: 1 }, tokens, summary, inputPath: 'x.txt', utf16Length: 6, utf8Bytes: 7 }));
  assert.equal(doc.schema, 'markov-lens/analysis@1');
  assert.deepEqual(Object.keys(doc), ['schema', 'model', 'input', 'scoring', 'tokens', 'summary']);
  assert.deepEqual(doc.input, { path: 'x.txt', utf16Length: 6, utf8Bytes: 7 });
  for (const key of ['index', 'id', 'text', 'start', 'end', 'partial', 'context', 'nll', 'entropy', 'rank', 'top']) assert.ok(key in doc.tokens[0], key);
  assert.equal(doc.tokens[1].nll, null);
  assert.equal(doc.summary.nonFinite, 1);
  assert.equal(doc.summary.totalNll, 4.5);
});

test('json: one line per token, same content as JSON.stringify (even with $& in token text)', () => {
  const odd = [record(0, '$&', 0, 1), record(1, "$'x", 2, 2)];
  const model = { path: '/m', name: 'm', modelType: 'gpt2', vocabSize: 10, hiddenSize: 4, layers: 1, contextLength: 8, dtype: 'float32' };
  const parts = { model, scoring: { prefixTokenId: 0, window: 8, stride: 4, topK: 1 }, tokens: odd, summary: summarize(odd, 5), inputPath: 'x', utf16Length: 5, utf8Bytes: 5 };
  const out = formatJson(parts);
  assert.deepEqual(JSON.parse(out), JSON.parse(JSON.stringify(toAnalysisDocument(parts))));
  assert.equal(out.split('\n').filter(l => l.startsWith('    {"index"')).length, 2);
  assert.deepEqual(JSON.parse(formatJson({ ...parts, tokens: [] })).tokens, []);
});

test('text: colour covers every token span, the document survives, legend and summary follow', () => {
  const out = formatText(text, tokens, summarize(tokens, 7), '256');
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  assert.ok(plain.startsWith(text));
  assert.match(out, /\x1b\[30;48;5;\d+m/);
  assert.match(plain, /NLL \(nats\)/);
  assert.match(plain, /3 tokens \| mean NLL 2\.250 nats/);
  assert.match(plain, /non-finite 1/);
  // No background runs across a newline.
  assert.ok(!/\x1b\[30;48;5;\d+m[^\x1b]*\n/.test(out));
  const truecolor = formatText(text, tokens, summarize(tokens, 7), 'truecolor');
  assert.match(truecolor, /\x1b\[30;48;2;\d+;\d+;\d+m/);
});

test('text without colour: a table with one row per token', () => {
  const out = formatText(text, tokens, summarize(tokens, 7), 'none');
  assert.ok(!out.includes('\x1b'));
  assert.equal(out.trim().split('\n').length, 1 + tokens.length + 1);
});

test('heat colours go from green to red and saturate', () => {
  const low = heatColor(0);
  const high = heatColor(100);
  assert.ok(low[1] > low[0] && high[0] > high[1]);
  assert.deepEqual(heatColor(10), heatColor(50));
});
