/**
 * The layers × tokens grid: rows are layers (the final layer on top, the embedding at the bottom,
 * as the tuned-lens plots draw them), columns the page's tokens, headed below by the actual token;
 * each cell shows the layer's top-1 prediction where it fits, coloured by the chosen metric, and
 * carries its numbers in data attributes (tests and screen readers read them). Text via textContent.
 */
import type { LensMetric, LensPage } from '../../src/protocol/layerLensPanel';
import { lensBucket, lensValue } from './scale';

export interface GridCell { layer: number; token: number }

export class LensGrid {
  private page: LensPage | undefined;
  private labels: string[] = [];
  private metric: LensMetric = 'entropy';
  private selected: number | undefined;
  active: GridCell | undefined;

  constructor(private readonly root: HTMLElement) {}

  get count(): number { return this.labels.length; }
  get from(): number { return this.page?.from ?? 0; }
  get width(): number { return this.page?.tokens.length ?? 0; }
  get current(): LensPage | undefined { return this.page; }

  render(page: LensPage | undefined, labels: string[], metric: LensMetric): void {
    this.page = page;
    this.labels = labels;
    this.metric = metric;
    const rows: HTMLElement[] = [];
    const L = labels.length;
    for (let l = L - 1; l >= 0; l--) rows.push(this.layerRow(l));
    rows.push(this.tokenRow(), this.depthRow());
    this.root.replaceChildren(...rows);
    this.root.setAttribute('aria-rowcount', String(L + 2));
    this.markSelected();
  }

  setMetric(metric: LensMetric): void {
    this.metric = metric;
    const page = this.page;
    if (!page) return;
    for (const cell of this.root.querySelectorAll<HTMLElement>('.cell[data-layer]')) this.paint(cell, page, Number(cell.dataset.layer), Number(cell.dataset.i));
  }

  private layerRow(l: number): HTMLElement {
    const row = document.createElement('div');
    row.className = 'row';
    row.setAttribute('role', 'row');
    row.append(label(this.labels[l], l === this.labels.length - 1 ? 'final layer' : l === 0 ? 'the residual stream after the embedding' : `after block ${l}`));
    const page = this.page;
    if (!page) return row;
    for (let i = 0; i < page.tokens.length; i++) {
      const cell = document.createElement('div');
      cell.className = 'cell';
      cell.setAttribute('role', 'gridcell');
      cell.dataset.layer = String(l);
      cell.dataset.i = String(i);
      cell.dataset.token = String(page.from + i);
      this.paint(cell, page, l, i);
      row.append(cell);
    }
    return row;
  }

  /** Sets a cell's class, text and data from the page. */
  private paint(cell: HTMLElement, page: LensPage, l: number, i: number): void {
    const n = page.tokens.length;
    const at = l * n + i;
    const top1 = page.top1[at];
    const raw = page[this.metric][at];
    const bucket = lensBucket(this.metric, lensValue(this.metric, raw));
    const actual = top1 >= 0 && top1 === page.tokens[i].id;
    cell.className = `cell ${page.computed[i] ? (bucket >= 0 ? `h${bucket}` : 'hna') : 'pending'}${actual ? ' actual' : ''}`;
    cell.textContent = top1 >= 0 ? page.texts[top1] ?? `#${top1}` : '';
    for (const key of ['nll', 'entropy', 'rank', 'klToFinal'] as const) {
      const v = page[key][at];
      if (v === null) delete cell.dataset[key];
      else cell.dataset[key] = String(v);
    }
    if (top1 >= 0) cell.dataset.top1 = String(top1);
    else delete cell.dataset.top1;
    const shown = lensValue(this.metric, raw);
    cell.setAttribute('aria-label', page.computed[i]
      ? `${this.labels[l]}, token ${page.from + i}: predicts ${cell.textContent || 'nothing'}${actual ? ' (the actual token)' : ''}; ${this.metric} ${Number.isNaN(shown) ? 'n/a' : shown.toFixed(this.metric === 'rank' ? 0 : 2)}`
      : `${this.labels[l]}, token ${page.from + i}: not computed yet`);
  }

  private tokenRow(): HTMLElement {
    const row = document.createElement('div');
    row.className = 'row tokens';
    row.setAttribute('role', 'row');
    row.append(label('token', 'the actual token (what each column predicts)'));
    for (const [i, t] of (this.page?.tokens ?? []).entries()) {
      const cell = document.createElement('div');
      cell.className = 'cell token';
      cell.setAttribute('role', 'columnheader');
      cell.dataset.i = String(i);
      cell.dataset.token = String((this.page?.from ?? 0) + i);
      cell.textContent = t.text;
      row.append(cell);
    }
    return row;
  }

  private depthRow(): HTMLElement {
    const row = document.createElement('div');
    row.className = 'row depth';
    row.setAttribute('role', 'row');
    row.append(label('depth', 'prediction depth: the first layer from which the top-1 stays the final one'));
    for (const [i, d] of (this.page?.depth ?? []).entries()) {
      const cell = document.createElement('div');
      cell.className = 'cell depth';
      cell.dataset.i = String(i);
      cell.textContent = d === null ? '' : String(d);
      row.append(cell);
    }
    return row;
  }

  /** Highlights the selected token's column (a document index), if it is on the page. */
  select(token: number | undefined): void {
    this.selected = token;
    this.markSelected();
  }

  private markSelected(): void {
    for (const c of this.root.querySelectorAll('.cell.selected')) c.classList.remove('selected');
    if (this.selected === undefined) return;
    for (const c of this.root.querySelectorAll(`.cell[data-token="${this.selected}"]`)) c.classList.add('selected');
  }

  /** The cell element of (layer, page column i), if rendered. */
  cellAt(layer: number, i: number): HTMLElement | null {
    return this.root.querySelector<HTMLElement>(`.cell[data-layer="${layer}"][data-i="${i}"]`);
  }

  cellOf(target: EventTarget | null): GridCell | undefined {
    const el = (target as HTMLElement | null)?.closest?.('.cell[data-i]') as HTMLElement | null;
    if (!el || el.dataset.i === undefined) return undefined;
    const i = Number(el.dataset.i);
    return { layer: el.dataset.layer === undefined ? -1 : Number(el.dataset.layer), token: this.from + i };
  }

  /** Left offset of page column i, for scrolling. */
  columnLeft(i: number): number | undefined {
    const el = this.root.querySelector<HTMLElement>(`.row.tokens .cell[data-i="${i}"]`);
    return el ? el.offsetLeft : undefined;
  }
}

function label(text: string, title: string): HTMLElement {
  const el = document.createElement('div');
  el.className = 'label';
  el.setAttribute('role', 'rowheader');
  el.textContent = text;
  el.title = title;
  return el;
}
