/**
 * The document as a heatmap: one <span> per token, classed by its colour bucket under the chosen
 * scale (heatScale.ts), text set with textContent (document text is never parsed as HTML).
 * Virtualised by blocks: a block's spans exist only while it is within a screen or two of the
 * viewport; otherwise it is an empty box of its last measured (or estimated) height, so a
 * 50,000-token document stays fast. Each span is a listbox option whose accessible name reads the
 * token, its NLL and its entropy; one token at a time is focusable (roving tabindex) and one is
 * marked selected.
 */
import { bucketClass as compareBucketClass, COMPARE_METRICS, compareBucket, compareValue, emptyCompareColumns, isCompareHeatMetric } from '../../src/core/compare/heat';
import { type GeometryColumns, metricValue } from '../../src/core/heat';
import { bucketClass, type HeatScale, makeHeatScale, scaleMetric, type HeatScaleKind } from '../../src/core/heatScale';
import { type PanelMetric, type TokenColumns } from '../../src/protocol/heatmapPanel';
import { type Block, splitBlocks } from './blocks';
import { visible } from './tooltip';

/** How far outside the viewport blocks are kept rendered. */
const MARGIN = '1200px 0px';
/** Blocks rendered synchronously when they arrive, so the first screen never waits for the observer. */
const EAGER_BLOCKS = 2;
/** Characters of not-yet-scored text shown (faded) after the last token while a run streams. */
const PENDING_TAIL_CHARS = 20000;

interface BlockView { block: Block; el: HTMLElement; rendered: boolean; height?: number }

const bits = (nats: number | null) => (nats === null ? 'n/a' : `${(nats / Math.LN2).toFixed(2)} bits`);

export class Heatmap {
  private text = '';
  private cols: TokenColumns = { starts: [], ends: [], nll: [], entropy: [], rank: [] };
  private metric: PanelMetric = 'nll';
  private scaleKind: HeatScaleKind = 'quantile';
  private current: HeatScale = makeHeatScale('absolute', 'nll');
  private geometry?: GeometryColumns;
  private views: BlockView[] = [];
  private readonly pending = document.createElement('span');
  private readonly observer: IntersectionObserver;
  private lineHeight = 18;
  /** The token that takes focus (roving tabindex) and the token marked selected. */
  private active = 0;
  private selected: number | undefined;

  constructor(private readonly root: HTMLElement) {
    this.pending.className = 'pending';
    this.observer = new IntersectionObserver(entries => this.onIntersect(entries), { root: null, rootMargin: MARGIN });
  }

  get tokenCount(): number { return this.cols.starts.length; }
  get scale(): HeatScale { return this.current; }
  get activeToken(): number { return this.active; }
  get selectedToken(): number | undefined { return this.selected; }

  /** Replaces everything with a new document and its tokens. */
  reset(text: string, cols: TokenColumns, metric: PanelMetric, scale: HeatScaleKind): void {
    this.observer.disconnect();
    this.root.replaceChildren();
    this.views = [];
    this.text = text;
    this.metric = metric;
    this.scaleKind = scale;
    this.active = 0;
    this.selected = undefined;
    this.cols = { starts: [], ends: [], nll: [], entropy: [], rank: [], ...(cols.compare ? { compare: emptyCompareColumns() } : {}) };
    this.lineHeight = parseFloat(getComputedStyle(this.root).lineHeight) || 18;
    this.root.append(this.pending);
    this.append(cols);
  }

  /** Adds streamed tokens (they continue where the last ones ended). */
  append(cols: TokenColumns): void {
    const from = this.reopenLastBlock();
    for (const k of ['starts', 'ends', 'nll', 'entropy', 'rank'] as const) {
      const target = this.cols[k] as Array<number | null>;
      for (const v of cols[k]) target.push(v);
    }
    if (this.cols.compare && cols.compare) for (const m of COMPARE_METRICS) for (const v of cols.compare[m]) this.cols.compare[m].push(v);
    // A document-relative scale moves as tokens arrive: recompute it and repaint what is shown.
    this.rescale();
    for (const block of splitBlocks(this.text, this.cols.starts, this.cols.ends, from)) {
      const el = document.createElement('div');
      el.className = 'block';
      el.style.minHeight = `${Math.max(1, block.lines) * this.lineHeight}px`;
      this.root.insertBefore(el, this.pending);
      const view: BlockView = { block, el, rendered: false };
      this.views.push(view);
      // The top of the document is on screen at once; the rest renders as it comes near the viewport.
      if (this.views.length <= EAGER_BLOCKS) this.render(view);
      this.observer.observe(el);
    }
    this.updatePending();
  }

  /** Geometry layers of the document (set with each snapshot; undefined until computed). */
  setGeometry(geometry: GeometryColumns | undefined): void {
    this.geometry = geometry;
  }

  setMetric(metric: PanelMetric, scale: HeatScaleKind = this.scaleKind): void {
    this.metric = metric;
    this.scaleKind = scale;
    this.rescale();
  }

  /** The displayed value of token i under the current scale's metric (NaN when unknown). */
  valueOf(i: number): number {
    if (isCompareHeatMetric(this.metric)) return compareValue(this.metric, this.cols.compare, i);
    const m = scaleMetric(this.scaleKind, this.metric);
    return metricValue(m, this.cols.nll[i], this.cols.entropy[i], this.cols.rank[i], this.geometry, i);
  }

  /** Every token's displayed value (for the scale and the legend's shares). */
  values(): Float64Array {
    return Float64Array.from({ length: this.tokenCount }, (_, i) => this.valueOf(i));
  }

  /** The token index a span stands for, if the element is a token span. */
  tokenIndexOf(el: EventTarget | null): number | undefined {
    if (!(el instanceof HTMLElement) || !el.classList.contains('tok')) return undefined;
    const i = Number(el.dataset.i);
    return Number.isInteger(i) ? i : undefined;
  }

  /** First and last token index with a span in the viewport (the layer lens follows them), if any. */
  visibleTokens(): { first: number; last: number } | undefined {
    let first = -1;
    let last = -1;
    for (const v of this.views) {
      if (!v.rendered) continue;
      const box = v.el.getBoundingClientRect();
      if (box.bottom < 0 || box.top > window.innerHeight) continue;
      for (const span of v.el.children) {
        const r = span.getBoundingClientRect();
        if (r.bottom < 0 || r.top > window.innerHeight) continue;
        const i = Number((span as HTMLElement).dataset.i);
        if (first < 0) first = i;
        last = i;
      }
    }
    return first < 0 ? undefined : { first, last };
  }

  /** Number of token spans currently in the DOM (for tests: virtualisation keeps this bounded). */
  renderedSpans(): number {
    return this.root.querySelectorAll('span.tok').length;
  }

  /** The span of token i, rendering its block first if it is not in the DOM. */
  spanOf(i: number): HTMLElement | undefined {
    const view = this.viewOf(i);
    if (!view) return undefined;
    if (!view.rendered) this.render(view);
    return view.el.children[i - view.block.first] as HTMLElement | undefined;
  }

  /** Scrolls so that token i is at the top of the viewport, below the sticky header (`offset` px). */
  scrollToToken(i: number, offset: number): void {
    const view = this.viewOf(i);
    if (!view) return;
    // The block's box first (its height may be an estimate), then the span once rendered.
    window.scrollTo(0, Math.max(0, view.el.getBoundingClientRect().top + window.scrollY - offset));
    const span = this.spanOf(i);
    if (span) window.scrollTo(0, Math.max(0, span.getBoundingClientRect().top + window.scrollY - offset));
  }

  /** The first token whose span is at or below `y` (viewport px), among the rendered ones. */
  tokenAtY(y: number): number | undefined {
    for (const v of this.views) {
      if (!v.rendered) continue;
      const box = v.el.getBoundingClientRect();
      if (box.bottom < y) continue;
      for (const child of v.el.children) {
        const r = child.getBoundingClientRect();
        if (r.bottom > y) return this.tokenIndexOf(child);
      }
    }
    return undefined;
  }

  /** Makes token i the one that takes focus (tabindex 0) and focuses it when `focus`. */
  setActive(i: number, focus: boolean): HTMLElement | undefined {
    if (this.tokenCount === 0) return undefined;
    const index = Math.max(0, Math.min(this.tokenCount - 1, i));
    const previous = this.root.querySelector<HTMLElement>('span.tok[tabindex]');
    if (previous) previous.removeAttribute('tabindex');
    this.active = index;
    const span = this.spanOf(index);
    if (!span) return undefined;
    span.tabIndex = 0;
    if (focus) span.focus({ preventScroll: false });
    return span;
  }

  /** Marks token i as selected (undefined: none). */
  select(i: number | undefined): void {
    this.root.querySelector('span.tok.selected')?.classList.remove('selected');
    this.root.querySelector('span.tok[aria-selected="true"]')?.setAttribute('aria-selected', 'false');
    this.selected = i !== undefined && i >= 0 && i < this.tokenCount ? i : undefined;
    if (this.selected === undefined) return;
    const view = this.viewOf(this.selected);
    if (!view?.rendered) return; // painted when its block renders
    this.markSelected(view.el.children[this.selected - view.block.first] as HTMLElement | undefined);
  }

  /**
   * The token on the next (`direction` 1) or previous (−1) visual line nearest to token i
   * horizontally, for the arrow keys; i itself at the first or last line.
   */
  tokenOnAdjacentLine(i: number, direction: 1 | -1): number {
    const from = this.spanOf(i);
    if (!from) return i;
    const box = from.getBoundingClientRect();
    const x = box.left + box.width / 2;
    let line: number | undefined;
    let best = i;
    let bestDistance = Infinity;
    for (let j = i + direction; j >= 0 && j < this.tokenCount; j += direction) {
      const span = this.spanOf(j);
      if (!span) break;
      const rects = span.getClientRects();
      const r = rects.length ? rects[direction === 1 ? 0 : rects.length - 1] : span.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      const onOtherLine = direction === 1 ? r.top >= box.bottom - 1 : r.bottom <= box.top + 1;
      if (!onOtherLine) continue;
      line ??= r.top;
      if (Math.abs(r.top - line) > 1) break; // past that line
      const distance = x < r.left ? r.left - x : x > r.right ? x - r.right : 0;
      if (distance < bestDistance) { bestDistance = distance; best = j; }
    }
    return best;
  }

  private viewOf(i: number): BlockView | undefined {
    let lo = 0;
    let hi = this.views.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.views[mid];
      if (i < v.block.first) hi = mid - 1;
      else if (i >= v.block.end) lo = mid + 1;
      else return v;
    }
    return undefined;
  }

  private rescale(): void {
    // A comparison metric has its own fixed diverging buckets (core/compare/heat.ts); the scale is the analysis's.
    const metric = isCompareHeatMetric(this.metric) ? 'nll' : this.metric;
    this.current = makeHeatScale(this.scaleKind, scaleMetric(this.scaleKind, metric), this.scaleKind === 'quantile' && metric === this.metric ? this.values() : []);
    for (const v of this.views) if (v.rendered) this.paintClasses(v);
  }

  private reopenLastBlock(): number {
    const last = this.views.at(-1);
    if (!last) return 0;
    // The last block may have been cut short by the end of the streamed tokens; rebuild it.
    this.observer.unobserve(last.el);
    last.el.remove();
    this.views.pop();
    return last.block.first;
  }

  private updatePending(): void {
    const scored = this.cols.ends.length ? this.cols.ends[this.cols.ends.length - 1] : 0;
    const tail = this.text.slice(scored, scored + PENDING_TAIL_CHARS);
    this.pending.textContent = tail + (this.text.length - scored > PENDING_TAIL_CHARS ? '…' : '');
  }

  private onIntersect(entries: IntersectionObserverEntry[]): void {
    for (const entry of entries) {
      const view = this.views.find(v => v.el === entry.target);
      if (!view) continue;
      if (entry.isIntersecting && !view.rendered) this.render(view);
      // The focused token's block stays: removing it would drop the keyboard focus.
      else if (!entry.isIntersecting && view.rendered && !view.el.contains(document.activeElement)) this.unrender(view);
    }
  }

  private render(view: BlockView): void {
    const { first, end } = view.block;
    const frag = document.createDocumentFragment();
    for (let i = first; i < end; i++) {
      const span = document.createElement('span');
      span.className = 'tok';
      span.dataset.i = String(i);
      // The exact numbers behind the colour (nats; String() round-trips a double), read by the E2E tests.
      span.dataset.nll = String(this.cols.nll[i]);
      span.dataset.entropy = String(this.cols.entropy[i]);
      if (this.cols.compare) span.dataset.kl = String(this.cols.compare.kl[i]);
      const text = this.text.slice(this.cols.starts[i], this.cols.ends[i]);
      span.textContent = text;
      span.setAttribute('role', 'option');
      span.setAttribute('aria-selected', 'false');
      span.setAttribute('aria-label', `${visible(text)}: NLL ${bits(this.cols.nll[i])}, entropy ${bits(this.cols.entropy[i])}, rank ${this.cols.rank[i] ?? 'n/a'}`);
      if (i === this.active) span.tabIndex = 0;
      frag.append(span);
    }
    view.el.replaceChildren(frag);
    view.el.style.minHeight = '';
    view.rendered = true;
    this.paintClasses(view);
    if (this.selected !== undefined && this.selected >= first && this.selected < end) this.markSelected(view.el.children[this.selected - first] as HTMLElement);
  }

  private markSelected(span: HTMLElement | undefined): void {
    span?.classList.add('selected');
    span?.setAttribute('aria-selected', 'true');
  }

  private unrender(view: BlockView): void {
    view.height = view.el.getBoundingClientRect().height;
    view.el.style.minHeight = `${view.height}px`;
    view.el.replaceChildren();
    view.rendered = false;
  }

  private paintClasses(view: BlockView): void {
    const spans = view.el.children;
    const scale = this.current;
    for (let k = 0; k < spans.length; k++) {
      const i = view.block.first + k;
      const metric = this.metric;
      if (isCompareHeatMetric(metric)) {
        spans[k].className = `tok ${compareBucketClass(metric, compareBucket(metric, compareValue(metric, this.cols.compare, i)))}${i === this.selected ? ' selected' : ''}`;
        continue;
      }
      spans[k].className = `tok ${bucketClass(scale.palette, scale.bucketOf(this.valueOf(i)))}${i === this.selected ? ' selected' : ''}`;
    }
  }
}
