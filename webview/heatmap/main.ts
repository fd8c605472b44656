/**
 * The heatmap panel: receives the document and its token metrics from the host, renders them, and
 * sends back only validated-shape commands (reveal a token, details for a tooltip, metric, re-run).
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import { COMPARE_LABELS, COMPARE_METRICS, type CompareHeatMetric, CROSS_TOKENIZER_METRICS, isCompareHeatMetric } from '../../src/core/compare/heat';
import { GEOMETRY_HEAT_METRICS, type GeometryColumns, HEAT_METRICS, isGeometryHeatMetric, METRIC_LABELS } from '../../src/core/heat';
import { type AnalysisHeader, type HostToPanelMessage, isPanelMetric, type PanelMetric, type PanelSnapshot, type PanelState, type PanelToHostMessage, parsePanelState } from '../../src/protocol/heatmapPanel';
import { captureHeatmap } from './capture';
import { renderLegend, renderStatus, renderSummary, type StatusView } from './header';
import { Heatmap } from './heatmap';
import { fillTooltip, placeTooltip } from './tooltip';
import { hostChannel } from '../shared/vscodeApi';

const host = hostChannel<HostToPanelMessage, PanelToHostMessage, PanelState>();
const { send, saveState, loadState } = host;

const byId = (id: string) => document.getElementById(id) as HTMLElement;
const heatmap = new Heatmap(byId('heatmap'));
const tooltip = byId('tooltip');
const metricSelect = byId('metric') as HTMLElement & { value: string };

const restored = parsePanelState(loadState());
let uri = restored?.uri ?? '';
let metric: PanelMetric = restored?.metric ?? 'nll';
let header: AnalysisHeader | undefined;
const status: StatusView = { running: false, done: 0, total: 0, stale: false };

let geometry: GeometryColumns | undefined;
/** The panel shows a comparison of two models (the snapshot carries comparison columns). */
let comparing = false;

/** The metric choices: a comparison's first, then the base ones, plus the geometry layers this analysis has. */
function fillMetricOptions(): void {
  const available = GEOMETRY_HEAT_METRICS.filter(m => geometry?.[m] !== undefined);
  const wanted: PanelMetric[] = [...comparisonMetrics(), ...HEAT_METRICS, ...available];
  const current = [...metricSelect.querySelectorAll('vscode-option')].map(o => o.getAttribute('value'));
  // Rebuild only when the choices change: the select re-reads new options asynchronously, and a
  // value set before that shows the first option while the heatmap uses another metric.
  if (current.join() !== wanted.join()) {
    metricSelect.replaceChildren(...wanted.map(m => {
      const option = document.createElement('vscode-option');
      option.setAttribute('value', m);
      option.textContent = isCompareHeatMetric(m) ? COMPARE_LABELS[m] : METRIC_LABELS[m];
      return option;
    }));
    const select = metricSelect as typeof metricSelect & { updateComplete?: Promise<unknown> };
    void (select.updateComplete ?? Promise.resolve()).then(() => { select.value = metric; });
  }
  metricSelect.value = metric;
}
fillMetricOptions();

function persist(): void {
  if (uri) saveState({ uri, metric, scrollTop: window.scrollY });
}

/** A comparison's metrics: all five with one tokenizer, ΔNLL per segment across tokenizers; none otherwise. */
function comparisonMetrics(): CompareHeatMetric[] {
  if (!comparing) return [];
  return header?.comparison && !header.comparison.sameTokenizer ? [...CROSS_TOKENIZER_METRICS] : [...COMPARE_METRICS];
}

function applyMetric(m: PanelMetric, tellHost: boolean): void {
  metric = m;
  if (metricSelect.value !== m) metricSelect.value = m;
  heatmap.setMetric(m);
  renderLegend(byId('legend'), m, header?.comparison?.against.name);
  const provenance = isGeometryHeatMetric(m) ? geometry?.provenance[m] : undefined;
  if (provenance) byId('legend').querySelector('.legend-title')?.append(` · ${provenance}`);
  document.body.dataset.metric = m;
  persist();
  if (tellHost) send({ type: 'metric/set', metric: m });
}

function showSnapshot(s: PanelSnapshot): void {
  const started = performance.now();
  // 'rendering' until the first frame with the new content is painted (tests and the timing read it).
  document.body.dataset.state = 'rendering';
  const sameDocument = s.uri === uri;
  uri = s.uri;
  header = s.header;
  byId('title').textContent = s.fileName;
  status.running = s.running;
  status.done = s.columns.starts.length;
  status.total = s.totalTokens;
  status.stale = s.stale;
  status.error = s.error;
  metric = s.metric;
  geometry = s.geometry;
  comparing = s.columns.compare !== undefined;
  // A geometry layer the new snapshot lacks shows as NLL until the geometry is there again (and so
  // does a comparison metric once the panel shows a plain analysis).
  if (isGeometryHeatMetric(metric) && geometry?.[metric] === undefined) metric = 'nll';
  if (isCompareHeatMetric(metric) && !comparing) metric = 'nll';
  fillMetricOptions();
  heatmap.setGeometry(geometry);
  heatmap.reset(s.text, s.columns, metric);
  applyMetric(metric, false);
  renderSummary(byId('summary'), header, status.done);
  renderStatus(byId('status'), status);
  if (sameDocument && restored && restored.uri === uri) window.scrollTo(0, restored.scrollTop);
  // Report when the first frame with the visible blocks has been painted.
  requestAnimationFrame(() => requestAnimationFrame(() => {
    const ms = performance.now() - started;
    document.body.dataset.renderMs = ms.toFixed(1);
    document.body.dataset.tokens = String(heatmap.tokenCount);
    document.body.dataset.state = status.running ? 'running' : 'ready';
    send({ type: 'panel/rendered', tokens: heatmap.tokenCount, ms });
  }));
}

function onMessage(m: HostToPanelMessage): void {
  switch (m.type) {
    case 'analysis/snapshot':
      showSnapshot(m.snapshot);
      return;
    case 'analysis/records':
      if (m.uri !== uri) return;
      heatmap.append(m.columns);
      status.done = m.done;
      status.total = m.total;
      renderStatus(byId('status'), status);
      renderSummary(byId('summary'), header, m.done);
      return;
    case 'analysis/done':
      if (m.uri !== uri) return;
      header = m.header;
      fillMetricOptions();
      status.running = false;
      renderSummary(byId('summary'), header, heatmap.tokenCount);
      renderStatus(byId('status'), status);
      return;
    case 'analysis/error':
      if (m.uri !== uri) return;
      status.running = false;
      status.error = m.message;
      renderStatus(byId('status'), status);
      return;
    case 'analysis/stale':
      if (m.uri !== uri || status.stale === m.stale) return;
      status.stale = m.stale;
      renderStatus(byId('status'), status);
      return;
    case 'metric/changed':
      if (m.metric !== metric) applyMetric(m.metric, false);
      return;
    case 'export/capture':
      // Only once something is drawn: a page still loading answers the host's next retry.
      if (document.body.dataset.state !== 'ready' && document.body.dataset.state !== 'running') return;
      try {
        send({ type: 'export/image', requestId: m.requestId, png: captureHeatmap(byId('header'), heatmapRoot) });
      } catch (e) {
        send({ type: 'export/image', requestId: m.requestId, error: e instanceof Error ? e.message : String(e) });
      }
      return;
    case 'token/details':
      if (m.requestId !== pendingRequest || !m.details || !hovered) return;
      fillTooltip(tooltip, m.details, header?.model.name);
      placeTooltip(tooltip, hovered);
      return;
  }
}

// ---- tooltip: ask the host for one token's details when the pointer rests on it ----
let pendingRequest = 0;
let hovered: HTMLElement | undefined;
let hoverTimer: number | undefined;
const heatmapRoot = byId('heatmap');
heatmapRoot.addEventListener('mouseover', e => {
  const index = heatmap.tokenIndexOf(e.target);
  if (index === undefined) return;
  hovered = e.target as HTMLElement;
  window.clearTimeout(hoverTimer);
  hoverTimer = window.setTimeout(() => send({ type: 'token/details', index, requestId: ++pendingRequest }), 120);
});
heatmapRoot.addEventListener('mouseleave', () => {
  window.clearTimeout(hoverTimer);
  hovered = undefined;
  pendingRequest++;
  tooltip.hidden = true;
});
heatmapRoot.addEventListener('click', e => {
  const index = heatmap.tokenIndexOf(e.target);
  if (index !== undefined) send({ type: 'token/reveal', index });
});

metricSelect.addEventListener('change', () => {
  const value = metricSelect.value;
  if (isPanelMetric(value)) applyMetric(value, true);
});
byId('rerun').addEventListener('click', () => send({ type: 'analysis/rerun' }));
byId('show-spectrum').addEventListener('click', () => send({ type: 'spectrum/show' }));
byId('export').addEventListener('click', () => send({ type: 'export/open' }));
let scrollTimer: number | undefined;
window.addEventListener('scroll', () => {
  tooltip.hidden = true;
  window.clearTimeout(scrollTimer);
  scrollTimer = window.setTimeout(() => {
    persist();
    // The layer lens follows what this panel shows.
    const shown = heatmap.visibleTokens();
    if (shown) send({ type: 'view/visible', ...shown });
  }, 200);
});

host.onMessage(onMessage);
renderLegend(byId('legend'), metric);
send({ type: 'panel/ready' });
