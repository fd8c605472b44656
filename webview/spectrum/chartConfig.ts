/**
 * Pure builders of the spectrum panel's chart.js configurations (no DOM, so they are unit-tested).
 * Colours come in as plain strings read from the theme; values are converted from nats to bits
 * for display. Every builder also returns the plain numbers it plotted (`data`), which the panel
 * publishes for tests.
 */
import type { ChartConfiguration, ScatterDataPoint } from 'chart.js';
import type { GeometryResult } from '../../src/core/geometry';
import { parseColour, type Rgb, rampColour } from './colours';

export interface ThemeColours {
  foreground: string;
  grid: string;
  lambda: string;
  rho: string;
  curve: string;
  nullBand: string;
  ramp: readonly Rgb[];
  sparse: string;
}

const bits = (nats: number | null | undefined): number | null =>
  nats === null || nats === undefined || !Number.isFinite(nats) ? null : nats / Math.LN2;

function axes(c: ThemeColours, x: string, y: string) {
  const axis = (title: string) => ({
    title: { display: true, text: title, color: c.foreground },
    ticks: { color: c.foreground },
    grid: { color: c.grid },
    border: { color: c.grid },
  });
  return { x: axis(x), y: axis(y) };
}

// ---- eigenvalue spectrum: λ_j and ρ_j side by side, A_k and its circular-shift null on a 0..1 axis ----

export interface SpectrumData {
  j: number[];
  lambda: number[];
  /** ρ_j (null when the analysis had no hidden states). */
  rho: Array<number | null>;
  Ak: Array<number | null>;
  nullAk: Array<number | null>;
  nullPercentileAk: Array<number | null>;
}

export function spectrumData(g: GeometryResult): SpectrumData {
  const lambda = g.eigenvalues;
  const a = g.alignment;
  const at = (xs: readonly number[] | undefined, i: number) => (xs && i < xs.length && Number.isFinite(xs[i]) ? xs[i] : null);
  return {
    j: lambda.map((_, i) => i + 1),
    lambda,
    rho: lambda.map((_, i) => at(a?.rho, i)),
    Ak: lambda.map((_, i) => at(a?.Ak, i)),
    nullAk: lambda.map((_, i) => at(a?.nullMean.Ak, i)),
    nullPercentileAk: lambda.map((_, i) => at(a?.nullPercentile.Ak, i)),
  };
}

/** The colour at the given opacity (for fills under lines); unparseable colours are returned as they are. */
export function translucent(css: string, alpha: number): string {
  const rgb = parseColour(css);
  return rgb ? `rgba(${rgb[0]}, ${rgb[1]}, ${rgb[2]}, ${alpha})` : css;
}

/** Log-axis tick labels: decades only (1e-3, 1e-4, ...), the minor ticks unlabelled. */
export function logTick(value: number): string {
  if (!(value > 0)) return '';
  const exponent = Math.log10(value);
  return Math.abs(exponent - Math.round(exponent)) < 1e-9 ? `1e${Math.round(exponent)}` : '';
}

export function spectrumChartConfig(d: SpectrumData, c: ThemeColours, selectedJ: number): ChartConfiguration<'bar' | 'line'> {
  // λ falls by orders of magnitude over the first few j: a log axis keeps the tail readable.
  const { x, y } = axes(c, 'direction j (largest first)', 'eigenvalue λ, readout ρ (log)');
  const outline = d.j.map(j => (j === selectedJ ? c.foreground : c.lambda));
  const outlineWidth = d.j.map(j => (j === selectedJ ? 2 : 0));
  return {
    type: 'bar',
    data: {
      labels: d.j.map(String),
      datasets: [
        { type: 'bar', label: 'λⱼ (operator eigenvalue)', data: d.lambda, backgroundColor: c.lambda, borderColor: outline, borderWidth: outlineWidth, yAxisID: 'y', order: 2 },
        { type: 'bar', label: 'ρⱼ (best linear readout of h)', data: d.rho, backgroundColor: c.rho, yAxisID: 'y', order: 2 },
        { type: 'line', label: 'A_k = Σρ/Σλ', data: d.Ak, borderColor: c.curve, backgroundColor: c.curve, yAxisID: 'share', pointRadius: 2, order: 1 },
        {
          type: 'line', label: 'A_k null mean (circular shifts)', data: d.nullAk, borderColor: c.nullBand, backgroundColor: translucent(c.nullBand, 0.15),
          borderDash: [4, 4], borderWidth: 2, fill: 'origin', yAxisID: 'share', pointRadius: 0, order: 1,
        },
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: {
        x, y: { ...y, type: 'logarithmic', ticks: { ...y.ticks, callback: value => logTick(Number(value)) } },
        share: { position: 'right', min: 0, max: 1, title: { display: true, text: 'share recovered, A_k', color: c.foreground }, ticks: { color: c.foreground }, grid: { drawOnChartArea: false } },
      },
      plugins: { legend: { labels: { color: c.foreground } } },
    },
  };
}

// ---- scatter of tokens in two eigen-coordinates, coloured by a per-token metric ----

export interface ScatterPoint extends ScatterDataPoint { x: number; y: number; token: number }

export interface ScatterData {
  points: ScatterPoint[];
  /** Metric value per plotted point (same order), and the range the colours span. */
  values: Array<number | null>;
  range: [number, number] | null;
}

/**
 * One point per token with both coordinates finite; `token` is the document's token index (what a
 * click reveals). `metric` is per token (any units), null where unknown.
 */
export function scatterData(xs: ReadonlyArray<number | null>, ys: ReadonlyArray<number | null>, metric: ReadonlyArray<number | null>): ScatterData {
  const points: ScatterPoint[] = [];
  const values: Array<number | null> = [];
  for (let t = 0; t < Math.min(xs.length, ys.length); t++) {
    const x = xs[t];
    const y = ys[t];
    if (x === null || y === null || !Number.isFinite(x) || !Number.isFinite(y)) continue;
    points.push({ x, y, token: t });
    const v = metric[t];
    values.push(v === null || v === undefined || !Number.isFinite(v) ? null : v);
  }
  return { points, values, range: robustRange(values) };
}

/** 2nd..98th percentile, so one extreme token does not wash out every other colour (display choice). */
export function robustRange(values: ReadonlyArray<number | null>): [number, number] | null {
  const finite = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (finite.length === 0) return null;
  const q = (p: number) => finite[Math.min(finite.length - 1, Math.max(0, Math.round(p * (finite.length - 1))))];
  return [q(0.02), q(0.98)];
}

/**
 * Point size and opacity for `n` points: up to 500 points full size and nearly opaque; beyond, radius
 * and opacity fall with √n (to 1.2 px and 0.12), so overlapping points add up to darker regions and
 * structure shows at 10,000 points instead of a solid blot (alpha by point count).
 */
export function densityStyle(n: number): { radius: number; alpha: number } {
  if (n <= 500) return { radius: 3, alpha: 0.9 };
  return { radius: Math.max(1.2, 3 * Math.sqrt(500 / n)), alpha: Math.min(0.9, Math.max(0.12, 0.9 * Math.sqrt(1000 / n))) };
}

export function scatterChartConfig(d: ScatterData, c: ThemeColours, xLabel: string, yLabel: string, label: (token: number) => string): ChartConfiguration<'scatter'> {
  const { radius, alpha } = densityStyle(d.points.length);
  const colours = d.values.map(v => translucent(v === null || !d.range ? c.sparse
    : rampColour(c.ramp, d.range[1] > d.range[0] ? (v - d.range[0]) / (d.range[1] - d.range[0]) : 0.5), alpha));
  return {
    type: 'scatter',
    data: { datasets: [{ label: 'tokens', data: d.points, backgroundColor: colours, borderWidth: 0, pointRadius: radius, pointHoverRadius: Math.max(5, radius * 2) }] },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: axes(c, xLabel, yLabel),
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: item => label((item.raw as ScatterPoint).token) } },
      },
    },
  };
}

// ---- calibration: mean NLL vs mean entropy per entropy bin, the diagonal, ±1 SE error bars ----

export interface CalibrationData {
  /** Bits. */
  points: Array<{ x: number; y: number; count: number; sparse: boolean; se: number | null }>;
  diagonal: [number, number];
}

export function calibrationData(g: GeometryResult): CalibrationData {
  const points = g.document.calibration.map(b => ({
    x: bits(b.meanEntropy) ?? 0, y: bits(b.meanNll) ?? 0, count: b.count, sparse: b.sparse,
    // The model-as-source null SE is exact; the empirical one stands in when varentropy was missing.
    se: bits(b.nullSe ?? b.empiricalSe),
  }));
  const extent = points.flatMap(p => [p.x, p.y + (p.se ?? 0)]);
  const high = extent.length ? Math.max(...extent) : 1;
  return { points, diagonal: [0, Math.ceil(high + 0.5)] };
}

export function calibrationChartConfig(d: CalibrationData, c: ThemeColours): ChartConfiguration<'scatter'> {
  // Error bars as line segments separated by gaps (a null y breaks the line; no plugin needed).
  const bars: Array<{ x: number; y: number | null }> = [];
  for (const p of d.points) {
    if (p.se === null) continue;
    bars.push({ x: p.x, y: p.y - p.se }, { x: p.x, y: p.y + p.se }, { x: p.x, y: null });
  }
  return {
    type: 'scatter',
    data: {
      datasets: [
        { label: 'bins (mean entropy, mean NLL)', data: d.points.map(p => ({ x: p.x, y: p.y })),
          backgroundColor: d.points.map(p => (p.sparse ? c.sparse : c.curve)), pointRadius: 4 },
        { label: '±1 SE (model-as-source null)', data: bars as ScatterDataPoint[], showLine: true, spanGaps: false,
          borderColor: c.lambda, pointRadius: 0, borderWidth: 1.5 },
        { label: 'NLL = entropy (calibrated)', data: [{ x: d.diagonal[0], y: d.diagonal[0] }, { x: d.diagonal[1], y: d.diagonal[1] }],
          showLine: true, borderColor: c.nullBand, borderDash: [4, 4], pointRadius: 0 },
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: axes(c, 'how uncertain the model was: mean entropy per group (bits)', 'how surprised it was: mean NLL per group (bits)'),
      plugins: { legend: { labels: { color: c.foreground } } },
    },
  };
}
