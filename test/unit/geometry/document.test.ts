import { test } from 'node:test';
import assert from 'node:assert/strict';
import { documentFigures, calibrationBins } from '../../../src/core/geometry/documentFigures';
import { seededRandom, gaussian } from '../../../src/core/geometry/random';
import { softmax } from './reference';

test('document figures match direct computation', () => {
  const nll = Float64Array.of(1, 2, 0.5, 3, 0.1, 1.2, 0.7, 2.2);
  const H = Float64Array.of(0.8, 1.5, 0.9, 2.0, 0.2, 1.0, 0.6, 2.5);
  const vr = Float64Array.of(0.5, 1, 0.4, 1.2, 0.1, 0.6, 0.3, 1.5);
  const rank = Int32Array.of(1, 3, 1, 9, 1, 2, 1, 6);
  const f = documentFigures(nll, H, vr, rank, Float64Array.of(0.9, 0.3, 0.8, 0.1, 0.95, 0.4, 0.7, 0.2));
  const sum = (a: ArrayLike<number>) => Array.from(a).reduce((x, y) => x + y, 0);
  assert.ok(Math.abs((f.martingaleZ as number) - (sum(nll) - sum(H)) / Math.sqrt(sum(vr))) < 1e-12);
  assert.equal(f.accuracyAt1, 4 / 8);
  assert.equal(f.accuracyAt5, 6 / 8);
  assert.ok(Math.abs(f.meanNll - sum(nll) / 8) < 1e-12);
  assert.equal(f.calibration.length, 1);
  assert.ok(Math.abs(f.eceH - Math.abs(sum(nll) - sum(H)) / 8) < 1e-12);
  assert.ok(f.calibration[0].sparse);
});

test('calibration bins are equal-count quantile bins of H with exact null SE', () => {
  const T = 300;
  const random = seededRandom(2);
  const H = Float64Array.from({ length: T }, () => Math.abs(gaussian(random)) * 2);
  const nll = Float64Array.from(H, h => h + 0.3 * gaussian(random));
  const vr = Float64Array.from({ length: T }, () => 0.5 + random());
  const bins = calibrationBins(nll, H, vr);
  assert.equal(bins.length, 10);
  assert.equal(bins.reduce((a, b) => a + b.count, 0), T);
  for (let b = 1; b < bins.length; b++) assert.ok(bins[b].meanEntropy >= bins[b - 1].meanEntropy);
  const order = Array.from({ length: T }, (_, t) => t).sort((a, b) => H[a] - H[b]).slice(0, 30);
  const se = Math.sqrt(order.reduce((a, t) => a + vr[t], 0)) / 30;
  assert.ok(Math.abs((bins[0].nullSe as number) - se) < 1e-12);
});

test('martingale Z is ≈ N(0,1) for texts sampled from the scoring model (appendix vector)', () => {
  // A small Markov chain over 12 symbols; each text is sampled from it and scored by it.
  const V = 12;
  const random = seededRandom(77);
  const rows = Array.from({ length: V }, () => softmax(Float64Array.from({ length: V }, () => 1.5 * gaussian(random))));
  const zs: number[] = [];
  for (let text = 0; text < 300; text++) {
    const T = 300;
    const nll = new Float64Array(T);
    const H = new Float64Array(T);
    const vr = new Float64Array(T);
    let state = Math.floor(random() * V);
    for (let t = 0; t < T; t++) {
      const p = rows[state];
      let u = random();
      let next = V - 1;
      for (let w = 0; w < V; w++) { u -= p[w]; if (u < 0) { next = w; break; } }
      const h = -p.reduce((a, x) => a + x * Math.log(x), 0);
      nll[t] = -Math.log(p[next]);
      H[t] = h;
      vr[t] = p.reduce((a, x) => a + x * (-Math.log(x) - h) ** 2, 0);
      state = next;
    }
    zs.push(documentFigures(nll, H, vr).martingaleZ as number);
  }
  const mean = zs.reduce((a, b) => a + b, 0) / zs.length;
  const sd = Math.sqrt(zs.reduce((a, b) => a + (b - mean) ** 2, 0) / (zs.length - 1));
  // 300 draws: SE of the mean ≈ 0.058, of the sd ≈ 0.041; bounds at about 3.5 SE.
  assert.ok(Math.abs(mean) < 0.2, `mean ${mean}`);
  assert.ok(sd > 0.85 && sd < 1.15, `sd ${sd}`);
});
