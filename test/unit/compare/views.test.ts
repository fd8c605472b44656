/**
 * What the editor views make of a comparison: colour buckets (sequential for KL and acceptance,
 * diverging for ΔNLL and Δp, with the sign that means "the other model is better"), legends in bits,
 * the panel messages that pick a comparison metric, the tooltip/hover details with both top-k lists,
 * and the status bar's mean KLD.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CompareTokenRecord } from '../../../src/core/compare/records';
import { compareBucket, compareColumns, compareLegend, compareValue, DIVERGE_BUCKETS, segmentColumns } from '../../../src/core/compare/heat';
import { HEAT_BUCKETS } from '../../../src/core/heat';
import { parsePanelMessage, parsePanelState } from '../../../src/protocol/heatmapPanel';
import { comparisonMarkdown, withComparison } from '../../../src/extension/compareDetails';
import { comparisonStatus } from '../../../src/extension/compareStatus';
import { tokenDetails } from '../../../src/extension/tokenDetails';
import type { DocumentResult } from '../../../src/extension/results';
import type { ComparisonView } from '../../../src/extension/compareView';

test('buckets: KL and acceptance sequential (hot = disagreement), ΔNLL and Δp diverging (low buckets = the other model better)', () => {
  assert.equal(compareBucket('kl', 0), 0);
  assert.equal(compareBucket('kl', 5), HEAT_BUCKETS - 1);
  assert.equal(compareBucket('acceptance', 1), 0, 'full acceptance is cool');
  assert.equal(compareBucket('acceptance', 0.1), HEAT_BUCKETS - 1);
  // ΔNLL = nll_other − nll_base: negative means the other model found the token less surprising.
  assert.equal(compareBucket('dNll', -3), 0);
  assert.equal(compareBucket('dNll', 0), 3);
  assert.equal(compareBucket('dNll', 3), DIVERGE_BUCKETS - 1);
  // Δp = q − p: positive means the other model gave the token more probability (better).
  assert.equal(compareBucket('dP', 0.5), 0);
  assert.equal(compareBucket('dP', 0), 3);
  assert.equal(compareBucket('dP', -0.5), DIVERGE_BUCKETS - 1);
  assert.equal(compareBucket('kl', NaN), -1);
});

test('values: KL and ΔNLL in bits, Δp and acceptance as they are, null unknown; legends name the bounds', () => {
  const columns = { kl: [Math.LN2], klReverse: [null], dNll: [-2 * Math.LN2], dP: [0.25], acceptance: [0.9] };
  assert.equal(compareValue('kl', columns, 0), 1);
  assert.equal(compareValue('dNll', columns, 0), -2);
  assert.equal(compareValue('dP', columns, 0), 0.25);
  assert.ok(Number.isNaN(compareValue('klReverse', columns, 0)));
  assert.deepEqual(compareLegend('dNll').map(([, label]) => label), ['< −2', '−2 … −0.5', '−0.5 … −0.05', '±0.05', '+0.05 … +0.5', '+0.5 … +2', '≥ +2']);
  assert.deepEqual(compareLegend('dNll').map(([cls]) => cls), ['d0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6']);
  assert.equal(compareLegend('dP')[0][0], 'd6', 'a large negative Δp is the other model doing worse');
  assert.equal(compareLegend('kl').length, HEAT_BUCKETS);
});

test('two tokenizers: each base token takes the ΔNLL of the segment holding it', () => {
  const columns = segmentColumns(4, [
    { start: 0, end: 2, modelTokens: [0, 2], againstTokens: [0, 1], nllModel: 1, nllAgainst: 2, dNll: 1 },
    { start: 2, end: 5, modelTokens: [2, 4], againstTokens: [1, 3], nllModel: 3, nllAgainst: 2.5, dNll: -0.5 },
  ]);
  assert.deepEqual(columns.dNll, [1, 1, -0.5, -0.5]);
  assert.deepEqual(columns.kl, [null, null, null, null]);
});

test('the panel may pick a comparison metric; anything else is still refused', () => {
  assert.deepEqual(parsePanelMessage({ type: 'metric/set', metric: 'dNll' }, 0), { type: 'metric/set', metric: 'dNll' });
  assert.equal(parsePanelMessage({ type: 'metric/set', metric: 'kl2' }, 0), undefined);
  assert.equal(parsePanelState({ uri: 'file:///a', metric: 'acceptance', scrollTop: 0 })?.metric, 'acceptance');
});

const text = 'ab cd';
const record = (index: number, start: number, end: number): CompareTokenRecord => ({
  index, id: 10 + index, text: text.slice(start, end), start, end, partial: false, context: index + 1,
  nll: 2 * Math.LN2, entropy: Math.LN2, rank: 2, top: [[4, 0.5], [5, 0.25]],
  against: { nll: 3 * Math.LN2, entropy: Math.LN2, rank: 3, top: [[5, 0.4], [4, 0.3]], varentropy: 1, logZ: 2 },
  kl: 0.5 * Math.LN2, klReverse: 0.4, js: 0.1, tv: 0.2, acceptance: 0.8, dNll: Math.LN2, dP: -0.125, sameTop1: false,
});
const tokens = [record(0, 0, 2), record(1, 2, 5)];

function resultOf(view: Partial<ComparisonView>): DocumentResult {
  return {
    uri: 'file:///a', fileName: 'a', text, tokens, totalTokens: 2, running: false, stale: false, tokenText: (id: number) => `<${id}>`,
    comparison: { against: { name: 'twin' } as ComparisonView['against'], againstDir: '/m', columns: compareColumns(tokens), metric: 'kl', againstTokenText: (id: number) => `[${id}]`, ...view },
  } as unknown as DocumentResult;
}

test('details: the other model\'s numbers and top-k with its own token texts; the hover puts both lists side by side', () => {
  const d = withComparison(tokenDetails(tokens, text, 1, id => `<${id}>`), resultOf({}))!;
  assert.equal(d.comparison?.against, 'twin');
  assert.deepEqual(d.comparison?.top, [{ id: 5, text: '[5]', prob: 0.4 }, { id: 4, text: '[4]', prob: 0.3 }]);
  const md = comparisonMarkdown(d, 'base-model');
  assert.match(md, /KL \*\*0\.500 bits\*\*/);
  assert.match(md, /ΔNLL \*\*\+1\.00 bits\*\*/);
  assert.match(md, /same top-1: \*\*no\*\*/);
  assert.ok(md.includes('| base-model | p | twin | p |'));
  assert.ok(md.includes('| `` <4> `` | 50.0% | `` [5] `` | 40.0% |'), md);
});

test('details across tokenizers: the common segment with both NLLs', () => {
  const segments = [{ start: 0, end: 5, modelTokens: [0, 2] as [number, number], againstTokens: [0, 3] as [number, number], nllModel: 2 * Math.LN2, nllAgainst: 3 * Math.LN2, dNll: Math.LN2 }];
  const d = withComparison(tokenDetails(tokens, text, 1, String), resultOf({ segments }))!;
  assert.equal(d.comparison?.segment?.text, 'ab cd');
  assert.match(comparisonMarkdown(d, 'base'), /different tokenizers.*\n\nNLL \*\*2\.00 bits\*\* \(base\) vs \*\*3\.00 bits\*\* \(twin\) · ΔNLL \*\*\+1\.00 bits\*\*/);
});

test('the status bar: mean KLD ± its uncertainty in nats; across tokenizers, bits per byte of both', () => {
  const summary = { tokens: 10, excluded: 0, kld: { mean: 5.73e-7, se: 4.7e-9 }, sameTop1: { value: 0.998, se: 0.001 }, bitsPerByte: { model: 2, against: 2 } };
  const view = resultOf({ summary: summary as unknown as ComparisonView['summary'] }).comparison!;
  assert.equal(comparisonStatus(view, 'default')?.text, '$(git-compare) KLD 5.73e-7 ± 4.70e-9 nats');
  const cross = resultOf({ summary: { ...summary, kld: null, segments: 4, bitsPerByte: { model: 2.5, against: 3.25 } } as unknown as ComparisonView['summary'] }).comparison!;
  assert.equal(comparisonStatus(cross, 'default')?.text, '$(git-compare) 2.500 vs 3.250 bits/byte');
  assert.equal(comparisonStatus(resultOf({}).comparison!, 'x'), undefined, 'nothing before the summary exists');
});
