/**
 * Token spans that follow the document while the user edits it. Pure (no vscode), so unit tests
 * cover it. Exact rule: a token wholly before an edit keeps its offsets, a token wholly after it
 * moves by the edit's length change, and a token the edit touches inside is dropped (its numbers
 * describe text that no longer exists). Dropped tokens collapse to an empty span at the edit so
 * that starts stay sorted and lookups stay a binary search.
 */

/** One replacement in the coordinates of the text before it (as VS Code's `rangeOffset`/`rangeLength`). */
export interface TextEdit {
  offset: number;
  removed: number;
  inserted: number;
}

export class LiveSpans {
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** 1 while the token still describes the text under its span. */
  readonly alive: Uint8Array;
  private aliveCount: number;

  constructor(starts: ArrayLike<number>, ends: ArrayLike<number>) {
    this.starts = Int32Array.from(starts);
    this.ends = Int32Array.from(ends);
    this.alive = new Uint8Array(this.starts.length).fill(1);
    this.aliveCount = this.starts.length;
  }

  get length(): number { return this.starts.length; }
  get liveCount(): number { return this.aliveCount; }

  /**
   * Applies the edits of one change event. They do not overlap and each is given in the coordinates
   * of the text before the event, so applying them from the last offset to the first keeps every
   * offset valid. Returns how many tokens were dropped.
   */
  applyEdits(edits: readonly TextEdit[]): number {
    let dropped = 0;
    for (const e of [...edits].sort((x, y) => y.offset - x.offset)) dropped += this.applyEdit(e);
    return dropped;
  }

  private applyEdit({ offset: a, removed: r, inserted: n }: TextEdit): number {
    const delta = n - r;
    let dropped = 0;
    // Tokens ending at or before the edit are untouched; start at the first one that ends after it.
    for (let i = this.firstEndingAfter(a); i < this.starts.length; i++) {
      const s = this.starts[i];
      const e = this.ends[i];
      if (s >= a + r) {
        this.starts[i] = s + delta;
        this.ends[i] = e + delta;
      } else {
        if (this.alive[i]) { this.alive[i] = 0; this.aliveCount--; dropped++; }
        this.starts[i] = a;
        this.ends[i] = a;
      }
    }
    return dropped;
  }

  /** Index of the first token whose end is after `offset` (ends are sorted). */
  private firstEndingAfter(offset: number): number {
    let lo = 0;
    let hi = this.ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ends[mid] <= offset) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  /** The first token that ends after `offset` (the one at or after it; `length` when none). */
  tokenFrom(offset: number): number {
    return this.firstEndingAfter(offset);
  }

  /** The live token whose span holds `offset` (start <= offset < end), or -1. */
  tokenAt(offset: number): number {
    const i = this.firstEndingAfter(offset);
    if (i < this.starts.length && this.alive[i] && this.starts[i] <= offset) return i;
    return -1;
  }
}
