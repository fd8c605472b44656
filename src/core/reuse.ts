/**
 * Incremental re-analysis (live mode): which windows of a new analysis can keep the previous
 * analysis's records. Each window is scored from an empty KV cache (core/windows.ts), so a window
 * whose fed tokens and target tokens are all unchanged produces bitwise the same records: reusing
 * them is exact, not an approximation. After an edit, the windows ending before the first changed
 * token are skipped; the rest (the edited region and everything after, whose positions shift) are
 * scored again. The first window scored again may also resume from a KV-cache checkpoint inside it
 * (src/model/kvCheckpoints.ts): `resumeLimit` says how far its leading records can be kept.
 */
import { planWindows, type ScoringWindow, type WindowSettings } from './windows';

/** What the worker needs to know about the previous analysis of the same document. */
export interface ReuseHint {
  /** Previous document token ids and spans (no prefix token). */
  ids: Int32Array;
  starts: Uint32Array;
  ends: Uint32Array;
  /** The previous analysis's resolved window settings and top-k; any difference disables reuse. */
  window: number;
  stride: number;
  topK: number;
}

interface Tokens {
  ids: Int32Array;
  starts: Uint32Array;
  ends: Uint32Array;
}

/** Number of leading document tokens identical in id and span in both tokenizations. */
export function unchangedTokens(previous: Tokens, next: Tokens): number {
  const n = Math.min(previous.ids.length, next.ids.length);
  let i = 0;
  while (i < n && previous.ids[i] === next.ids[i] && previous.starts[i] === next.starts[i] && previous.ends[i] === next.ends[i]) i++;
  return i;
}

/**
 * How many of `windows` (a prefix of the plan) can be skipped: those whose every fed position and
 * target lies in the unchanged prefix. Position p holds the prefix token (p = 0) or document token
 * p - 1; a window feeds [start, end) and its last target is `end`, so it is reusable when end <= u
 * for u unchanged document tokens and the previous plan (prefix + previous tokens) had it too.
 */
export function reusableWindows(windows: readonly ScoringWindow[], doc: Tokens, settings: WindowSettings, topK: number, hint: ReuseHint | undefined): number {
  if (!sameScoring(settings, topK, hint)) return 0;
  const unchanged = unchangedTokens(hint, doc);
  let k = 0;
  // The window must also be the same window in the previous plan: a window clipped at the new end
  // (text deleted at the end) fed other positions before.
  const previousEnd = (i: number) => Math.min(settings.window + i * settings.stride, hint.ids.length);
  while (k < windows.length && windows[k].end <= unchanged && windows[k].end === previousEnd(k)) k++;
  return k;
}

/**
 * For the first window scored again (`windows[skipped]`), the last target position whose record the
 * previous analysis already holds exactly, or 0 when none. Target m of window w is the same record
 * in both analyses when the previous plan scored it in a window with the same start (so the same
 * context), and positions start..m (fed tokens and the target itself, ids and spans) are unchanged;
 * position p is document token p - 1, so that means m <= u for u unchanged document tokens. The
 * limit stays below w.end: a window with nothing left to feed would have been skipped.
 */
export function resumeLimit(windows: readonly ScoringWindow[], skipped: number, doc: Tokens, settings: WindowSettings, topK: number, hint: ReuseHint | undefined): number {
  const w = windows[skipped];
  if (!w || !hint || !sameScoring(settings, topK, hint)) return 0;
  const before = planWindows(hint.ids.length + 1, settings.window, settings.stride)[skipped];
  if (!before || before.start !== w.start || before.firstTarget !== w.firstTarget) return 0;
  return Math.min(before.lastTarget, unchangedTokens(hint, doc), w.end - 1);
}

function sameScoring(settings: WindowSettings, topK: number, hint: ReuseHint | undefined): hint is ReuseHint {
  return hint !== undefined && hint.window === settings.window && hint.stride === settings.stride && hint.topK === topK;
}
