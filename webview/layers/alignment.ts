/**
 * The per-layer alignment curve: A_k of the hidden state at each layer (embedding on the left, the
 * final layer, the spectrum panel's A_k, on the right) for a few k and the mean over k, as an SVG
 * drawn with DOM calls (no markup from data), and the same numbers as a table.
 */
import type { LayerAlignment } from '../../src/core/lens/types';

const SVG = 'http://www.w3.org/2000/svg';
const W = 520;
const H = 180;
const PAD = { left: 40, right: 16, top: 10, bottom: 28 };

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The series drawn: a few k and the mean over k = 1..K. */
export function alignmentSeries(a: LayerAlignment): Array<{ name: string; values: Array<number | null> }> {
  const K = Math.max(0, ...a.Ak.map(r => r.length));
  const ks = [...new Set([1, Math.min(4, K), K].filter(k => k >= 1))];
  const series: Array<{ name: string; values: Array<number | null> }> = ks.map(k => ({ name: `A_${k}`, values: a.Ak.map(r => r[k - 1] ?? null) }));
  series.push({ name: `mean A_1..${K}`, values: a.Ak.map(r => (r.length ? r.reduce((s, x) => s + x, 0) / r.length : null)) });
  return series;
}

export function renderAlignment(target: HTMLElement, a: LayerAlignment, labels: string[]): void {
  const series = alignmentSeries(a);
  const all = series.flatMap(s => s.values).filter((v): v is number => v !== null);
  // The axis spans the values (in steps of 0.05, labelled), so differences between layers show.
  const bottom = Math.max(0, Math.floor(Math.min(1, ...all) * 20) / 20 - 0.05);
  const top = Math.min(1, Math.ceil(Math.max(0, ...all) * 20) / 20 + 0.05);
  const L = labels.length;
  const x = (l: number) => PAD.left + (L <= 1 ? 0 : (l * (W - PAD.left - PAD.right)) / (L - 1));
  const y = (v: number) => PAD.top + (1 - (v - bottom) / Math.max(1e-9, top - bottom)) * (H - PAD.top - PAD.bottom);
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'alignment-chart', role: 'img', 'aria-label': `A_k of the hidden state at each layer, ${a.kernel} kernel, ${a.side} side` });
  for (const v of [bottom, (bottom + top) / 2, top]) {
    chart.append(svg('line', { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: 'grid-line' }));
    chart.append(svg('text', { x: PAD.left - 6, y: y(v) + 4, class: 'axis-label', 'text-anchor': 'end' }, v.toFixed(2)));
  }
  labels.forEach((name, l) => chart.append(svg('text', { x: x(l), y: H - 8, class: 'axis-label', 'text-anchor': 'middle' }, name === 'embedding' ? 'emb' : name.replace('block ', 'b'))));
  const legend = document.createElement('div');
  legend.className = 'legend';
  series.forEach((s, i) => {
    const points = s.values.map((v, l) => (v === null ? null : `${x(l).toFixed(1)},${y(v).toFixed(1)}`)).filter(Boolean).join(' ');
    chart.append(svg('polyline', { points, class: `series s${i}` }));
    s.values.forEach((v, l) => { if (v !== null) chart.append(svg('circle', { cx: x(l), cy: y(v), r: 2.5, class: `dot s${i}` })); });
    const key = document.createElement('span');
    key.className = `key s${i}`;
    const name = document.createElement('span');
    name.textContent = s.name;
    key.append(name);
    legend.append(key);
  });
  const table = document.createElement('table');
  table.className = 'alignment-table';
  const head = table.createTHead().insertRow();
  for (const h of ['layer', ...series.map(s => s.name), 'r_H']) {
    const th = document.createElement('th');
    th.textContent = h;
    head.append(th);
  }
  const body = table.createTBody();
  for (let l = L - 1; l >= 0; l--) {
    const row = body.insertRow();
    row.insertCell().textContent = labels[l];
    for (const s of series) row.insertCell().textContent = s.values[l] === null ? '-' : (s.values[l] as number).toFixed(3);
    row.insertCell().textContent = String(a.hiddenDims[l] ?? '-');
  }
  const caption = document.createElement('p');
  caption.className = 'note';
  caption.textContent = `Exact, ${a.kernel} kernel, ${a.side} side${a.windows > 1 ? `, mean over ${a.windows} spectrum windows` : ''}. ` +
    'The hidden state at each layer is the head\'s input when that layer is decoded; the last layer is the spectrum panel\'s A_k. ' +
    'Shift nulls are computed at the last layer only (spectrum panel).' + (a.note ? ` ${a.note}.` : '');
  target.replaceChildren(legend, chart, caption, table);
}
