/** The grid's hover card: layer, token, its numbers at that layer and the top predictions there. */
import type { LensPage } from '../../src/protocol/layerLensPanel';

function el(tag: string, className: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

const bits = (nats: number | null) => (nats === null ? 'n/a' : `${(nats / Math.LN2).toFixed(2)} bits`);

export function fillLensTooltip(tip: HTMLElement, page: LensPage, labels: string[], layer: number, i: number): void {
  const n = page.tokens.length;
  const at = layer * n + i;
  const token = page.tokens[i];
  const head = el('div', 'tt-token', `${labels[layer]} · token ${page.from + i} ${token.text}`);
  if (!page.computed[i]) {
    tip.replaceChildren(head, el('div', 'tt-row', 'Not computed yet.'));
    return;
  }
  const rows = ([
    ['NLL', bits(page.nll[at])],
    ['Entropy', bits(page.entropy[at])],
    ['Rank', page.rank[at] === null ? 'n/a' : String(page.rank[at])],
    ['KL to final', bits(page.klToFinal[at])],
  ] as Array<[string, string]>).map(([k, v]) => {
    const r = el('div', 'tt-row');
    r.append(el('span', 'tt-label', k), el('span', 'tt-value', v));
    return r;
  });
  const top = el('div', 'tt-top');
  top.setAttribute('aria-label', `top ${page.k} at ${labels[layer]}`);
  for (let j = 0; j < page.k; j++) {
    const id = page.topIds[at * page.k + j];
    if (id < 0) continue;
    const line = el('div', `tt-pred${id === token.id ? ' actual' : ''}`);
    line.append(el('span', 'tt-pred-text', page.texts[id] ?? `#${id}`), el('span', 'tt-pred-prob', `${(page.topProbs[at * page.k + j] * 100).toFixed(1)}%`));
    top.append(line);
  }
  tip.replaceChildren(head, ...rows, top);
}

export function placeTooltip(tip: HTMLElement, anchor: HTMLElement): void {
  const r = anchor.getBoundingClientRect();
  tip.hidden = false;
  const w = tip.offsetWidth;
  const h = tip.offsetHeight;
  tip.style.left = `${Math.min(Math.max(4, r.left), window.innerWidth - w - 4)}px`;
  tip.style.top = `${r.bottom + 4 + h < window.innerHeight ? r.bottom + 4 : Math.max(4, r.top - h - 4)}px`;
}
