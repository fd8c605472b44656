/**
 * A file's hottest passages for the scan: the runs of HOT_SPAN_TOKENS consecutive tokens with the
 * highest mean NLL, chosen greedily without overlap (the highest first). Exact given the tokens'
 * NLLs; the passage length is a presentation choice, named in the README.
 */
import type { TokenRecord } from '../analysis';

/** Tokens per hot span (a file with fewer tokens is one span). */
export const HOT_SPAN_TOKENS = 16;
/** Hot spans kept per file. */
export const HOT_SPANS = 3;
/** UTF-16 code units of a span's excerpt (whitespace runs shown as one space). */
export const HOT_EXCERPT = 120;

export interface HotSpan {
  /** `[start, end)` in UTF-16 code units of the file's text, as token offsets everywhere. */
  start: number;
  end: number;
  /** 1-based line of `start`. */
  line: number;
  /** Mean NLL of the span's tokens, in bits. */
  bitsPerToken: number;
  /** The passage, whitespace runs collapsed, cut at HOT_EXCERPT code units ("…" marks a cut). */
  text: string;
}

type Scored = Pick<TokenRecord, 'start' | 'end' | 'nll'>;

export function hotSpans(text: string, tokens: readonly Scored[], width = HOT_SPAN_TOKENS, count = HOT_SPANS): HotSpan[] {
  const n = tokens.length;
  if (n === 0 || count <= 0) return [];
  const w = Math.min(width, n);
  // Prefix sums of NLL and of finite tokens (a non-finite row counts for neither).
  const sum = new Float64Array(n + 1);
  const finite = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const v = tokens[i].nll;
    const ok = v !== null && Number.isFinite(v);
    sum[i + 1] = sum[i] + (ok ? v : 0);
    finite[i + 1] = finite[i] + (ok ? 1 : 0);
  }
  const picked: number[] = [];
  const taken = new Uint8Array(n);
  for (let k = 0; k < count; k++) {
    let best = -1;
    let bestMean = -Infinity;
    for (let i = 0; i + w <= n; i++) {
      if (taken[i] || taken[i + w - 1]) continue;
      const f = finite[i + w] - finite[i];
      if (f === 0) continue;
      const mean = (sum[i + w] - sum[i]) / f;
      if (mean > bestMean) {
        bestMean = mean;
        best = i;
      }
    }
    if (best < 0) break;
    picked.push(best);
    taken.fill(1, best, best + w);
  }
  return picked.map(i => {
    const start = tokens[i].start;
    const end = tokens[i + w - 1].end;
    const f = finite[i + w] - finite[i];
    return { start, end, line: lineOf(text, start), bitsPerToken: (sum[i + w] - sum[i]) / f / Math.LN2, text: excerpt(text.slice(start, end)) };
  });
}

/** 1-based line number of a UTF-16 offset (a line ends at \n; \r\n counts once). */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

export function excerpt(passage: string, max = HOT_EXCERPT): string {
  const flat = passage.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  let cut = max - 1;
  // Never split a surrogate pair.
  if (/[\ud800-\udbff]/.test(flat[cut - 1])) cut--;
  return flat.slice(0, cut) + '…';
}
