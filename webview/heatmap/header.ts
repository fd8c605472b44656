/** The panel's header: document figures, the colour legend and the run status. Text via textContent only. */
import { type CompareHeatMetric } from '../../src/core/compare/heat';
import { bucketClass, type HeatScale } from '../../src/core/heatScale';
import { type AnalysisHeader } from '../../src/protocol/heatmapPanel';
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

/** The legend of a comparison metric: its fixed diverging buckets, naming which hue is better. */
export function renderComparisonLegend(target: HTMLElement, metric: CompareHeatMetric, other = 'other'): void {
  const legend = comparisonLegend(metric, other);
  const swatches = legend.swatches.map(([cls, label]) => {
    const s = el('span', `swatch ${cls}`, label);
    s.title = `${legend.title} ${label}`;
    return s;
  });
  target.replaceChildren(el('span', 'legend-title', legend.title), ...swatches, el('span', 'swatch hna', 'n/a'),
    ...(legend.note ? [el('span', 'legend-note', legend.note)] : []));
}

/**
 * The legend of a scale: per colour, what it means (in bits or rank) and the share of the
 * document's tokens in it; `unknown`: the share with no value (shown only when there are some).
 */
export function renderLegend(target: HTMLElement, scale: HeatScale, shares: number[], unknown: number): void {
  const pct = (x: number) => `${x > 0 && x < 0.005 ? '<1' : Math.round(x * 100)}%`;
  const swatches = Array.from({ length: scale.buckets }, (_, b) => {
    const meaning = scale.label(b);
    const s = el('span', `swatch ${bucketClass(scale.palette, b)}`);
    s.dataset.bucket = String(b);
    s.dataset.share = String(shares[b] ?? 0);
    s.append(el('span', 'swatch-label', meaning), el('span', 'swatch-share', pct(shares[b] ?? 0)));
    s.title = `${scale.title}: ${meaning}; ${pct(shares[b] ?? 0)} of the tokens`;
    s.setAttribute('aria-label', s.title);
    return s;
  });
  const parts: HTMLElement[] = [el('span', 'legend-title', scale.title), ...swatches];
  if (unknown > 0) {
    const na = el('span', 'swatch hna');
    na.append(el('span', 'swatch-label', 'n/a'), el('span', 'swatch-share', pct(unknown)));
    na.title = `No value (non-finite logits); ${pct(unknown)} of the tokens`;
    parts.push(na);
  }
  target.replaceChildren(...parts);
}

export interface StatusView { running: boolean; done: number; total: number; stale: boolean; reasons: string[]; error?: string }

/** The run status; a stale result names each reason and offers Re-run (`rerun`). */
export function renderStatus(target: HTMLElement, s: StatusView, rerun: () => void): void {
  const stale = s.reasons.length > 0;
  target.className = s.error ? 'error' : stale ? 'stale' : s.running ? 'running' : '';
  const text = s.error
    ? s.done > 0 && s.done < s.total
      ? `Incomplete: ${s.done} of ${s.total} tokens were analysed before it stopped: ${s.error}`
      : `Analysis failed: ${s.error}`
    : stale
      ? `These results are stale: ${s.reasons.join('; ')}.`
      : s.running
        ? `Analysing… ${s.done} / ${s.total || '?'} tokens`
        : '';
  target.replaceChildren(text);
  if (stale && !s.running) {
    const button = document.createElement('vscode-button');
    button.id = 'status-rerun';
    button.setAttribute('secondary', '');
    button.textContent = 'Re-run';
    button.addEventListener('click', rerun);
    target.append(' ', button);
  }
}
