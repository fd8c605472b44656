/**
 * The lens grid's colour scale: the value a cell shows for the chosen metric (bits for the log
 * metrics, plain rank) and its bucket among the theme's eight heat colours (markovLens.heat0..7).
 * NLL, entropy and rank use the heatmap's bounds, so a colour means the same in both panels.
 */
import { HEAT_BOUNDS, heatBucket } from '../../src/core/heat';
import type { LensMetric } from '../../src/protocol/layerLensPanel';

export const LENS_LABELS: Readonly<Record<LensMetric, string>> = {
  entropy: 'Entropy (bits)',
  nll: 'NLL of the actual token (bits)',
  rank: 'Rank of the actual token',
  klToFinal: 'KL to the final layer (bits)',
};

/** KL(P_l || P_L) in bits: 0 at the final layer, up to tens of bits at the embedding. */
const KL_BOUNDS = [0.05, 0.25, 0.5, 1, 2, 4, 8];

export function lensBounds(metric: LensMetric): readonly number[] {
  return metric === 'klToFinal' ? KL_BOUNDS : HEAT_BOUNDS[metric];
}

/** The displayed value (bits, or the rank), NaN when unknown. */
export function lensValue(metric: LensMetric, raw: number | null): number {
  if (raw === null) return NaN;
  return metric === 'rank' ? raw : raw / Math.LN2;
}

export function lensBucket(metric: LensMetric, value: number): number {
  if (metric !== 'klToFinal') return heatBucket(metric, value);
  if (Number.isNaN(value)) return -1;
  const i = KL_BOUNDS.findIndex(b => value < b);
  return i < 0 ? KL_BOUNDS.length : i;
}
