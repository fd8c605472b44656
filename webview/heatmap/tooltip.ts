/** The per-token tooltip, filled from the host's `token/details` reply (DOM built with textContent). */
import type { TokenDetails } from '../../src/protocol/heatmapPanel';
import { comparisonBlock } from './compareTooltip';

const VISIBLE: Record<string, string> = { ' ': '·', '\t': '→', '\n': '↵', '\r': '␍' };
export const visible = (s: string): string => s.replace(/[ \t\n\r]/g, c => VISIBLE[c]);
const bits = (nats: number | null) => (nats === null ? 'n/a' : `${(nats / Math.LN2).toFixed(2)} bits`);

function row(label: string, value: string): HTMLElement {
  const r = document.createElement('div');
  r.className = 'tt-row';
  const l = document.createElement('span');
  l.className = 'tt-label';
  l.textContent = label;
  const v = document.createElement('span');
  v.className = 'tt-value';
  v.textContent = value;
  r.append(l, v);
  return r;
}

/** `model`: the base model's name, shown over its column when the token is part of a comparison. */
export function fillTooltip(tip: HTMLElement, d: TokenDetails, model = 'base'): void {
  const title = document.createElement('div');
  title.className = 'tt-token';
  title.textContent = visible(d.text);
  const table = document.createElement('div');
  table.className = 'tt-top';
  for (const p of d.top) {
    const tr = document.createElement('div');
    tr.className = 'tt-pred';
    const name = document.createElement('span');
    name.className = 'tt-pred-text';
    name.textContent = visible(p.text);
    const prob = document.createElement('span');
    prob.className = 'tt-pred-prob';
    prob.textContent = `${(p.prob * 100).toFixed(1)}%`;
    tr.append(name, prob);
    table.append(tr);
  }
  const context = document.createElement('div');
  context.className = 'tt-context';
  context.textContent = visible(d.contextTail);
  tip.replaceChildren(
    title,
    row('id', String(d.id)),
    row('NLL', bits(d.nll)),
    row('Entropy', bits(d.entropy)),
    row('Rank', d.rank === null ? 'n/a' : String(d.rank)),
    row('Context', `${d.context} tokens`),
    context,
    ...(d.comparison ? comparisonBlock(d, model, row, visible) : []),
    ...(d.comparison && !d.comparison.segment ? [] : [table]),
  );
}

export function placeTooltip(tip: HTMLElement, anchor: HTMLElement): void {
  const r = anchor.getBoundingClientRect();
  tip.hidden = false;
  const w = tip.offsetWidth;
  const h = tip.offsetHeight;
  const left = Math.min(Math.max(4, r.left), window.innerWidth - w - 4);
  const below = r.bottom + 4 + h < window.innerHeight;
  tip.style.left = `${left}px`;
  tip.style.top = `${below ? r.bottom + 4 : Math.max(4, r.top - h - 4)}px`;
}
