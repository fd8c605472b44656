/**
 * Colour scales of the heatmap (panel and inline), behind one small interface so that other scales
 * (a diverging one, say) can be added next to these:
 *  - `quantile` (document-relative, the default): bucket bounds at the 1/8, 2/8, … 7/8 quantiles of
 *    this document's values of the metric, so every colour is used and each says "in this part of
 *    the document's range". Heuristic display choice; the legend gives each bucket's values.
 *  - `absolute`: the fixed bounds of HEAT_BOUNDS (bits or rank), the same in every document, for
 *    comparing files.
 *  - `gltr`: GLTR's rank buckets (Gehrmann et al. 2019): the token was in the model's top 10, top
 *    100, top 1000, or beyond, in GLTR's green, yellow, red and purple. Ranks only, whatever the metric.
 * A scale maps a token's displayed value to a bucket and says in its legend what each bucket means.
 * Pure: used by the webview and the extension host alike.
 */
import { HEAT_BOUNDS, HEAT_BUCKETS, type HeatMetric, METRIC_LABELS } from './heat';

export type HeatScaleKind = 'quantile' | 'absolute' | 'gltr';
export const HEAT_SCALES: readonly HeatScaleKind[] = ['quantile', 'absolute', 'gltr'];
export const DEFAULT_HEAT_SCALE: HeatScaleKind = 'quantile';

export const SCALE_LABELS: Readonly<Record<HeatScaleKind, string>> = {
  quantile: 'Document-relative (quantiles)',
  absolute: 'Absolute (fixed bits / rank)',
  gltr: 'GLTR rank buckets',
};

export function isHeatScale(value: unknown): value is HeatScaleKind {
  return typeof value === 'string' && (HEAT_SCALES as readonly string[]).includes(value);
}

/**
 * Colour families: `heat` is the 8-step scale (theme colours markovLens.heat0..7, CSS classes h0..h7),
 * `gltr` GLTR's four colours (markovLens.gltr0..3, classes g0..g3).
 */
export type HeatPalette = 'heat' | 'gltr';
export const GLTR_BUCKETS = 4;
export const GLTR_BOUNDS: readonly number[] = [11, 101, 1001];

export interface HeatScale {
  kind: HeatScaleKind;
  /** What is measured: the metric, or 'rank' for GLTR buckets. */
  metric: HeatMetric;
  palette: HeatPalette;
  buckets: number;
  /** Upper bounds: bucket i holds values < bounds[i], the last bucket the rest. */
  bounds: readonly number[];
  /** The bucket of a displayed value (−1 for NaN: unknown). */
  bucketOf(value: number): number;
  /** What bucket i means, in the metric's unit ("3.2–4.9 bits", "top 10"). */
  label(bucket: number): string;
  /** The legend's title ("NLL (bits), document quantiles"). */
  title: string;
}

/** The CSS class of a bucket of a palette ('h3', 'g1'; 'hna' for an unknown value). */
export function bucketClass(palette: HeatPalette, bucket: number): string {
  return bucket < 0 ? 'hna' : `${palette === 'gltr' ? 'g' : 'h'}${bucket}`;
}

/**
 * The scale of `kind` for `metric`; `values` are the document's displayed values of the metric
 * (metricValue, NaN where unknown), needed by the quantile scale only.
 */
export function makeHeatScale(kind: HeatScaleKind, metric: HeatMetric, values: ArrayLike<number> = []): HeatScale {
  if (kind === 'gltr') return fixedScale('gltr', 'rank', 'gltr', GLTR_BOUNDS, 'Rank, GLTR buckets');
  if (kind === 'absolute') return fixedScale('absolute', metric, 'heat', HEAT_BOUNDS[metric], `${METRIC_LABELS[metric]}, fixed scale`);
  return fixedScale('quantile', metric, 'heat', quantileBounds(values, HEAT_BUCKETS), `${METRIC_LABELS[metric]}, document quantiles`);
}

/** The metric a scale reads for each token ('rank' for GLTR, whatever the chosen metric). */
export function scaleMetric(kind: HeatScaleKind, metric: HeatMetric): HeatMetric {
  return kind === 'gltr' ? 'rank' : metric;
}

/**
 * Bounds at the k/buckets quantiles (k = 1 … buckets−1) of the finite values, each the smallest
 * value with at least that share of values at or below it, so a bucket "< bound" holds about
 * 1/buckets of the tokens. Ties make some bounds equal (then buckets in between stay empty). No
 * finite values: all bounds Infinity (everything in bucket 0).
 */
export function quantileBounds(values: ArrayLike<number>, buckets: number): number[] {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) finite.push(values[i]);
  if (finite.length === 0) return new Array<number>(buckets - 1).fill(Infinity);
  finite.sort((a, b) => a - b);
  const n = finite.length;
  // The value just above the k/buckets share: "< bound" then keeps that share in the buckets below.
  return Array.from({ length: buckets - 1 }, (_, k) => finite[Math.min(n - 1, Math.floor(((k + 1) * n) / buckets))]);
}

/** Share of the values (finite or not) in each bucket, and of the unknown ones; shares sum to 1. */
export function bucketShares(scale: HeatScale, values: ArrayLike<number>): { shares: number[]; unknown: number } {
  const counts = new Array<number>(scale.buckets).fill(0);
  let unknown = 0;
  for (let i = 0; i < values.length; i++) {
    const b = scale.bucketOf(values[i]);
    if (b < 0) unknown++;
    else counts[b]++;
  }
  const n = Math.max(1, values.length);
  return { shares: counts.map(c => c / n), unknown: unknown / n };
}

function fixedScale(kind: HeatScaleKind, metric: HeatMetric, palette: HeatPalette, bounds: readonly number[], title: string): HeatScale {
  const buckets = bounds.length + 1;
  return {
    kind, metric, palette, buckets, bounds, title,
    bucketOf(value: number): number {
      if (Number.isNaN(value)) return -1;
      for (let i = 0; i < bounds.length; i++) if (value < bounds[i]) return i;
      return bounds.length;
    },
    label: bucket => (palette === 'gltr' ? gltrLabel(bucket) : rangeLabel(metric, bounds, bucket)),
  };
}

function gltrLabel(bucket: number): string {
  return ['top 10', 'top 100', 'top 1000', 'beyond 1000'][bucket] ?? '';
}

/** "< 1.20 bits", "1.20–3.40 bits", "≥ 12 bits"; ranks and unitless layers without "bits". */
function rangeLabel(metric: HeatMetric, bounds: readonly number[], bucket: number): string {
  const unit = metric === 'nll' || metric === 'entropy' || metric === 'surprise' || metric === 'excess' || metric === 'surplus' ? ' bits' : '';
  // Three significant digits at most: 0.5, 3.45, 12.3 (ranks as whole numbers).
  const fmt = (v: number) => (metric === 'rank' ? String(Math.round(v)) : String(Number(v.toPrecision(3))));
  const lo = bounds[bucket - 1];
  const hi = bounds[bucket];
  if (bucket === 0) return `< ${fmt(hi)}${unit}`;
  if (bucket === bounds.length) return `≥ ${fmt(lo)}${unit}`;
  if (lo === hi) return `(none: ${fmt(lo)}${unit} repeats)`;
  return `${fmt(lo)}–${fmt(hi)}${unit}`;
}
