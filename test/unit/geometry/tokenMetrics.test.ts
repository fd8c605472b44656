import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logitRowStatistics, excessSurprisal, pullbackTrace, pullbackTraceFullRow, alignmentPartitionSplit } from '../../../src/core/geometry/tokenMetrics';
import { seededRandom, gaussian } from '../../../src/core/geometry/random';
import { softmax } from './reference';

test('row statistics match direct float64 sums over the full distribution', () => {
  const random = seededRandom(1);
  const V = 500;
  const z = Float32Array.from({ length: V }, () => 3 * gaussian(random));
  const p = softmax(z);
  const target = 17;
  const H = -p.reduce((a, x) => a + x * Math.log(x), 0);
  const vr = p.reduce((a, x) => a + x * (-Math.log(x) - H) ** 2, 0);
  const s = logitRowStatistics(z, target);
  assert.ok(Math.abs(s.nll + Math.log(p[target])) < 1e-12);
  assert.ok(Math.abs(s.entropy - H) < 1e-12);
  assert.ok(Math.abs(s.varentropy - vr) < 1e-10);
  assert.equal(s.rank, 1 + Array.from(z).filter(x => x > z[target]).length);
  const { alignment, partition } = alignmentPartitionSplit(s.targetLogit, s.logPartition);
  assert.ok(Math.abs(alignment + partition - s.nll) < 1e-12, 'NLL = A + U exactly');
});

test('appendix vectors: uniform → H = log V, Vr = 0; near one-hot → H ≈ 0; ties counted', () => {
  const u = logitRowStatistics(new Float32Array(64).fill(1.5), 3);
  assert.ok(Math.abs(u.entropy - Math.log(64)) < 1e-12);
  assert.ok(u.varentropy < 1e-24);
  assert.equal(u.rank, 1);
  assert.equal(u.ties, 63);
  const z = new Float32Array(10).fill(-1000);
  z[4] = 0;
  const o = logitRowStatistics(z, 4);
  assert.ok(o.entropy < 1e-300 + 1e-12 && o.nll < 1e-12);
  const nonFinite = logitRowStatistics(Float32Array.of(1, NaN, 2), 0);
  assert.equal(nonFinite.finite, false);
});

test('excess surprisal e = NLL − H and ζ = e/√Vr, with ζ undefined when Vr ≈ 0', () => {
  const e = excessSurprisal(Float64Array.of(2, 1, 0.5), Float64Array.of(1, 1, 0.5), Float64Array.of(4, 0, 1));
  assert.deepEqual(Array.from(e.excess), [1, 0, 0]);
  assert.equal(e.standardised[0], 0.5);
  assert.ok(Number.isNaN(e.standardised[1]));
  assert.equal(e.standardised[2], 0);
});

test('pullback trace equals tr(Wᵀ(diag p − ppᵀ)W) and ½ε²vᵀg*v matches KL to O(ε³)', () => {
  const random = seededRandom(5);
  const V = 40;
  const d = 8;
  const W = Float64Array.from({ length: V * d }, () => gaussian(random));
  const h = Float64Array.from({ length: d }, () => 0.4 * gaussian(random));
  const logits = (x: Float64Array) => Float64Array.from({ length: V }, (_, w) => { let s = 0; for (let c = 0; c < d; c++) s += W[w * d + c] * x[c]; return s; });
  const p = softmax(logits(h));
  // Dense g* = Σ p_w (W_w − m)(W_w − m)ᵀ.
  const m = new Float64Array(d);
  for (let w = 0; w < V; w++) for (let c = 0; c < d; c++) m[c] += p[w] * W[w * d + c];
  const g = new Float64Array(d * d);
  for (let w = 0; w < V; w++) for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) g[a * d + b] += p[w] * (W[w * d + a] - m[a]) * (W[w * d + b] - m[b]);
  let trace = 0;
  for (let a = 0; a < d; a++) trace += g[a * d + a];
  const ids = Int32Array.from({ length: V }, (_, i) => i);
  assert.ok(Math.abs(pullbackTrace(ids, p, V, w => w, W, d) - trace) < 1e-12 * trace);
  const z = logits(h);
  const lse = Math.log(z.reduce((a, x) => a + Math.exp(x), 0));
  assert.ok(Math.abs(pullbackTraceFullRow(z, lse, W, d) - trace) < 1e-12 * trace);
  // KL(p_{h+εv} ‖ p_h) ≈ ½ε² vᵀ g v.
  const v = Float64Array.from({ length: d }, () => gaussian(random));
  const eps = 1e-3;
  const q = softmax(logits(h.map((x, c) => x + eps * v[c])));
  const kl = q.reduce((a, x, w) => a + x * Math.log(x / p[w]), 0);
  let quad = 0;
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) quad += v[a] * g[a * d + b] * v[b];
  assert.ok(Math.abs(kl - 0.5 * eps * eps * quad) < 1e-3 * kl, `KL ${kl} vs ${0.5 * eps * eps * quad}`);
});

test('top-k pullback trace stays within 3·ε·max‖W_w‖² of the exact value', () => {
  const random = seededRandom(9);
  const V = 300;
  const d = 6;
  const W = Float64Array.from({ length: V * d }, () => gaussian(random));
  const p = softmax(Float64Array.from({ length: V }, () => 2.5 * gaussian(random)));
  const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => p[b] - p[a]);
  const full = pullbackTrace(Int32Array.from(order), Float64Array.from(order, w => p[w]), V, w => w, W, d);
  let maxNorm = 0;
  for (let w = 0; w < V; w++) { let s = 0; for (let c = 0; c < d; c++) s += W[w * d + c] ** 2; maxNorm = Math.max(maxNorm, s); }
  for (const k of [5, 20, 80]) {
    const ids = Int32Array.from(order.slice(0, k));
    const probs = Float64Array.from(ids, w => p[w]);
    const eps = 1 - probs.reduce((a, x) => a + x, 0);
    const approx = pullbackTrace(ids, probs, k, w => w, W, d);
    assert.ok(Math.abs(approx - full) <= 3 * eps * maxNorm, `k=${k}`);
  }
});
