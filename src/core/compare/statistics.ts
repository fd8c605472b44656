/**
 * The statistics llama.cpp's `perplexity --kl-divergence` prints, with its definitions, so the two
 * can be put side by side (tools/perplexity/perplexity.cpp, `kl_divergence`):
 *   uncertainty of a mean        sqrt((E[x²] − E[x]²) / (n − 1))
 *   uncertainty of a proportion  sqrt(p (1 − p) / (n − 1))
 *   percentile f                 linear interpolation at position f·(n − 1) of the sorted values
 *                                (the median is f = 0.5: the mean of the two middle values for even n)
 *   correlation                  Pearson's, (E[ab] − E[a]E[b]) / sqrt(Var a · Var b)
 * Means and variances are taken in two passes (the deviations from the mean, then their squares):
 * the same numbers as the E[x²] − E[x]² form in exact arithmetic, without its cancellation when the
 * values are nearly equal (a float16 twin's ΔNLL). n < 2 gives a null uncertainty.
 */

export interface MeanSe {
  mean: number;
  se: number | null;
}

/** Mean and its uncertainty sqrt(Var / (n − 1)), Var the population variance. Empty: null. */
export function meanAndSe(values: ArrayLike<number>): MeanSe | null {
  const n = values.length;
  if (n === 0) return null;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  if (n < 2) return { mean, se: null };
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    squares += d * d;
  }
  return { mean, se: Math.sqrt(squares / n / (n - 1)) };
}

/** Linear interpolation at position f·(n − 1) of ascending `sorted` (f ≤ 0: the first, f ≥ 1: the last). */
export function percentile(sorted: ArrayLike<number>, f: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (f <= 0) return sorted[0];
  if (f >= 1) return sorted[n - 1];
  const position = f * (n - 1);
  const i = Math.floor(position);
  const t = position - i;
  return i + 1 < n ? (1 - t) * sorted[i] + t * sorted[i + 1] : sorted[i];
}

/** Pearson correlation; null with fewer than 2 values or a constant series. */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  const n = a.length;
  if (n < 2 || b.length !== n) return null;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]; mb += b[i]; }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : null;
}

/** The distribution of a per-token quantity, as llama.cpp lists it (Δp adds the quartiles). */
export interface Spread {
  max: number;
  p999: number;
  p99: number;
  p95: number;
  p90: number;
  p75?: number;
  median: number;
  p25?: number;
  p10: number;
  p5: number;
  p1: number;
  p01: number;
  min: number;
}

export function spreadOf(values: ArrayLike<number>, quartiles = false): Spread | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const at = (f: number) => percentile(sorted, f);
  return {
    max: sorted[sorted.length - 1], p999: at(0.999), p99: at(0.99), p95: at(0.95), p90: at(0.9),
    ...(quartiles ? { p75: at(0.75) } : {}),
    median: at(0.5),
    ...(quartiles ? { p25: at(0.25) } : {}),
    p10: at(0.1), p5: at(0.05), p1: at(0.01), p01: at(0.001), min: sorted[0],
  };
}

/** A proportion and its uncertainty sqrt(p (1 − p) / (n − 1)). */
export function proportion(hits: number, n: number): { value: number; se: number | null } | null {
  if (n === 0) return null;
  const p = hits / n;
  return { value: p, se: n > 1 ? Math.sqrt((p * (1 - p)) / (n - 1)) : null };
}

/**
 * Expected tokens per speculative-decoding block of γ drafts when each draft is accepted with
 * probability α independently (the i.i.d. approximation of Leviathan et al. 2023, eq. 1):
 * (1 − α^(γ+1)) / (1 − α), and γ + 1 at α = 1.
 */
export function expectedTokensPerBlock(alpha: number, gamma: number): number {
  if (alpha >= 1) return gamma + 1;
  return (1 - Math.pow(alpha, gamma + 1)) / (1 - alpha);
}
