/**
 * The heat scale shared by the heatmap panel and the editor decorations: which metric colours the
 * tokens, the value each metric displays (bits for the log metrics), and its colour bucket. A display
 * choice only: stored values stay in nats.
 */
import type { GeometryResult } from './geometry';

/** What the heatmap colours by. Display choice only: stored values stay in nats. */
export type BaseHeatMetric = 'nll' | 'entropy' | 'surprise' | 'rank';
/** Per-token geometry layers, offered once the document's geometry has been computed (spectrum panel). */
export type GeometryHeatMetric = 'excess' | 'psi' | 'phi' | 'surplus';
export type HeatMetric = BaseHeatMetric | GeometryHeatMetric;
/** The metrics of every analysis (and of the `markovLens.heatmapMetric` setting and the inline heatmap). */
export const HEAT_METRICS: readonly BaseHeatMetric[] = ['nll', 'entropy', 'surprise', 'rank'];
export const GEOMETRY_HEAT_METRICS: readonly GeometryHeatMetric[] = ['excess', 'psi', 'phi', 'surplus'];

export function isHeatMetric(value: unknown): value is BaseHeatMetric {
  return typeof value === 'string' && (HEAT_METRICS as readonly string[]).includes(value);
}

export function isGeometryHeatMetric(value: unknown): value is GeometryHeatMetric {
  return typeof value === 'string' && (GEOMETRY_HEAT_METRICS as readonly string[]).includes(value);
}

/**
 * Geometry layers per token for the heatmap (from GeometryResult.perToken): excess surprisal and
 * surplus in nats, ψ₁ and φ₁ in units of their RMS (√T-scaled eigenvector / readout). A layer is
 * absent when the geometry did not produce it (no hidden states, no surplus inputs).
 */
export interface GeometryColumns {
  excess: Array<number | null>;
  psi?: Array<number | null>;
  phi?: Array<number | null>;
  surplus?: Array<number | null>;
  /** Provenance label per layer, shown in the legend. */
  provenance: Partial<Record<GeometryHeatMetric, string>>;
}

/** Number of colour buckets; each is a contributed theme colour `markovLens.heat<i>`. */
export const HEAT_BUCKETS = 8;

/**
 * Upper bucket bounds per metric (bucket i holds values < bounds[i]; the last bucket the rest).
 * Heuristic display choice, fixed so that colours mean the same in every document: bits for NLL,
 * entropy and the surprise gap (NLL minus entropy, centred so that 0 sits mid-scale), plain rank.
 */
export const HEAT_BOUNDS: Readonly<Record<HeatMetric, readonly number[]>> = {
  nll: [0.5, 1, 2, 3, 5, 8, 12],
  entropy: [0.5, 1, 2, 3, 5, 8, 12],
  surprise: [-4, -2, -1, 0.5, 1, 2, 4],
  rank: [2, 3, 5, 10, 30, 100, 1000],
  excess: [-4, -2, -1, 0.5, 1, 2, 4],
  // ψ₁, φ₁ have unit RMS: the scale is symmetric around 0 (sign is arbitrary up to the pair).
  psi: [-2, -1, -0.5, 0, 0.5, 1, 2],
  phi: [-2, -1, -0.5, 0, 0.5, 1, 2],
  surplus: [-2, -1, -0.5, 0, 0.5, 1, 2],
};

export const METRIC_LABELS: Readonly<Record<HeatMetric, string>> = {
  nll: 'NLL (bits)',
  entropy: 'Entropy (bits)',
  surprise: 'NLL − entropy (bits)',
  rank: 'Rank',
  excess: 'Excess surprisal (bits)',
  psi: 'ψ₁ (operator eigenvector)',
  phi: 'φ₁ (hidden-state readout)',
  surplus: 'Surplus (bits, heuristic)',
};

/**
 * The value a metric displays for one token: bits for the log metrics, NaN when unknown. Geometry
 * metrics read `geometry` at token `index` (NaN without it).
 */
export function metricValue(metric: HeatMetric, nllNats: number | null, entropyNats: number | null, rank: number | null,
  geometry?: GeometryColumns, index = -1): number {
  const layer = (xs: Array<number | null> | undefined, scale: number) => {
    const v = xs?.[index];
    return v === null || v === undefined ? NaN : v * scale;
  };
  switch (metric) {
    case 'nll': return nllNats === null ? NaN : nllNats / Math.LN2;
    case 'entropy': return entropyNats === null ? NaN : entropyNats / Math.LN2;
    case 'surprise': return nllNats === null || entropyNats === null ? NaN : (nllNats - entropyNats) / Math.LN2;
    case 'rank': return rank === null ? NaN : rank;
    case 'excess': return layer(geometry?.excess, 1 / Math.LN2);
    case 'psi': return layer(geometry?.psi, 1);
    case 'phi': return layer(geometry?.phi, 1);
    case 'surplus': return layer(geometry?.surplus, 1 / Math.LN2);
  }
}

/** The heatmap layers of a geometry result (see GeometryColumns). */
export function geometryColumns(g: GeometryResult): GeometryColumns {
  const p = g.perToken;
  const surplus = p.contextAblationB ?? p.lookAheadC1 ?? undefined;
  return {
    excess: p.excessSurprisal,
    psi: p.psi[0], phi: p.phi[0], surplus,
    provenance: {
      excess: g.provenance.excessSurprisal, psi: g.provenance.eigenvalues, phi: g.provenance.alignment,
      surplus: p.contextAblationB ? g.provenance.surplusB : g.provenance.surplusC1,
    },
  };
}

/** Bucket 0..HEAT_BUCKETS-1 for a displayed value, or -1 when the value is unknown (NaN). */
export function heatBucket(metric: HeatMetric, value: number): number {
  if (Number.isNaN(value)) return -1;
  const bounds = HEAT_BOUNDS[metric];
  for (let i = 0; i < bounds.length; i++) if (value < bounds[i]) return i;
  return bounds.length;
}
