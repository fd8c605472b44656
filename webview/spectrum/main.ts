/**
 * The spectrum panel: operator spectrum with ρ_j and A_k, a token scatter in two eigen-coordinates,
 * the calibration plot and the information-surplus figures (A1, A2 and B when run, C1 means), drawn with chart.js from the GeometryResult the host sends. Each view
 * names the provenance of its quantity (exact / model-defined / heuristic) from the result itself.
 * Commands to the host: options (kernel, side: the host recomputes), reveal a token, ready.
 */
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import './spectrum.css';
import {
  BarController, BarElement, CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement,
  LogarithmicScale, PointElement, ScatterController, Tooltip,
} from 'chart.js';
import { type HostToSpectrumMessage, isSpectrumOptions, KERNEL_NAMES, KERNEL_SIDES, type SpectrumChart, type SpectrumSnapshot, type SpectrumToHostMessage } from '../../src/protocol/spectrumPanel';
import {
  calibrationChartConfig, calibrationData, type ScatterData, scatterChartConfig, scatterData, spectrumChartConfig, spectrumData,
} from './chartConfig';
import { colourMetrics, escapeTokenText } from './metrics';
import { surplusRows, type SurplusRow } from './surplus';
import { readThemeColours, onThemeChange } from './theme';
import { hostChannel } from '../shared/vscodeApi';

Chart.register(BarController, BarElement, CategoryScale, Filler, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, ScatterController, Tooltip);

const host = hostChannel<HostToSpectrumMessage, SpectrumToHostMessage>();
const send = (m: SpectrumToHostMessage) => host.send(m);

const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
type Select = HTMLElement & { value: string };
const kernelSelect = byId<Select>('kernel');
const sideSelect = byId<Select>('side');
const jSelect = byId<Select>('eigen-j');
const coordSelect = byId<Select>('coords');
const colourSelect = byId<Select>('colour-by');

let snapshot: SpectrumSnapshot | undefined;
let j = 1;
let coords: 'psi' | 'phi' = 'psi';
let colourBy = 'nll';
const charts: Chart[] = [];
let scatter: { chart: Chart; data: ScatterData } | undefined;

function fillSelect(select: Select, options: ReadonlyArray<[string, string]>, value: string): void {
  select.replaceChildren(...options.map(([v, label]) => {
    const o = document.createElement('vscode-option');
    o.setAttribute('value', v);
    o.textContent = label;
    return o;
  }));
  select.value = value;
}

fillSelect(kernelSelect, KERNEL_NAMES.map(k => [k, k]), 'prototype');
fillSelect(sideSelect, KERNEL_SIDES.map(s => [s, s === 'model' ? 'model (p_t)' : 'data (observed next token)']), 'model');
fillSelect(coordSelect, [['psi', 'ψ (operator eigenvectors)'], ['phi', 'φ (hidden-state readouts)']], coords);

function label(id: string, text: string): void {
  byId(id).textContent = text;
}

function render(): void {
  for (const c of charts.splice(0)) c.destroy();
  scatter = undefined;
  const s = snapshot;
  const status = byId('status');
  status.className = s?.error ? 'error' : s?.running ? 'running' : '';
  status.textContent = s?.error ?? (s?.running ? 'Computing the geometry…' : '');
  byId('title').textContent = s ? `${s.fileName}: representation geometry` : 'No analysis yet';
  const g = s?.geometry;
  document.body.dataset.state = !s || s.running ? 'waiting' : g ? 'ready' : 'empty';
  byId('views').hidden = !g;
  if (!s || !g) { if (TEST_HOOKS) publish(undefined); return; }
  const colours = readThemeColours();
  const prov = g.provenance;
  // Views the engine switched off (head not W h + b, no hidden state) say why instead of plotting.
  const off = Object.values(g.views ?? {}).filter(v => !v.on).map(v => v.message);
  if (off.length) { status.className = 'notice'; status.textContent = [...new Set(off)].join(' · '); }

  const J = Math.max(1, g.perToken.psi.length);
  j = Math.min(Math.max(1, j), Math.max(1, J - 1));
  fillSelect(jSelect, Array.from({ length: Math.max(1, J - 1) }, (_, i) => [String(i + 1), `j = ${i + 1} (axes ${i + 1}, ${i + 2})`]), String(j));
  const metrics = colourMetrics(s, g, j);
  if (!metrics.some(m => m.key === colourBy)) colourBy = metrics[0].key;
  fillSelect(colourSelect, metrics.map(m => [m.key, m.label]), colourBy);

  const spec = spectrumData(g);
  charts.push(new Chart(byId<HTMLCanvasElement>('spectrum-canvas'), spectrumChartConfig(spec, colours, j) as never));
  label('spectrum-provenance', `λ: ${prov.eigenvalues} · kernel: ${prov.kernel} · ρ, A_k: ${g.alignment ? prov.alignment : 'n/a (no hidden states)'} · reading A_k as alignment: ${prov.alignmentReading}`);
  label('spectrum-note', `${g.kernel.label}. ${g.spectrum.method}; ${(100 * g.spectrum.explained).toFixed(1)}% of tr M in the ${g.eigenvalues.length} shown, effective rank ${g.spectrum.effectiveRank.toFixed(1)}.`
    + (g.alignment ? ` Null: ${g.alignment.shifts} circular shifts; A_1 at the ${g.alignment.nullPercentile.Ak[0]?.toFixed(0)}th percentile.` : ''));

  const axis = coords === 'psi' ? g.perToken.psi : g.perToken.phi;
  const metric = metrics.find(m => m.key === colourBy)!;
  const data = scatterData(axis[j - 1] ?? [], axis[j] ?? [], metric.values);
  const name = coords === 'psi' ? 'ψ' : 'φ';
  const chart = new Chart(byId<HTMLCanvasElement>('scatter-canvas'), scatterChartConfig(data, colours, `${name}${j}`, `${name}${j + 1}`,
    t => `#${t} ${escapeTokenText(s.tokenTexts[t] ?? '')} · ${metric.label} ${formatValue(metric.values[t])}`) as never);
  charts.push(chart);
  scatter = { chart, data };
  label('scatter-provenance', `coordinates: ${coords === 'psi' ? `${prov.eigenvalues} (eigenvectors)` : `${prov.alignment} (linear readouts of h)`} · colour: ${metric.provenance}`);
  label('scatter-note', `${data.points.length} of ${g.tokens} tokens; colours span ${data.range ? `${formatValue(data.range[0])} … ${formatValue(data.range[1])}` : 'n/a'} (2nd–98th percentile). Click a point to select its token in the editor.`);

  const cal = calibrationData(g);
  charts.push(new Chart(byId<HTMLCanvasElement>('calibration-canvas'), calibrationChartConfig(cal, colours) as never));
  label('calibration-provenance', `bins and diagonal: exact · error bars: exact under the model-as-source null · martingale Z: ${prov.martingaleZ}`);
  label('calibration-note', `ECE_H ${(g.document.eceH / Math.LN2).toFixed(3)} bits; martingale Z ${g.document.martingaleZ?.toFixed(2) ?? 'n/a'} (≈ N(0,1) if the text were sampled from the model). Grey bins hold fewer than 10 tokens.`);
  const surplus = surplusRows(g);
  renderSurplus(surplus);
  if (TEST_HOOKS) publish({ spec, cal, g, surplus });
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
  const caption = document.createElement('div');
  caption.className = 'note';
  caption.textContent = 'Model-defined figures use the model in place of the data process (not the paper\'s data quantity); heuristic ones are proxies. Capped by log T (A1) or log S (A2): compare documents of equal length only.';
  section.replaceChildren(title, table, caption);
}

const formatValue = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));

/** True only in the end-to-end tests' build (scripts/build.mjs); production bundles drop `publish`. */
declare const TEST_HOOKS: boolean;

/**
 * Test builds only: the plotted numbers, as a non-executed JSON script block (textContent, '<'
 * escaped). Scatter pixel positions are relative to the canvas, so a test can click a point.
 */
function publish(d: { spec: ReturnType<typeof spectrumData>; cal: ReturnType<typeof calibrationData>; g: NonNullable<SpectrumSnapshot['geometry']>; surplus: SurplusRow[] } | undefined): void {
  const meta = scatter?.chart.getDatasetMeta(0);
  const payload = d && {
    tokens: d.g.tokens, eigenvalues: d.spec.lambda, rho: d.spec.rho, Ak: d.spec.Ak, nullAk: d.spec.nullAk,
    provenance: d.g.provenance, j, coords, colourBy,
    // The theme colour the axes were drawn with (tests check that a theme switch redraws).
    foreground: readThemeColours().foreground,
    scatter: scatter && { tokens: scatter.data.points.map(p => p.token), pixels: meta?.data.map(e => [Math.round(e.x), Math.round(e.y)]) },
    calibration: d.cal.points,
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
  if (kernelSelect.value !== m.snapshot.options.kernel) kernelSelect.value = m.snapshot.options.kernel;
  if (sideSelect.value !== m.snapshot.options.side) sideSelect.value = m.snapshot.options.side;
  render();
}

host.onMessage(onMessage);

const optionsChanged = () => {
  const options = { kernel: kernelSelect.value, side: sideSelect.value };
  if (!snapshot || !isSpectrumOptions(options)) return;
  if (options.kernel === snapshot.options.kernel && options.side === snapshot.options.side) return;
  send({ type: 'spectrum/options', options });
};
kernelSelect.addEventListener('change', optionsChanged);
sideSelect.addEventListener('change', optionsChanged);
jSelect.addEventListener('change', () => { const v = Number(jSelect.value); if (v !== j && v >= 1) { j = v; render(); } });
coordSelect.addEventListener('change', () => { if (coordSelect.value !== coords) { coords = coordSelect.value === 'phi' ? 'phi' : 'psi'; render(); } });
colourSelect.addEventListener('change', () => { if (colourSelect.value !== colourBy) { colourBy = colourSelect.value; render(); } });

byId('scatter-canvas').addEventListener('click', e => {
  if (!scatter) return;
  const hit = scatter.chart.getElementsAtEventForMode(e, 'nearest', { intersect: true }, false)[0];
  if (hit) send({ type: 'token/reveal', index: scatter.data.points[hit.index].token });
});

onThemeChange(() => render());
send({ type: 'spectrum/ready' });
