/**
 * The document as a heatmap: one <span> per token, classed by its colour bucket, text set with
 * textContent (document text is never parsed as HTML). Virtualised by blocks: a block's spans exist
 * only while it is within a screen or two of the viewport; otherwise it is an empty box of its last
 * measured (or estimated) height, so a 50,000-token document stays fast.
 */
import { bucketClass, COMPARE_METRICS, compareBucket, compareValue, emptyCompareColumns, isCompareHeatMetric } from '../../src/core/compare/heat';
import { type GeometryColumns, heatBucket, metricValue } from '../../src/core/heat';
import { type PanelMetric, type TokenColumns } from '../../src/protocol/heatmapPanel';
import { type Block, splitBlocks } from './blocks';

/** How far outside the viewport blocks are kept rendered. */
const MARGIN = '1200px 0px';
/** Blocks rendered synchronously when they arrive, so the first screen never waits for the observer. */
const EAGER_BLOCKS = 2;
/** Characters of not-yet-scored text shown (faded) after the last token while a run streams. */
const PENDING_TAIL_CHARS = 20000;

interface BlockView { block: Block; el: HTMLElement; rendered: boolean; height?: number }

export class Heatmap {
  private text = '';
  private cols: TokenColumns = { starts: [], ends: [], nll: [], entropy: [], rank: [] };
  private metric: PanelMetric = 'nll';
  private geometry?: GeometryColumns;
  private views: BlockView[] = [];
  private readonly pending = document.createElement('span');
  private readonly observer: IntersectionObserver;
  private lineHeight = 18;

  constructor(private readonly root: HTMLElement) {
    this.pending.className = 'pending';
    this.observer = new IntersectionObserver(entries => this.onIntersect(entries), { root: null, rootMargin: MARGIN });
  }

  get tokenCount(): number { return this.cols.starts.length; }

  /** Replaces everything with a new document and its tokens. */
  reset(text: string, cols: TokenColumns, metric: PanelMetric): void {
    this.observer.disconnect();
    this.root.replaceChildren();
    this.views = [];
    this.text = text;
    this.metric = metric;
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

  setMetric(metric: PanelMetric): void {
    this.metric = metric;
    for (const v of this.views) if (v.rendered) this.paintClasses(v);
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
      else if (!entry.isIntersecting && view.rendered) this.unrender(view);
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
      span.textContent = this.text.slice(this.cols.starts[i], this.cols.ends[i]);
      frag.append(span);
    }
    view.el.replaceChildren(frag);
    view.el.style.minHeight = '';
    view.rendered = true;
    this.paintClasses(view);
  }

  private unrender(view: BlockView): void {
    view.height = view.el.getBoundingClientRect().height;
    view.el.style.minHeight = `${view.height}px`;
    view.el.replaceChildren();
    view.rendered = false;
  }

  private paintClasses(view: BlockView): void {
    const spans = view.el.children;
    for (let k = 0; k < spans.length; k++) {
      const i = view.block.first + k;
      const metric = this.metric;
      if (isCompareHeatMetric(metric)) {
        spans[k].className = `tok ${bucketClass(metric, compareBucket(metric, compareValue(metric, this.cols.compare, i)))}`;
        continue;
      }
      const b = heatBucket(metric, metricValue(metric, this.cols.nll[i], this.cols.entropy[i], this.cols.rank[i], this.geometry, i));
      spans[k].className = b < 0 ? 'tok hna' : `tok h${b}`;
    }
  }
}
