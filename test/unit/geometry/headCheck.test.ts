import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLinearHead } from '../../../src/core/geometry/headCheck';
import { seededRandom, gaussian } from '../../../src/core/geometry/random';

const random = seededRandom(12);
const V = 50;
const d = 8;
const n = 4;
const W = Float32Array.from({ length: V * d }, () => gaussian(random));
const b = Float32Array.from({ length: V }, () => gaussian(random));
const h = Float32Array.from({ length: n * d }, () => 3 * gaussian(random));
const linear = new Float32Array(n * V);
for (let i = 0; i < n; i++) for (let w = 0; w < V; w++) {
  let s = b[w];
  for (let c = 0; c < d; c++) s += W[w * d + c] * h[i * d + c];
  linear[i * V + w] = s;
}

test('a linear head with bias is recognised', () => {
  const r = checkLinearHead({ hidden: h, logits: linear, rows: n, d, vocab: V, weight: W, bias: b });
  assert.equal(r.verdict, 'linear');
  assert.ok(r.relativeError < 1e-6);
  assert.equal(checkLinearHead({ hidden: h, logits: linear, rows: n, d, vocab: V, weight: W }).verdict, 'not-linear', 'missing bias is caught');
});

test('scaled logits are reported with the scale', () => {
  const r = checkLinearHead({ hidden: h, logits: linear.map(x => x * 0.125), rows: n, d, vocab: V, weight: W, bias: b });
  assert.equal(r.verdict, 'scaled');
  assert.ok(Math.abs(r.fittedScale - 0.125) < 1e-6);
});

test('a tanh soft-cap is reported as not linear', () => {
  const cap = 5;
  const r = checkLinearHead({ hidden: h, logits: linear.map(x => cap * Math.tanh(x / cap)), rows: n, d, vocab: V, weight: W, bias: b });
  assert.equal(r.verdict, 'not-linear');
  assert.equal(r.linear, false);
  assert.match(r.message, /not plain linear/);
});
