import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeGeometry, type GeometryResult } from '../../../src/core/geometry';
import { seededRandom } from '../../../src/core/geometry/random';
import {
  calibrationChartConfig, calibrationData, densityStyle, logTick, robustRange, scatterChartConfig, scatterData, spectrumChartConfig, spectrumData, type ThemeColours,
} from '../../../webview/spectrum/chartConfig';
import { parseColour, rampColour } from '../../../webview/spectrum/colours';
import { colourMetrics, escapeTokenText } from '../../../webview/spectrum/metrics';
import { syntheticDocument } from '../geometry/reference';

const colours: ThemeColours = {
  foreground: '#cccccc', grid: '#444444', lambda: '#3794ff', rho: '#d18616', curve: '#89d185', nullBand: '#b180d7',
  sparse: '#777777', ramp: [[0, 0, 255], [255, 255, 0], [255, 0, 0]],
};

let cached: { g: GeometryResult; nll: number[]; entropy: number[] } | undefined;
/** A real GeometryResult from the core on a synthetic document with hidden states. */
function geometry() {
  if (!cached) {
    const doc = syntheticDocument(160, 30, 8, seededRandom(7), 10);
    cached = { g: computeGeometry(doc.input, { eigenpairs: 6, shifts: 12, seed: 3 }), nll: Array.from(doc.input.nll), entropy: Array.from(doc.input.entropy) };
  }
  return cached;
}

test('spectrum: λ descending with ρ_j ≤ λ_j, A_k = Σρ/Σλ recomputed, and the null mean beside it', () => {
  const { g } = geometry();
  const d = spectrumData(g);
  assert.deepEqual(d.j, [1, 2, 3, 4, 5, 6]);
  for (let i = 1; i < d.lambda.length; i++) assert.ok(d.lambda[i - 1] >= d.lambda[i]);
  let sumRho = 0;
  let sumLambda = 0;
  d.lambda.forEach((l, i) => {
    const rho = d.rho[i];
    assert.ok(rho !== null && rho <= l * (1 + 1e-9), `ρ_${i + 1} ≤ λ_${i + 1}`);
    sumRho += rho;
    sumLambda += l;
    assert.ok(Math.abs((d.Ak[i] as number) - sumRho / sumLambda) <= 1e-12, `A_${i + 1}`);
    assert.ok(d.nullAk[i] !== null && d.nullPercentileAk[i] !== null);
  });
  const config = spectrumChartConfig(d, colours, 2);
  const [lambda, rho, ak, nul] = config.data.datasets;
  assert.deepEqual(lambda.data, d.lambda);
  assert.deepEqual(rho.data, d.rho);
  assert.equal(ak.yAxisID, 'share');
  assert.equal((nul as { fill?: unknown }).fill, 'origin');
  assert.equal(nul.backgroundColor, 'rgba(177, 128, 215, 0.15)', 'the null band is a translucent fill');
  // The selected j is outlined, the others are not.
  assert.deepEqual(lambda.borderWidth, [0, 2, 0, 0, 0, 0]);
  assert.equal(lambda.backgroundColor, '#3794ff');
});

test('spectrum without hidden states: ρ and A_k are null, λ still plotted', () => {
  const { g } = geometry();
  const d = spectrumData({ ...g, alignment: null });
  assert.equal(d.lambda.length, 6);
  assert.ok(d.rho.every(v => v === null) && d.Ak.every(v => v === null));
});

test('scatter: one point per token with finite coordinates, carrying the token index', () => {
  const { g, nll } = geometry();
  const d = scatterData(g.perToken.psi[0], g.perToken.psi[1], nll);
  assert.equal(d.points.length, g.tokens);
  d.points.forEach((p, i) => {
    assert.equal(p.token, i);
    assert.equal(p.x, g.perToken.psi[0][i]);
    assert.equal(p.y, g.perToken.psi[1][i]);
  });
  const gaps = scatterData([1, null, 3, NaN, 5], [1, 2, null, 4, 5], [10, 20, 30, 40, null]);
  assert.deepEqual(gaps.points.map(p => p.token), [0, 4]);
  assert.deepEqual(gaps.values, [10, null]);
  const config = scatterChartConfig(gaps, colours, 'ψ1', 'ψ2', t => `token ${t}`);
  const colour = config.data.datasets[0].backgroundColor as string[];
  assert.equal(colour[1], 'rgba(119, 119, 119, 0.9)', 'unknown metric is grey');
  const label = config.options!.plugins!.tooltip!.callbacks!.label as unknown as (item: { raw: unknown }) => string;
  assert.equal(label({ raw: gaps.points[1] }), 'token 4');
});

test('scatter: density-aware drawing, smaller and more transparent points as they get many', () => {
  assert.deepEqual(densityStyle(300), { radius: 3, alpha: 0.9 });
  const many = densityStyle(10_000);
  assert.ok(many.radius < 1.6 && many.radius >= 1.2, `radius ${many.radius}`);
  assert.ok(many.alpha <= 0.3 && many.alpha >= 0.12, `alpha ${many.alpha}`);
  let previous = densityStyle(501);
  for (const n of [1000, 2000, 5000, 20_000, 100_000]) {
    const s = densityStyle(n);
    assert.ok(s.alpha <= previous.alpha && s.radius <= previous.radius, `${n} points`);
    previous = s;
  }
  const points = Array.from({ length: 10_000 }, (_, t) => t);
  const config = scatterChartConfig(scatterData(points, points, points), colours, 'x', 'y', t => String(t));
  const fill = (config.data.datasets[0].backgroundColor as string[])[0];
  assert.match(fill, /^rgba\(\d+, \d+, \d+, 0\.2\d*\)$/, `10k points are drawn translucent: ${fill}`);
  assert.equal(config.data.datasets[0].pointRadius, many.radius);
});

test('log-axis ticks label the decades only', () => {
  assert.equal(logTick(0.001), '1e-3');
  assert.equal(logTick(1), '1e0');
  assert.equal(logTick(0.005), '');
  assert.equal(logTick(0), '');
});

test('robust colour range is the 2nd..98th percentile', () => {
  const values = Array.from({ length: 101 }, (_, i) => i);
  values[100] = 1e9;
  assert.deepEqual(robustRange(values), [2, 98]);
  assert.equal(robustRange([null, null]), null);
});

test('calibration: bins in bits, error bars are ±1 null SE separated by gaps, diagonal covers the data', () => {
  const { g } = geometry();
  const d = calibrationData(g);
  assert.equal(d.points.length, g.document.calibration.length);
  d.points.forEach((p, i) => {
    const b = g.document.calibration[i];
    assert.ok(Math.abs(p.x - b.meanEntropy / Math.LN2) < 1e-12);
    assert.ok(Math.abs(p.y - b.meanNll / Math.LN2) < 1e-12);
    assert.ok(Math.abs((p.se as number) - (b.nullSe ?? b.empiricalSe) / Math.LN2) < 1e-12);
    assert.ok(d.diagonal[1] >= p.x && d.diagonal[1] >= p.y);
  });
  const config = calibrationChartConfig(d, colours);
  const bars = config.data.datasets[1].data as Array<{ x: number; y: number | null }>;
  assert.equal(bars.length, 3 * d.points.length);
  assert.equal(bars[2].y, null);
  assert.ok(Math.abs((bars[1].y as number) - (bars[0].y as number) - 2 * (d.points[0].se as number)) < 1e-12);
});

test('colour metrics: NLL in bits, ψ_j/φ_j for the chosen j, each with a provenance label', () => {
  const { g, nll, entropy } = geometry();
  const metrics = colourMetrics({ nll, entropy }, g, 2);
  const byKey = new Map(metrics.map(m => [m.key, m]));
  assert.ok(Math.abs((byKey.get('nll')!.values[5] as number) - nll[5] / Math.LN2) < 1e-12);
  assert.deepEqual(byKey.get('psi')!.values, g.perToken.psi[1]);
  assert.deepEqual(byKey.get('phi')!.values, g.perToken.phi[1]);
  assert.equal(byKey.get('c1')?.provenance ?? 'heuristic', 'heuristic');
  for (const m of metrics) assert.ok(m.provenance.length > 0 && m.values.length === g.tokens, m.key);
});

test('token text in hover labels is quoted with control characters escaped', () => {
  assert.equal(escapeTokenText('a\n<b>'), '"a\\n<b>"');
  assert.equal(escapeTokenText('\t'), '"\\t"');
});

test('theme colours parse and the ramp interpolates linearly', () => {
  assert.deepEqual(parseColour('#3794ff'), [0x37, 0x94, 0xff]);
  assert.deepEqual(parseColour('#fff'), [255, 255, 255]);
  assert.deepEqual(parseColour('#11223380'), [0x11, 0x22, 0x33]);
  assert.deepEqual(parseColour('rgba(1, 2, 3, 0.5)'), [1, 2, 3]);
  assert.equal(parseColour('var(--x)'), undefined);
  const stops = colours.ramp;
  assert.equal(rampColour(stops, 0), 'rgb(0, 0, 255)');
  assert.equal(rampColour(stops, 0.25), 'rgb(128, 128, 128)');
  assert.equal(rampColour(stops, 1), 'rgb(255, 0, 0)');
  assert.equal(rampColour(stops, 7), 'rgb(255, 0, 0)');
});
