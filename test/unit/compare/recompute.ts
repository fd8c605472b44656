/**
 * An independent float64 recomputation of a comparison's summary from per-token values, written
 * from the definitions as plainly as possible (the E[x²] − E[x]² form, numpy's linear
 * percentile), to check src/core/compare against: it imports nothing from it.
 */

export interface ReferenceToken {
  kl: number;
  klReverse: number;
  js: number;
  tv: number;
  dNll: number;
  dP: number;
  sameTop1: boolean;
  context?: number;
  base: { nll: number; entropy: number; varentropy?: number | null };
  other: { nll: number; entropy: number; top: Array<[number, number]> } | { nll: number; entropy: number; top?: undefined };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** sqrt((E[x²] − E[x]²) / (n − 1)). */
const se = (xs: number[]) => Math.sqrt(Math.max(0, mean(xs.map(x => x * x)) - mean(xs) ** 2) / (xs.length - 1));

/** numpy.percentile(values, 100 q), method 'linear'. */
function numpyPercentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = q * (sorted.length - 1);
  const lo = Math.floor(position);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
}

function spread(values: number[], quartiles: boolean): Record<string, number> {
  const at: Record<string, number> = { max: Math.max(...values), p999: 0.999, p99: 0.99, p95: 0.95, p90: 0.9, median: 0.5, p10: 0.1, p5: 0.05, p1: 0.01, p01: 0.001, min: Math.min(...values) };
  if (quartiles) Object.assign(at, { p75: 0.75, p25: 0.25 });
  for (const k of Object.keys(at)) if (k !== 'max' && k !== 'min') at[k] = numpyPercentile(values, at[k]);
  return at;
}

export function recomputedSummary(tokens: ReferenceToken[]) {
  const kl = tokens.map(t => t.kl);
  const dNll = tokens.map(t => t.dNll);
  const dp = tokens.map(t => t.dP);
  const a = tokens.map(t => t.other.nll);
  const b = tokens.map(t => t.base.nll);
  const cov = mean(a.map((x, i) => x * b[i])) - mean(a) * mean(b);
  const correlation = cov / Math.sqrt((mean(a.map(x => x * x)) - mean(a) ** 2) * (mean(b.map(x => x * x)) - mean(b) ** 2));
  const same = tokens.filter(t => t.sameTop1).length / tokens.length;
  const alpha = mean(tokens.map(t => 1 - t.tv));
  const varentropy = tokens.map(t => t.base.varentropy);
  const fastDetectBase = varentropy.every(v => typeof v === 'number')
    ? (tokens.reduce((x, t) => x + t.base.entropy, 0) - tokens.reduce((x, t) => x + t.base.nll, 0)) / Math.sqrt((varentropy as number[]).reduce((x, v) => x + v, 0))
    : null;
  return {
    kldMean: mean(kl), kldSe: se(kl), kldSpread: spread(kl, false),
    lnRatioMean: mean(dNll), lnRatioSe: se(dNll), pplRatio: Math.exp(mean(dNll)), correlation,
    dpMean: mean(dp), dpSe: se(dp), dpRms: Math.sqrt(mean(dp.map(x => x * x))), dpSpread: spread(dp, true),
    sameTop1: same, sameTop1Se: Math.sqrt(same * (1 - same) / (tokens.length - 1)),
    acceptance: alpha, expectedTokens: alpha === 1 ? 5 : (1 - alpha ** 5) / (1 - alpha),
    binoculars: mean(b) / mean(tokens.map(t => t.base.entropy + t.kl)),
    fastDetectBase,
  };
}
