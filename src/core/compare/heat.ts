/**
 * The comparison metrics the heatmap panel and the inline heatmap offer, the value each displays and
 * its colour bucket. Unsigned metrics (KL, reverse KL, acceptance) use the sequential heat buckets
 * (`markovLens.heat0..7`); signed ones (ΔNLL, Δp) a diverging scale (`markovLens.diverge0..6`): one
 * hue where the other model is better on the token, another where it is worse, neutral around 0.
 * Display choices only (heuristic bounds, fixed so colours mean the same in every document); stored
 * values stay in nats.
 */
import { HEAT_BUCKETS } from '../heat';
import type { CompareTokenRecord } from './records';
import type { Segment } from './segments';

export type CompareHeatMetric = 'kl' | 'klReverse' | 'dNll' | 'dP' | 'acceptance';
export const COMPARE_METRICS: readonly CompareHeatMetric[] = ['kl', 'klReverse', 'dNll', 'dP', 'acceptance'];
/** The one metric that exists across tokenizers (per common segment). */
export const CROSS_TOKENIZER_METRICS: readonly CompareHeatMetric[] = ['dNll'];

export function isCompareHeatMetric(value: unknown): value is CompareHeatMetric {
  return typeof value === 'string' && (COMPARE_METRICS as readonly string[]).includes(value);
}

/** Buckets of the diverging scale: 0..2 the other model better, 3 neutral, 4..6 worse. */
export const DIVERGE_BUCKETS = 7;

export const COMPARE_LABELS: Readonly<Record<CompareHeatMetric, string>> = {
  kl: 'KL(base ‖ other) (bits)',
  klReverse: 'KL(other ‖ base) (bits)',
  dNll: 'ΔNLL, other − base (bits)',
  dP: 'Δp, other − base',
  acceptance: 'Acceptance 1 − TV',
};

interface Scale {
  /** Bucket upper bounds (bucket i holds values below bounds[i], the last one the rest). */
  bounds: readonly number[];
  diverging: boolean;
  /** True when a larger value means the other model did better (Δp, acceptance). */
  higherIsBetter: boolean;
  /** How a bound is written in the legend. */
  format(v: number): string;
}

const bits = (v: number) => (Math.abs(v) >= 0.1 || v === 0 ? String(v) : v.toExponential(0));
const percent = (v: number) => `${Math.round(v * 1000) / 10}%`;
/** A signed bound: an explicit + and a true minus sign. */
const signed = (text: (v: number) => string) => (v: number) => (v > 0 ? `+${text(v)}` : v < 0 ? `−${text(-v)}` : text(v));

export const COMPARE_SCALES: Readonly<Record<CompareHeatMetric, Scale>> = {
  // KL in bits on a log scale: 1e-5 bits is float16 rounding, 1 bit a different prediction.
  kl: { bounds: [1e-5, 1e-4, 1e-3, 0.01, 0.05, 0.2, 1], diverging: false, higherIsBetter: false, format: bits },
  klReverse: { bounds: [1e-5, 1e-4, 1e-3, 0.01, 0.05, 0.2, 1], diverging: false, higherIsBetter: false, format: bits },
  // Signed: the other model's extra surprisal in bits (negative: it found the token less surprising).
  dNll: { bounds: [-2, -0.5, -0.05, 0.05, 0.5, 2], diverging: true, higherIsBetter: false, format: signed(String) },
  dP: { bounds: [-0.2, -0.05, -0.005, 0.005, 0.05, 0.2], diverging: true, higherIsBetter: true, format: signed(percent) },
  // Acceptance: hot where a speculative draft by the other model would be rejected.
  acceptance: { bounds: [0.2, 0.4, 0.6, 0.8, 0.9, 0.95, 0.99], diverging: false, higherIsBetter: true, format: percent },
};

/** The per-token columns of a comparison the views colour by (null: not defined for that token). */
export type CompareColumns = Record<CompareHeatMetric, Array<number | null>>;

export function emptyCompareColumns(): CompareColumns {
  return { kl: [], klReverse: [], dNll: [], dP: [], acceptance: [] };
}

/** The displayed value: KL and ΔNLL in bits, Δp and acceptance as they are; NaN when unknown. */
export function compareValue(metric: CompareHeatMetric, columns: CompareColumns | undefined, index: number): number {
  const v = columns?.[metric]?.[index];
  if (v === null || v === undefined || !Number.isFinite(v)) return NaN;
  return metric === 'kl' || metric === 'klReverse' || metric === 'dNll' ? v / Math.LN2 : v;
}

/**
 * The bucket of a displayed value: for a sequential metric 0..HEAT_BUCKETS−1 (hot = the models
 * disagree), for a diverging one 0..DIVERGE_BUCKETS−1 (0 = the other model much better, 3 neutral,
 * 6 much worse); −1 when unknown.
 */
export function compareBucket(metric: CompareHeatMetric, value: number): number {
  if (Number.isNaN(value)) return -1;
  const scale = COMPARE_SCALES[metric];
  let b = scale.bounds.length;
  for (let i = 0; i < scale.bounds.length; i++) {
    if (value < scale.bounds[i]) { b = i; break; }
  }
  const top = scale.diverging ? DIVERGE_BUCKETS - 1 : HEAT_BUCKETS - 1;
  return scale.higherIsBetter ? top - b : b;
}

/** The CSS class / decoration family of a metric's buckets: `h<i>` sequential, `d<i>` diverging. */
export function bucketClass(metric: CompareHeatMetric, bucket: number): string {
  return bucket < 0 ? 'hna' : `${COMPARE_SCALES[metric].diverging ? 'd' : 'h'}${bucket}`;
}

/** The comparison columns of token records (one tokenizer), or of segments spread over the base model's tokens. */
export function compareColumns(tokens: readonly CompareTokenRecord[]): CompareColumns {
  return {
    kl: tokens.map(t => t.kl),
    klReverse: tokens.map(t => t.klReverse),
    dNll: tokens.map(t => t.dNll),
    dP: tokens.map(t => t.dP),
    acceptance: tokens.map(t => t.acceptance),
  };
}

/** Legend entries of a metric's scale, lowest bucket first: [css class, label]. */
export function compareLegend(metric: CompareHeatMetric): Array<[string, string]> {
  const scale = COMPARE_SCALES[metric];
  const f = scale.format;
  const b = scale.bounds;
  // A diverging scale's middle bucket is symmetric around 0: "±x".
  const between = (lo: number, hi: number) => (scale.diverging && lo === -hi ? `±${f(hi).slice(1)}` : `${f(lo)} … ${f(hi)}`);
  const labels = b.map((_, i) => (i === 0 ? `< ${f(b[0])}` : between(b[i - 1], b[i])));
  labels.push(`≥ ${f(b[b.length - 1])}`);
  return labels.map((label, i) => [bucketClass(metric, compareBucket(metric, i === 0 ? b[0] - 1 : b[i - 1])), label]);
}

/** Two tokenizers: each base-model token takes the ΔNLL of the common segment that holds it. */
export function segmentColumns(count: number, segments: readonly Segment[]): CompareColumns {
  const dNll: Array<number | null> = new Array<number | null>(count).fill(null);
  for (const s of segments) for (let t = s.modelTokens[0]; t < s.modelTokens[1]; t++) dNll[t] = s.dNll;
  const none = () => new Array<number | null>(count).fill(null);
  return { kl: none(), klReverse: none(), dNll, dP: none(), acceptance: none() };
}
