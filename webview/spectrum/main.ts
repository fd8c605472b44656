/**
 * The spectrum panel: operator spectrum with ρ_j and A_k, a token scatter in two eigen-coordinates
 * (with a colour bar, drawn density-aware), the calibration plot and the information-surplus figures
 * (A1, A2 and B when run, C1 means), drawn with chart.js from the GeometryResult the host sends.
 * Each view names the provenance of its quantity (exact / model-defined / heuristic) from the result
 * itself. The kernel and side controls show the settings of the data on screen and offer only the
 * combinations the engine publishes as available (the others disabled, with the reason). Keyboard:
 * the scatter takes focus; arrow keys move from token to token, Enter shows the token in the editor.
 * Commands to the host: options (kernel, side), re-run, reveal a token, open a README section, ready.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import './spectrum.css';
import {
  BarController, BarElement, CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement,
  LogarithmicScale, PointElement, ScatterController, Tooltip,
} from 'chart.js';
import type { KernelChoice } from '../../src/core/geometry';
import {
  DOC_SECTIONS, type DocSection, type HostToSpectrumMessage, isSpectrumOptions, KERNEL_NAMES, KERNEL_SIDES, parseSpectrumState,
  type SpectrumChart, type SpectrumSnapshot, type SpectrumState, type SpectrumToHostMessage,
} from '../../src/protocol/spectrumPanel';
import {
  calibrationChartConfig, calibrationData, densityStyle, type ScatterData, scatterChartConfig, scatterData, spectrumChartConfig, spectrumData,
} from './chartConfig';
import { rampColour } from './colours';
import { colourMetrics, escapeTokenText } from './metrics';
import { surplusRows, type SurplusRow } from './surplus';
import { readThemeColours, onThemeChange } from './theme';
import { hostChannel } from '../shared/vscodeApi';

Chart.register(BarController, BarElement, CategoryScale, Filler, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, ScatterController, Tooltip);

const host = hostChannel<HostToSpectrumMessage, SpectrumToHostMessage, SpectrumState>();
const send = (m: SpectrumToHostMessage) => host.send(m);

const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
type Select = HTMLElement & { value: string; updateComplete?: Promise<unknown> };
const kernelSelect = byId<Select>('kernel');
const sideSelect = byId<Select>('side');
const jSelect = byId<Select>('eigen-j');
const coordSelect = byId<Select>('coords');
const colourSelect = byId<Select>('colour-by');

const restored = parseSpectrumState(host.loadState());
let snapshot: SpectrumSnapshot | undefined;
let drawnVersion = -1;
let j = restored?.j ?? 1;
let coords: 'psi' | 'phi' = restored?.coords ?? 'psi';
let colourBy = restored?.colourBy ?? 'nll';
const charts: Chart[] = [];
let scatter: { chart: Chart; data: ScatterData; label: (token: number) => string } | undefined;
/** The scatter point the keyboard is on (index into scatter.data.points). */
let activePoint = 0;

const KERNEL_LABELS: Record<string, string> = { prototype: 'prototype (the paper’s)', bhattacharyya: 'Bhattacharyya', haochen: 'HaoChen (not the paper’s)', linear: 'linear' };
const SIDE_LABELS: Record<string, string> = { model: 'model (p_t)', data: 'data (observed next token)' };

function option(value: string, label: string, disabled = false, why = ''): HTMLElement {
  const o = document.createElement('vscode-option');
  o.setAttribute('value', value);
  o.textContent = disabled ? `${label} (unavailable)` : label;
  if (disabled) { o.setAttribute('disabled', ''); o.title = why; o.setAttribute('description', why); }
  return o;
}

/** Sets a select's options when they change and its value always (the element applies new options asynchronously). */
function fillSelect(select: Select, options: HTMLElement[], value: string): void {
  const key = options.map(o => `${o.getAttribute('value')}:${o.hasAttribute('disabled')}`).join();
  if (select.dataset.options !== key) {
    select.dataset.options = key;
    select.replaceChildren(...options);
    void (select.updateComplete ?? Promise.resolve()).then(() => { select.value = value; });
  }
  select.value = value;
}

/**
 * The kernel and side controls: the options of the data on screen, and only the combinations the
 * engine offers (with the other side fixed); the rest disabled, and why, in the tooltip and below.
 */
function fillOptionControls(s: SpectrumSnapshot): void {
  const choice = (kernel: string, side: string): KernelChoice | undefined => s.choices.find(c => c.kernel === kernel && c.side === side);
  fillSelect(kernelSelect, KERNEL_NAMES.map(k => {
    const c = choice(k, s.options.side);
    return option(k, KERNEL_LABELS[k] ?? k, !c?.available, c?.reason ?? '');
  }), s.options.kernel);
  fillSelect(sideSelect, KERNEL_SIDES.map(side => {
    const c = choice(s.options.kernel, side);
    return option(side, SIDE_LABELS[side], !c?.available, c?.reason ?? '');
  }), s.options.side);
  const off = s.choices.filter(c => !c.available);
  const text = [...new Set(off.map(c => c.reason))].map(reason => {
    const pairs = off.filter(c => c.reason === reason).map(c => `${KERNEL_LABELS[c.kernel] ?? c.kernel} on the ${c.side} side`);
    return `Not offered: ${pairs.join(', ')} (${reason}).`;
  }).join(' ');
  kernelSelect.title = text;
  sideSelect.title = text;
  byId('unavailable').textContent = text;
  document.body.dataset.kernel = s.options.kernel;
  document.body.dataset.side = s.options.side;
}

fillSelect(coordSelect, [option('psi', 'ψ (operator eigenvectors)'), option('phi', 'φ (hidden-state readouts)')], coords);

function label(id: string, text: string): void {
  byId(id).textContent = text;
}

function persist(): void {
  if (snapshot) host.saveState({ uri: snapshot.uri, options: snapshot.options, j, coords, colourBy });
}

/** The status line: an error, a notice, what is being computed, or why the data on screen is stale (with Re-run). */
function renderStatus(s: SpectrumSnapshot | undefined): void {
  const status = byId('status');
  const parts: string[] = [];
  let kind = '';
  if (s?.error) { parts.push(s.error); kind = 'error'; }
  if (s?.notice) { parts.push(s.notice); kind ||= 'notice'; }
  if (s?.running) { parts.push('The document is being analysed; the spectrum follows when it is done.'); kind ||= 'running'; }
  else if (s?.computing) {
    const shown = s.geometry ? ` (the charts show the ${s.options.kernel} kernel, ${s.options.side} side until it is done)` : '';
    parts.push(`Computing the ${s.computing.kernel} kernel, ${s.computing.side} side, from the kept analysis (the model does not run)…${shown}`);
    kind ||= 'running';
  }
  if (s?.staleReasons.length) { parts.push(`These results are stale: ${s.staleReasons.join('; ')}.`); kind ||= 'stale'; }
  const g = s?.geometry;
  const off = g ? [...new Set(Object.values(g.views ?? {}).filter(v => !v.on).map(v => v.message))] : [];
  if (off.length) { parts.push(off.join(' · ')); kind ||= 'notice'; }
  status.className = kind;
  status.replaceChildren(parts.join(' '));
  if (s?.canRerun && (s.error || s.staleReasons.length)) {
    const button = document.createElement('vscode-button');
    button.id = 'status-rerun';
    button.setAttribute('secondary', '');
    button.textContent = 'Re-run';
    button.addEventListener('click', () => send({ type: 'spectrum/rerun' }));
    status.append(' ', button);
  }
  document.body.dataset.computing = s?.computing ? `${s.computing.kernel}/${s.computing.side}` : '';
  document.body.dataset.stale = String((s?.staleReasons.length ?? 0) > 0);
}

function render(): void {
  const s = snapshot;
  renderStatus(s);
  byId('title').textContent = s ? `${s.fileName}: representation geometry` : 'No analysis yet';
  if (s) fillOptionControls(s);
  const g = s?.geometry;
  document.body.dataset.state = !s || (!g && (s.running || s.computing)) ? 'waiting' : g ? 'ready' : 'empty';
  byId('views').hidden = !g;
  byId('views').classList.toggle('updating', Boolean(g && s?.computing));
  if (!s || !g) {
    for (const c of charts.splice(0)) c.destroy();
    scatter = undefined;
    drawnVersion = -1;
    if (TEST_HOOKS) publish(undefined);
    return;
  }
  // The charts are drawn again only when the data (or a display choice) changed.
  if (drawnVersion === s.version) return;
  drawnVersion = s.version;
  drawCharts(s, g);
}

function drawCharts(s: SpectrumSnapshot, g: NonNullable<SpectrumSnapshot['geometry']>): void {
  for (const c of charts.splice(0)) c.destroy();
  scatter = undefined;
  const colours = readThemeColours();
  const prov = g.provenance;

  const J = Math.max(1, g.perToken.psi.length);
  j = Math.min(Math.max(1, j), Math.max(1, J - 1));
  fillSelect(jSelect, Array.from({ length: Math.max(1, J - 1) }, (_, i) => option(String(i + 1), `j = ${i + 1} (axes ${i + 1}, ${i + 2})`)), String(j));
  const metrics = colourMetrics(s, g, j);
  if (!metrics.some(m => m.key === colourBy)) colourBy = metrics[0].key;
  fillSelect(colourSelect, metrics.map(m => option(m.key, m.label)), colourBy);

  const spec = spectrumData(g);
  charts.push(new Chart(byId<HTMLCanvasElement>('spectrum-canvas'), spectrumChartConfig(spec, colours, j) as never));
  label('spectrum-provenance', `λ: ${prov.eigenvalues} · kernel: ${prov.kernel} · ρ, A_k: ${g.alignment ? prov.alignment : 'n/a (no hidden states)'} · reading A_k as alignment: ${prov.alignmentReading}`);
  label('spectrum-note', `${g.kernel.label}. ${g.spectrum.method}; ${(100 * g.spectrum.explained).toFixed(1)}% of tr M in the ${g.eigenvalues.length} shown, effective rank ${g.spectrum.effectiveRank.toFixed(1)}.`
    + (g.alignment ? ` Null: ${g.alignment.shifts} circular shifts; A_1 at the ${g.alignment.nullPercentile.Ak[0]?.toFixed(0)}th percentile.` : ''));

  const axis = coords === 'psi' ? g.perToken.psi : g.perToken.phi;
  const metric = metrics.find(m => m.key === colourBy)!;
  const data = scatterData(axis[j - 1] ?? [], axis[j] ?? [], metric.values);
  const words = coords === 'psi' ? 'position along operator direction' : 'hidden-state readout of direction';
  const name = coords === 'psi' ? 'ψ' : 'φ';
  const tokenLabel = (t: number) => `#${t} ${escapeTokenText(s.tokenTexts[t] ?? '')} · ${metric.label} ${formatValue(metric.values[t])}`;
  const chart = new Chart(byId<HTMLCanvasElement>('scatter-canvas'), scatterChartConfig(data, colours, `${words} ${j} (${name}${j})`, `${words} ${j + 1} (${name}${j + 1})`, tokenLabel) as never);
  charts.push(chart);
  scatter = { chart, data, label: tokenLabel };
  activePoint = Math.min(activePoint, Math.max(0, data.points.length - 1));
  drawColourBar(data, metric.label, colours.ramp);
  const density = densityStyle(data.points.length);
  label('scatter-provenance', `coordinates: ${coords === 'psi' ? `${prov.eigenvalues} (eigenvectors)` : `${prov.alignment} (linear readouts of h)`} · colour: ${metric.provenance}`);
  label('scatter-note', `${data.points.length} of ${g.tokens} tokens, drawn ${density.radius.toFixed(1)} px at ${Math.round(density.alpha * 100)}% opacity so that dense regions show darker. Click a point, or focus the chart and use the arrow keys and Enter, to select its token in the editor.`);
  byId('scatter-canvas').setAttribute('aria-label', `Token scatter, ${data.points.length} tokens: arrow keys move from token to token, Enter shows the token in the editor`);

  const cal = calibrationData(g);
  charts.push(new Chart(byId<HTMLCanvasElement>('calibration-canvas'), calibrationChartConfig(cal, colours) as never));
  label('calibration-provenance', `bins and diagonal: exact · error bars: exact under the model-as-source null · martingale Z: ${prov.martingaleZ}`);
  const z = g.document.martingaleZ;
  label('calibration-note', `ECE_H ${(g.document.eceH / Math.LN2).toFixed(3)} bits. Martingale Z ${z?.toFixed(2) ?? 'n/a'} (≈ N(0,1) if the text were sampled from the model); also the Fast-DetectGPT analytic criterion with the sign flipped: −Z = ${z === null ? 'n/a' : (-z).toFixed(2)} (arXiv 2310.05130). Grey bins hold fewer than 10 tokens.`);
  const surplus = surplusRows(g);
  renderSurplus(surplus);
  persist();
  if (TEST_HOOKS) publish({ spec, cal, g, surplus, density });
}

/** The scatter's colour bar: the ramp from the low to the high end of the colour range, labelled. */
function drawColourBar(data: ScatterData, metricLabel: string, ramp: ReturnType<typeof readThemeColours>['ramp']): void {
  const canvas = byId<HTMLCanvasElement>('scatter-colourbar');
  const width = Math.max(120, canvas.parentElement?.clientWidth ?? 300);
  const ratio = window.devicePixelRatio || 1;
  canvas.width = width * ratio;
  canvas.height = 34 * ratio;
  canvas.style.width = `${width}px`;
  canvas.style.height = '34px';
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.scale(ratio, ratio);
  const fg = readThemeColours().foreground;
  ctx.clearRect(0, 0, width, 34);
  for (let x = 0; x < width; x++) {
    ctx.fillStyle = rampColour(ramp, x / (width - 1));
    ctx.fillRect(x, 0, 1, 12);
  }
  ctx.fillStyle = fg;
  ctx.font = `${getComputedStyle(document.body).fontSize || '12px'} ${getComputedStyle(document.body).fontFamily}`;
  ctx.textBaseline = 'top';
  const range = data.range;
  const low = range ? formatValue(range[0]) : 'n/a';
  const high = range ? formatValue(range[1]) : 'n/a';
  ctx.textAlign = 'left';
  ctx.fillText(`${low} or less`, 0, 16);
  ctx.textAlign = 'right';
  ctx.fillText(`${high} or more`, width, 16);
  ctx.textAlign = 'center';
  ctx.fillText(metricLabel, width / 2, 16);
  canvas.setAttribute('aria-label', `Colour bar: ${metricLabel} from ${low} (blue) to ${high} (red), the 2nd to 98th percentile of the tokens; grey: no value`);
  canvas.dataset.low = String(range?.[0] ?? '');
  canvas.dataset.high = String(range?.[1] ?? '');
}

/** The surplus figures as a small table (its section is made here: the page's HTML has the charts). */
function renderSurplus(rows: SurplusRow[]): void {
  let section = document.getElementById('surplus-view');
  if (!section) {
    section = document.createElement('section');
    section.className = 'view';
    section.id = 'surplus-view';
    byId('views').append(section);
  }
  const cell = (tag: 'th' | 'td', text: string, className?: string) => {
    const c = document.createElement(tag);
    c.textContent = text;
    if (className) c.className = className;
    return c;
  };
  const table = document.createElement('table');
  table.id = 'surplus-table';
  for (const r of rows) {
    const figure = document.createElement('tr');
    figure.dataset.key = r.key;
    figure.append(cell('th', r.name), cell('td', r.text, 'surplus-value'), cell('td', r.provenance, `surplus-provenance ${r.provenance}`));
    const note = document.createElement('tr');
    const text = cell('td', r.note, 'note');
    text.colSpan = 3;
    note.append(text);
    table.append(figure, note);
  }
  const title = document.createElement('h2');
  title.textContent = 'Information surplus';
  const caption = document.createElement('p');
  caption.className = 'caption';
  caption.textContent = 'How much the hidden state knows about what comes after the next token, beyond the next token itself. ';
  const link = document.createElement('a');
  // A constant target (the click handler sends docs/open): no document or model text reaches an href.
  link.setAttribute('href', '#');
  link.className = 'docs';
  link.dataset.docs = 'representation-geometry';
  link.textContent = 'Learn more';
  caption.append(link);
  const note = document.createElement('div');
  note.className = 'note';
  note.textContent = 'Model-defined figures use the model in place of the data process (not the paper\'s data quantity); heuristic ones are proxies. Capped by log T (A1) or log S (A2): compare documents of equal length only.';
  section.replaceChildren(title, caption, table, note);
}

const formatValue = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));

/** True only in the end-to-end tests' build (scripts/build.mjs); production bundles drop `publish`. */
declare const TEST_HOOKS: boolean;

/**
 * Test builds only: the plotted numbers, as a non-executed JSON script block (textContent, '<'
 * escaped). Scatter pixel positions are relative to the canvas, so a test can click a point.
 */
function publish(d: { spec: ReturnType<typeof spectrumData>; cal: ReturnType<typeof calibrationData>; g: NonNullable<SpectrumSnapshot['geometry']>; surplus: SurplusRow[]; density: { radius: number; alpha: number } } | undefined): void {
  const meta = scatter?.chart.getDatasetMeta(0);
  const payload = d && {
    tokens: d.g.tokens, eigenvalues: d.spec.lambda, rho: d.spec.rho, Ak: d.spec.Ak, nullAk: d.spec.nullAk,
    provenance: d.g.provenance, j, coords, colourBy, kernel: d.g.kernel.name, side: d.g.kernel.side, version: snapshot?.version,
    // The theme colour the axes were drawn with (tests check that a theme switch redraws).
    foreground: readThemeColours().foreground,
    scatter: scatter && { tokens: scatter.data.points.map(p => p.token), pixels: meta?.data.map(e => [Math.round(e.x), Math.round(e.y)]), radius: d.density.radius, alpha: d.density.alpha },
    calibration: d.cal.points,
    // Every axis title of each chart (tests check they are words, not symbols only).
    axes: Object.fromEntries(['spectrum', 'scatter', 'calibration'].map((id, i) => [id,
      Object.values((charts[i]?.options.scales ?? {}) as Record<string, { title?: { text?: string } }>).map(a => a.title?.text ?? null)])),
    surplus: d.surplus.map(r => ({ key: r.key, value: r.value, ci: r.ci, provenance: r.provenance })),
  };
  let block = document.getElementById('chart-data');
  if (!block) {
    block = document.createElement('script');
    block.setAttribute('type', 'application/json');
    block.id = 'chart-data';
    document.body.append(block);
  }
  block.textContent = JSON.stringify(payload ?? null).replace(/</g, '\\u003c');
}

/** Export: one chart as chart.js draws it (toBase64Image), or why it is not there. */
function sendChart(requestId: number, id: SpectrumChart): void {
  if (!snapshot || snapshot.running) return; // not drawn yet: the host asks again
  const chart = charts.find(c => c.canvas.id === `${id}-canvas`);
  if (!chart) { send({ type: 'export/image', requestId, error: `the ${id} chart is not shown (no geometry for this analysis)` }); return; }
  send({ type: 'export/image', requestId, png: chart.toBase64Image('image/png', 1).replace(/^data:image\/png;base64,/, '') });
}

function onMessage(m: HostToSpectrumMessage): void {
  if (m.type === 'export/capture') { sendChart(m.requestId, m.chart); return; }
  if (m.type !== 'spectrum/snapshot') return;
  snapshot = m.snapshot;
  render();
}

host.onMessage(onMessage);

const optionsChanged = (changed: 'kernel' | 'side') => () => {
  const s = snapshot;
  if (!s) return;
  const options = { kernel: changed === 'kernel' ? kernelSelect.value : s.options.kernel, side: changed === 'side' ? sideSelect.value : s.options.side };
  if (!isSpectrumOptions(options) || (options.kernel === s.options.kernel && options.side === s.options.side)) return;
  const c = s.choices.find(x => x.kernel === options.kernel && x.side === options.side);
  // The controls keep showing the data on screen: a choice that cannot be computed is never sent.
  if (!c?.available) { fillOptionControls(s); return; }
  send({ type: 'spectrum/options', options });
  // Until the new data is on screen, the controls show the data that is.
  fillOptionControls(s);
};
kernelSelect.addEventListener('change', optionsChanged('kernel'));
sideSelect.addEventListener('change', optionsChanged('side'));
const redraw = () => { drawnVersion = -1; render(); };
jSelect.addEventListener('change', () => { const v = Number(jSelect.value); if (v !== j && v >= 1) { j = v; redraw(); } });
coordSelect.addEventListener('change', () => { if (coordSelect.value !== coords) { coords = coordSelect.value === 'phi' ? 'phi' : 'psi'; redraw(); } });
colourSelect.addEventListener('change', () => { if (colourSelect.value !== colourBy) { colourBy = colourSelect.value; redraw(); } });

const scatterCanvas = byId('scatter-canvas');
scatterCanvas.addEventListener('click', e => {
  if (!scatter) return;
  const hit = scatter.chart.getElementsAtEventForMode(e, 'nearest', { intersect: true }, false)[0];
  if (hit) { activePoint = hit.index; send({ type: 'token/reveal', index: scatter.data.points[hit.index].token }); }
});

/** Moves the keyboard's point: highlighted in the chart, with its tooltip, and read out. */
function showPoint(index: number): void {
  if (!scatter || scatter.data.points.length === 0) return;
  activePoint = Math.max(0, Math.min(scatter.data.points.length - 1, index));
  const el = [{ datasetIndex: 0, index: activePoint }];
  const meta = scatter.chart.getDatasetMeta(0).data[activePoint];
  scatter.chart.setActiveElements(el);
  scatter.chart.tooltip?.setActiveElements(el, { x: meta?.x ?? 0, y: meta?.y ?? 0 });
  scatter.chart.update('none');
  const token = scatter.data.points[activePoint].token;
  byId('scatter-live').textContent = `Token ${scatter.label(token)}. Enter shows it in the editor.`;
  scatterCanvas.dataset.activeToken = String(token);
}
scatterCanvas.addEventListener('focus', () => showPoint(activePoint));
scatterCanvas.addEventListener('keydown', e => {
  if (!scatter) return;
  const step: Record<string, number> = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1, PageDown: 50, PageUp: -50 };
  if (e.key in step) { e.preventDefault(); showPoint(activePoint + step[e.key]); return; }
  if (e.key === 'Home' || e.key === 'End') { e.preventDefault(); showPoint(e.key === 'Home' ? 0 : scatter.data.points.length - 1); return; }
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    send({ type: 'token/reveal', index: scatter.data.points[activePoint].token });
  }
});

document.addEventListener('click', e => {
  const link = (e.target as HTMLElement | null)?.closest?.('a.docs') as HTMLElement | null;
  if (!link) return;
  e.preventDefault();
  const section = link.dataset.docs;
  if ((DOC_SECTIONS as readonly string[]).includes(section ?? '')) send({ type: 'docs/open', section: section as DocSection });
});

onThemeChange(() => redraw());
window.addEventListener('resize', () => { if (scatter) drawColourBar(scatter.data, colourMetrics(snapshot!, snapshot!.geometry!, j).find(m => m.key === colourBy)?.label ?? '', readThemeColours().ramp); });
send({ type: 'spectrum/ready' });
