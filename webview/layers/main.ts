/**
 * The layer-lens panel: a layers × tokens grid of the page of tokens the host sends (around where
 * the editor is), coloured by the chosen metric, following the editor's and the heatmap's scrolling
 * and selection; hover or keyboard focus shows a cell's numbers and top predictions; click or Enter
 * reveals the token. The per-layer alignment curve shows once computed. Everything the host sends
 * reaches the DOM as text.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import './layers.css';
import { HEAT_BUCKETS } from '../../src/core/heat';
import {
  type HostToLensMessage, isLensMetric, LENS_METRICS, type LensFocus, type LensMetric, type LensPanelState, type LensSnapshot, type LensStatus,
  type LensToHostMessage, parseLensPanelState,
} from '../../src/protocol/layerLensPanel';
import { hostChannel } from '../shared/vscodeApi';
import { renderAlignment } from './alignment';
import { LensGrid } from './grid';
import { LENS_LABELS, lensBounds } from './scale';
import { fillLensTooltip, placeTooltip } from './tooltip';

const host = hostChannel<HostToLensMessage, LensToHostMessage, LensPanelState>();
const send = (m: LensToHostMessage) => host.send(m);
const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
type Select = HTMLElement & { value: string };
type Checkbox = HTMLElement & { checked: boolean };

const gridRoot = byId('grid');
const scroller = byId('grid-scroll');
const tooltip = byId('tooltip');
const metricSelect = byId<Select>('metric');
const depthBox = byId<Checkbox>('depth-colouring');
const grid = new LensGrid(gridRoot);

const restored = parseLensPanelState(host.loadState());
let snapshot: LensSnapshot | undefined;
let metric: LensMetric = restored?.metric ?? 'entropy';

metricSelect.replaceChildren(...LENS_METRICS.map(m => {
  const o = document.createElement('vscode-option');
  o.setAttribute('value', m);
  o.textContent = LENS_LABELS[m];
  return o;
}));
metricSelect.value = metric;

function renderLegend(): void {
  const bounds = lensBounds(metric);
  const swatches = Array.from({ length: HEAT_BUCKETS }, (_, b) => {
    const s = document.createElement('span');
    s.className = `swatch h${b}`;
    s.textContent = b === 0 ? `< ${bounds[0]}` : b === HEAT_BUCKETS - 1 ? `≥ ${bounds[b - 1]}` : `${bounds[b - 1]}–${bounds[b]}`;
    return s;
  });
  const title = document.createElement('span');
  title.className = 'legend-title';
  title.textContent = LENS_LABELS[metric];
  const actual = document.createElement('span');
  actual.className = 'swatch actual-key';
  actual.textContent = 'underlined: predicts the actual token';
  byId('legend').replaceChildren(title, ...swatches, actual);
}

function renderStatus(s: LensStatus, off?: string, stale?: boolean): void {
  const el = byId('status');
  const text = off ?? s.error ?? (s.computing ? `${s.message ?? 'Computing the layer lens'}… ${s.done} / ${s.total} tokens` : s.message) ??
    (stale ? 'The analysis changed since this lens was computed.' : '');
  el.className = off || s.error ? 'error' : s.computing ? 'running' : stale ? 'stale' : '';
  el.textContent = text;
  byId('recompute').hidden = !stale;
  document.body.dataset.state = off || s.error ? 'error' : s.computing ? 'computing' : snapshot?.page ? 'ready' : 'empty';
}

function persist(): void {
  if (snapshot) host.saveState({ uri: snapshot.uri, metric });
}

function showSnapshot(s: LensSnapshot): void {
  snapshot = s;
  metric = s.metric;
  metricSelect.value = metric;
  depthBox.checked = s.depthColouring;
  byId('title').textContent = `${s.fileName} · ${s.modelName} · ${s.count ? `${s.count} layers (embedding + ${s.count - 1} blocks)` : ''}`;
  grid.render(s.page, s.labels, metric);
  renderLegend();
  renderStatus(s.status, s.off, s.stale);
  const view = byId('alignment-view');
  if (s.alignment) {
    view.hidden = false;
    renderAlignment(byId('alignment-body'), s.alignment, s.labels);
  } else {
    view.hidden = !s.alignmentOff;
    byId('alignment-body').textContent = s.alignmentOff ?? '';
  }
  followFocus(s.focus);
  persist();
}

/** Scrolls the grid to the focus: the selected token centred, else the first visible one at the left. */
function followFocus(f: LensFocus): void {
  if (!snapshot) return;
  snapshot.focus = f;
  grid.select(f.selected);
  const target = f.selected ?? f.first;
  const i = target - grid.from;
  if (i < 0 || i >= grid.width) return;
  const left = grid.columnLeft(i);
  if (left === undefined) return;
  const labelWidth = gridRoot.querySelector<HTMLElement>('.label')?.offsetWidth ?? 0;
  const cell = gridRoot.querySelector<HTMLElement>('.row.tokens .cell')?.offsetWidth ?? 60;
  const room = scroller.clientWidth - labelWidth;
  programmaticScroll = true;
  scroller.scrollLeft = f.selected !== undefined ? left - labelWidth - room / 2 + cell / 2 : left - labelWidth;
  document.body.dataset.focus = String(target);
}

function onMessage(m: HostToLensMessage): void {
  switch (m.type) {
    case 'lens/snapshot':
      showSnapshot(m.snapshot);
      return;
    case 'lens/focus':
      if (m.uri === snapshot?.uri) followFocus(m.focus);
      return;
    case 'lens/progress':
      if (m.uri === snapshot?.uri) renderStatus(m.status, snapshot.off, snapshot.stale);
      return;
  }
}

// ---- hover, click and keyboard ----
function showTip(layer: number, i: number): void {
  const page = grid.current;
  const anchor = grid.cellAt(layer, i);
  if (!page || !anchor || !snapshot) return;
  fillLensTooltip(tooltip, page, snapshot.labels, layer, i);
  placeTooltip(tooltip, anchor);
}

gridRoot.addEventListener('mouseover', e => {
  const c = grid.cellOf(e.target);
  if (!c || c.layer < 0) return;
  showTip(c.layer, c.token - grid.from);
});
gridRoot.addEventListener('mouseleave', () => { tooltip.hidden = true; });
gridRoot.addEventListener('click', e => {
  const c = grid.cellOf(e.target);
  if (c) {
    if (c.layer >= 0) setActive(c.layer, c.token - grid.from, false);
    send({ type: 'token/reveal', index: c.token });
  }
});

function setActive(layer: number, i: number, tip = true): void {
  const count = grid.count;
  if (!count || !grid.width) return;
  const l = Math.max(0, Math.min(count - 1, layer));
  const col = Math.max(0, Math.min(grid.width - 1, i));
  grid.cellAt(grid.active?.layer ?? -1, (grid.active?.token ?? 0) - grid.from)?.classList.remove('active');
  grid.active = { layer: l, token: grid.from + col };
  const el = grid.cellAt(l, col);
  el?.classList.add('active');
  if (el) gridRoot.setAttribute('aria-activedescendant', el.id = `cell-${l}-${col}`);
  el?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  if (tip) showTip(l, col);
}

gridRoot.addEventListener('keydown', e => {
  const a = grid.active ?? { layer: grid.count - 1, token: snapshot?.focus.selected ?? snapshot?.focus.first ?? grid.from };
  const i = a.token - grid.from;
  const moves: Record<string, [number, number]> = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [1, 0], ArrowDown: [-1, 0], Home: [0, -i], End: [0, grid.width - 1 - i] };
  if (moves[e.key]) {
    e.preventDefault();
    setActive(a.layer + moves[e.key][0], i + moves[e.key][1]);
  } else if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    send({ type: 'token/reveal', index: a.token });
  } else if (e.key === 'Escape') {
    tooltip.hidden = true;
  }
});
gridRoot.addEventListener('focus', () => { if (!grid.active) setActive(grid.count - 1, (snapshot?.focus.selected ?? snapshot?.focus.first ?? grid.from) - grid.from); });
gridRoot.addEventListener('blur', () => { tooltip.hidden = true; });

// ---- the panel's own scrolling asks for the tokens it now shows ----
let programmaticScroll = false;
let scrollTimer: number | undefined;
scroller.addEventListener('scroll', () => {
  tooltip.hidden = true;
  if (programmaticScroll) { programmaticScroll = false; return; }
  window.clearTimeout(scrollTimer);
  scrollTimer = window.setTimeout(() => {
    if (!snapshot?.page || !grid.width) return;
    const cells = [...gridRoot.querySelectorAll<HTMLElement>('.row.tokens .cell')];
    const left = scroller.scrollLeft;
    const right = left + scroller.clientWidth;
    const shown = cells.filter(c => c.offsetLeft + c.offsetWidth > left && c.offsetLeft < right).map(c => Number(c.dataset.token));
    if (shown.length) send({ type: 'lens/visible', first: Math.min(...shown), last: Math.max(...shown) });
  }, 200);
});

metricSelect.addEventListener('change', () => {
  if (!isLensMetric(metricSelect.value) || metricSelect.value === metric) return;
  metric = metricSelect.value;
  grid.setMetric(metric);
  if (snapshot) snapshot.metric = metric;
  renderLegend();
  persist();
  send({ type: 'lens/metric', metric });
});
depthBox.addEventListener('change', () => send({ type: 'lens/depthColouring', on: depthBox.checked }));
byId('alignment').addEventListener('click', () => send({ type: 'lens/alignment' }));
byId('recompute').addEventListener('click', () => send({ type: 'lens/recompute' }));

host.onMessage(onMessage);
renderLegend();
send({ type: 'lens/ready' });
