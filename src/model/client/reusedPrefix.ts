/**
 * Live mode on the front end's side: the reuse hint sent with a re-analysis (or re-comparison) of a
 * document, and the previous run's leading records that the engine did not score again, which go
 * out first, before the first scored batch (or at the end when nothing was scored again).
 */
import type { ScoringInfo, TokenRecord } from '../../core/analysis';
import type { ReuseHint } from '../../core/reuse';

/** The engine's reuse hint from a previous run's records and plan. */
export function reuseHintFrom(tokens: readonly TokenRecord[], scoring: ScoringInfo): ReuseHint {
  return {
    ids: Int32Array.from(tokens, r => r.id),
    starts: Uint32Array.from(tokens, r => r.start),
    ends: Uint32Array.from(tokens, r => r.end),
    window: scoring.window,
    stride: scoring.stride,
    topK: scoring.topK,
  };
}

export class ReusedPrefix<T extends TokenRecord> {
  private taken: number | undefined;

  /** `previous`: the previous run's records when the engine was sent a reuse hint, else undefined. */
  constructor(private readonly previous: readonly T[] | undefined) {}

  /** The kept records before document token `upTo`, the first time it is called (then none). */
  take(upTo: number): T[] {
    if (!this.previous || this.taken !== undefined) return [];
    const kept = this.previous.slice(0, upTo).map(r => ({ ...r }));
    this.taken = kept.length;
    return kept;
  }

  /** `{ reusedTokens }` once records were taken (for the result), else nothing. */
  count(): { reusedTokens?: number } {
    return this.taken !== undefined ? { reusedTokens: this.taken } : {};
  }
}
