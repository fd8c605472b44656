/**
 * The layer lens the extension holds for one analysed document: the token ranges computed so far
 * (the whole document up to 4,096 tokens, else the ranges the editor showed), what is still missing
 * of a range, and the page of a range the panel draws. Pure (no vscode), so unit tests cover it.
 */
import type { TokenRecord } from '../core/analysis';
import type { LayerAlignment, LayerLens } from '../core/lens/types';
import type { LensPage } from '../protocol/layerLensPanel';
import { visibleWhitespace } from './tokenDetails';

/** Documents up to this many tokens get the lens of every token at once (issue 17). */
export const WHOLE_DOCUMENT_TOKENS = 4096;
/** Tokens the panel receives at a time, around the editor's position. */
export const PAGE_TOKENS = 256;
/** Most tokens of lens ranges kept per document (the oldest ranges go first). */
const KEPT_TOKENS = 16384;

export class DocumentLens {
  /** Computed ranges, oldest first. */
  private ranges: LayerLens[] = [];
  count = 0;
  labels: string[] = [];
  off: string | undefined;
  alignment: LayerAlignment | null | undefined;
  alignmentOff: string | undefined;

  constructor(readonly totalTokens: number) {}

  get empty(): boolean {
    return this.ranges.length === 0;
  }

  add(lens: LayerLens): void {
    this.count = lens.count;
    this.labels = lens.labels;
    if (lens.alignment !== undefined) this.alignment = lens.alignment;
    if (lens.alignmentOff !== undefined) this.alignmentOff = lens.alignmentOff;
    // A range inside the new one is redundant.
    this.ranges = this.ranges.filter(r => r.from < lens.from || r.from + r.tokens > lens.from + lens.tokens);
    this.ranges.push(lens);
    let kept = this.ranges.reduce((n, r) => n + r.tokens, 0);
    while (kept > KEPT_TOKENS && this.ranges.length > 1) kept -= this.ranges.shift()!.tokens;
  }

  /** The range holding token t (the newest, when ranges overlap), and t's column in it. */
  at(t: number): { lens: LayerLens; i: number } | undefined {
    for (let j = this.ranges.length - 1; j >= 0; j--) {
      const r = this.ranges[j];
      if (t >= r.from && t < r.from + r.tokens) return { lens: r, i: t - r.from };
    }
    return undefined;
  }

  /** The token ranges [from, to) held, oldest first. */
  covered(): Array<[number, number]> {
    return this.ranges.map(r => [r.from, r.from + r.tokens]);
  }

  /** The first token of [from, to) not computed yet, or −1. */
  firstMissing(from: number, to: number): number {
    for (let t = from; t < to; t++) if (!this.at(t)) return t;
    return -1;
  }

  depthOf(t: number): number | null {
    const hit = this.at(t);
    const d = hit ? hit.lens.depth[hit.i] : -1;
    return d >= 0 ? d : null;
  }

  /** The page of tokens [from, to) for the panel; texts of every id it names from `tokenText`. */
  page(tokens: readonly TokenRecord[], from: number, to: number, tokenText: (id: number) => string): LensPage {
    const n = Math.max(0, to - from);
    const count = this.count;
    const k = this.ranges[0]?.k ?? 0;
    const cells = count * n;
    const page: LensPage = {
      from,
      tokens: tokens.slice(from, to).map(t => ({ text: visibleWhitespace(t.text), id: t.id })),
      nll: new Array<number | null>(cells).fill(null), entropy: new Array<number | null>(cells).fill(null),
      klToFinal: new Array<number | null>(cells).fill(null), rank: new Array<number | null>(cells).fill(null),
      top1: new Array<number>(cells).fill(-1), topIds: new Array<number>(cells * k).fill(-1), topProbs: new Array<number>(cells * k).fill(0),
      k, depth: new Array<number | null>(n).fill(null), computed: new Array<boolean>(n).fill(false), texts: {},
    };
    const ids = new Set<number>();
    const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
    for (let i = 0; i < n; i++) {
      const hit = this.at(from + i);
      if (!hit) continue;
      const { lens, i: c } = hit;
      page.computed[i] = true;
      page.depth[i] = lens.depth[c] >= 0 ? lens.depth[c] : null;
      for (let l = 0; l < count; l++) {
        const src = l * lens.tokens + c;
        const dst = l * n + i;
        page.nll[dst] = finite(lens.nll[src]);
        page.entropy[dst] = finite(lens.entropy[src]);
        page.klToFinal[dst] = finite(lens.klToFinal[src]);
        page.rank[dst] = lens.rank[src] >= 0 ? lens.rank[src] : null;
        page.top1[dst] = lens.top1[src];
        for (let j = 0; j < k; j++) {
          const id = lens.topIds[src * k + j];
          page.topIds[dst * k + j] = id;
          page.topProbs[dst * k + j] = lens.topProbs[src * k + j];
          if (id >= 0) ids.add(id);
        }
      }
    }
    for (const id of ids) page.texts[id] = visibleWhitespace(tokenText(id));
    return page;
  }
}

/** Token indices whose spans meet document offsets [start, end) (−1s when none). */
export function tokensIn(starts: Int32Array, ends: Int32Array, start: number, end: number): { first: number; last: number } {
  let lo = 0;
  let hi = ends.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ends[mid] <= start) lo = mid + 1; else hi = mid;
  }
  const first = lo;
  lo = first;
  hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid] < end) lo = mid + 1; else hi = mid;
  }
  const last = lo - 1;
  return first <= last ? { first, last } : { first: -1, last: -1 };
}

/** Prediction depth as one of five colour buckets: 0 = the embedding already, 4 = only the last block. */
export const DEPTH_BUCKETS = 5;

export function depthBucket(depth: number, layers: number): number {
  if (depth <= 0) return 0;
  if (depth >= layers) return DEPTH_BUCKETS - 1;
  if (layers <= 1) return 0;
  return 1 + Math.min(2, Math.floor((3 * (depth - 1)) / Math.max(1, layers - 1)));
}
