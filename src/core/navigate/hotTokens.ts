/**
 * Where the heat is in an analysed document: its hot spots (the worst passages, ranked), the token
 * Next / Previous Hot Spot moves to, and the hottest tokens the overview ruler marks. Values are what
 * the heat scale displays (core/heat metricValue: bits, or rank); NaN (unknown) is never hot.
 * Exact given the values; the span length, the threshold bucket and the 1 % are presentation choices.
 */
import type { TokenRecord } from '../analysis';
import type { HeatScale } from '../heatScale';
import { hotSpans, type HotSpan } from '../scan/hotSpans';

/** Default tokens per hot-spot span (the `markovLens.hotSpots.span` setting). */
export const DEFAULT_HOT_SPAN = 32;
/** Default first bucket of the heat scale that Next / Previous Hot Spot stops at (`markovLens.hotSpots.bucket`). */
export const DEFAULT_HOT_BUCKET = 6;
/** Share of tokens the overview ruler marks. */
export const RULER_FRACTION = 0.01;

export interface HotSpot extends HotSpan {
  /** Index of the span's first token. */
  first: number;
  /** Tokens in the span. */
  count: number;
}

type Scored = Pick<TokenRecord, 'start' | 'end' | 'nll'>;

/**
 * The document's `count` worst passages: runs of `span` consecutive tokens with the highest mean NLL,
 * chosen greedily without overlap (the scan's rule), worst first, each with its first token's index.
 */
export function hotSpots(text: string, tokens: readonly Scored[], span = DEFAULT_HOT_SPAN, count = 20): HotSpot[] {
  const width = Math.max(1, Math.min(Math.floor(span), tokens.length));
  return hotSpans(text, tokens, width, count).map(h => ({ ...h, first: tokenStartingAt(tokens, h.start), count: width }));
}

/** Index of the token whose span starts at `offset` (tokens are ordered); -1 if none does. */
function tokenStartingAt(tokens: readonly Scored[], offset: number): number {
  let lo = 0;
  let hi = tokens.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid].start < offset) lo = mid + 1;
    else if (tokens[mid].start > offset) hi = mid - 1;
    else {
      // Empty tokens can share a start: the first of them begins the span.
      let i = mid;
      while (i > 0 && tokens[i - 1].start === offset) i--;
      return i;
    }
  }
  return -1;
}

/**
 * The displayed value from which a token is "hot" for navigation: the lower bound of bucket `bucket`
 * (1 up to the scale's hottest) of the colour scale on screen, so the stops are the tokens painted in
 * that colour or hotter. A scale with fewer buckets (GLTR's four) clamps to its hottest.
 */
export function hotThreshold(scale: Pick<HeatScale, 'bounds'>, bucket = DEFAULT_HOT_BUCKET): number {
  const { bounds } = scale;
  const b = Math.max(1, Math.min(bounds.length, Math.floor(bucket)));
  return bounds[b - 1];
}

/**
 * The next (direction 1) or previous (-1) token after / before token `from` whose value is at least
 * `threshold`, wrapping around the document as F8 does for problems; `from` -1 starts before the
 * first token, `from` = values.length after the last. -1 when no token is that hot.
 */
export function nextHotToken(values: ArrayLike<number>, from: number, direction: 1 | -1, threshold: number): number {
  const n = values.length;
  if (n === 0) return -1;
  for (let step = 1; step <= n; step++) {
    const i = (((from + direction * step) % n) + n) % n;
    if (values[i] >= threshold) return i;
  }
  return -1;
}

/**
 * Indices (ascending) of the hottest `fraction` of the tokens with a known value: ceil(fraction × known),
 * at least one when any is known; ties at the cut go to the earlier token.
 */
export function hottestTokens(values: ArrayLike<number>, fraction = RULER_FRACTION): number[] {
  const known: number[] = [];
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) known.push(i);
  if (known.length === 0) return [];
  const keep = Math.max(1, Math.ceil(fraction * known.length));
  known.sort((a, b) => values[b] - values[a] || a - b);
  return known.slice(0, keep).sort((a, b) => a - b);
}
