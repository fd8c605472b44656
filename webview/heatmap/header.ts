/** The panel's header: document figures, the colour legend and the run status. Text via textContent only. */
import { isCompareHeatMetric } from '../../src/core/compare/heat';
import { HEAT_BOUNDS, HEAT_BUCKETS, METRIC_LABELS } from '../../src/core/heat';
import { type AnalysisHeader, type PanelMetric } from '../../src/protocol/heatmapPanel';
import { comparisonFigures, comparisonLegend } from './compareHeader';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

const fixed = (v: number | null | undefined, digits: number) => (v === null || v === undefined ? 'n/a' : v.toFixed(digits));

export function renderSummary(target: HTMLElement, h: AnalysisHeader | undefined, tokensSoFar: number): void {
  const items: Array<[string, string]> = h?.comparison ? [...comparisonFigures(h.comparison), ['Model', h.model.name], ['Tokens', String(h.summary.tokens)],
    ['Bits per byte', fixed(h.summary.bitsPerByte, 3)]] : h
    ? [
      ['Model', h.model.name],
      ['Tokens', String(h.summary.tokens)],
      ['Bits per byte', fixed(h.summary.bitsPerByte, 3)],
      ['Perplexity', fixed(h.summary.perplexity, 2)],
      ['Mean entropy', `${fixed(h.summary.meanEntropy === null ? null : h.summary.meanEntropy / Math.LN2, 2)} bits`],
      ['Context', `${h.model.contextLength} (window ${h.window}${h.windowCapped ? ', capped for memory' : ''}, stride ${h.stride})`],
      ['Time', `${(h.elapsedMs / 1000).toFixed(2)} s`],
    ]
    : [['Tokens', String(tokensSoFar)]];
  target.replaceChildren(...items.map(([k, v]) => {
    const item = el('span', 'figure');
    item.dataset.figure = k;
    item.append(el('span', 'figure-label', k), el('span', 'figure-value', v));
    // The whole sentence (which window, why, how to change it) on the figure that says "capped".
    if (k === 'Context' && h?.windowCapped) item.title = `${h.windowCapped}. Set markovLens.window, or raise markovLens.windowMemoryMB.`;
    return item;
  }));
}

export function renderLegend(target: HTMLElement, metric: PanelMetric, other = 'other'): void {
  if (isCompareHeatMetric(metric)) {
    const legend = comparisonLegend(metric, other);
    const swatches = legend.swatches.map(([cls, label]) => {
      const s = el('span', `swatch ${cls}`, label);
      s.title = `${legend.title} ${label}`;
      return s;
    });
    target.replaceChildren(el('span', 'legend-title', legend.title), ...swatches, el('span', 'swatch hna', 'n/a'),
      ...(legend.note ? [el('span', 'legend-note', legend.note)] : []));
    return;
  }
  const bounds = HEAT_BOUNDS[metric];
  const fmt = (v: number) => (metric === 'rank' ? String(v) : String(v));
  const swatches = Array.from({ length: HEAT_BUCKETS }, (_, b) => {
    const label = b === 0 ? `< ${fmt(bounds[0])}` : b === HEAT_BUCKETS - 1 ? `≥ ${fmt(bounds[b - 1])}` : `${fmt(bounds[b - 1])}–${fmt(bounds[b])}`;
    const s = el('span', `swatch h${b}`, label);
    s.title = `${METRIC_LABELS[metric]} ${label}`;
    return s;
  });
  target.replaceChildren(el('span', 'legend-title', METRIC_LABELS[metric]), ...swatches, el('span', 'swatch hna', 'n/a'));
}

export interface StatusView { running: boolean; done: number; total: number; stale: boolean; error?: string }

export function renderStatus(target: HTMLElement, s: StatusView): void {
  target.className = s.error ? 'error' : s.stale ? 'stale' : s.running ? 'running' : '';
  target.textContent = s.error
    ? s.done > 0 && s.done < s.total
      ? `Incomplete: ${s.done} of ${s.total} tokens were analysed before it stopped: ${s.error}`
      : `Analysis failed: ${s.error}`
    : s.stale
      ? 'The document changed since this analysis: these results are stale. Re-run to update.'
      : s.running
        ? `Analysing… ${s.done} / ${s.total || '?'} tokens`
        : '';
}
