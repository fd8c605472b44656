/**
 * The heatmap panel: receives the document and its token metrics from the host, renders them, and
 * sends back only validated-shape commands (reveal a token, details for a tooltip, metric, scale,
 * re-run). Keyboard: the tokens are a listbox (arrow keys move token by token and line by line,
 * Home/End to the ends, Enter reveals the token in the editor). "Follow editor" keeps the panel on
 * the editor's visible lines.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import { COMPARE_LABELS, COMPARE_METRICS, type CompareHeatMetric, CROSS_TOKENIZER_METRICS, isCompareHeatMetric } from '../../src/core/compare/heat';
import { GEOMETRY_HEAT_METRICS, type GeometryColumns, HEAT_METRICS, isGeometryHeatMetric, METRIC_LABELS } from '../../src/core/heat';
import { bucketShares, DEFAULT_HEAT_SCALE, HEAT_SCALES, type HeatScaleKind, isHeatScale, SCALE_LABELS } from '../../src/core/heatScale';
import { type AnalysisHeader, type HostToPanelMessage, isPanelMetric, type PanelMetric, type PanelSnapshot, type PanelState, type PanelToHostMessage, parsePanelState } from '../../src/protocol/heatmapPanel';
import { captureHeatmap } from './capture';
import { renderComparisonLegend, renderLegend, renderStatus, renderSummary, type StatusView } from './header';
import { Heatmap } from './heatmap';
import { fillTooltip, placeTooltip } from './tooltip';
import { hostChannel } from '../shared/vscodeApi';

const host = hostChannel<HostToPanelMessage, PanelToHostMessage, PanelState>();
const { send, saveState, loadState } = host;

const byId = (id: string) => document.getElementById(id) as HTMLElement;
const heatmapRoot = byId('heatmap');
const heatmap = new Heatmap(heatmapRoot);
const tooltip = byId('tooltip');
type Select = HTMLElement & { value: string; updateComplete?: Promise<unknown> };
const metricSelect = byId('metric') as Select;
const scaleSelect = byId('scale') as Select;
const followBox = byId('follow') as HTMLElement & { checked: boolean };

const restored = parsePanelState(loadState());
let uri = restored?.uri ?? '';
let metric: PanelMetric = restored?.metric ?? 'nll';
let scale: HeatScaleKind = restored?.scale ?? DEFAULT_HEAT_SCALE;
let follow = restored?.follow ?? true;
let header: AnalysisHeader | undefined;
const status: StatusView = { running: false, done: 0, total: 0, stale: false, reasons: [] };
followBox.checked = follow;

let geometry: GeometryColumns | undefined;
/** The panel shows a comparison of two models (the snapshot carries comparison columns). */
let comparing = false;
/** True until the first snapshot after a reload: it goes back to the saved scroll position. */
let restoring = restored !== undefined;

/** Fills a select's options (only when they change: the element re-reads new options asynchronously). */
function fillOptions(select: Select, wanted: ReadonlyArray<[string, string]>, value: string): void {
  const current = [...select.querySelectorAll('vscode-option')].map(o => o.getAttribute('value'));
  if (current.join() !== wanted.map(([v]) => v).join()) {
    select.replaceChildren(...wanted.map(([v, label]) => {
      const option = document.createElement('vscode-option');
      option.setAttribute('value', v);
      option.textContent = label;
      return option;
    }));
    void (select.updateComplete ?? Promise.resolve()).then(() => { select.value = value; });
  }
  select.value = value;
}

/** The metric choices: a comparison's first, then the base ones, plus the geometry layers this analysis has. */
function fillMetricOptions(): void {
  const available = GEOMETRY_HEAT_METRICS.filter(m => geometry?.[m] !== undefined);
  fillOptions(metricSelect, [...comparisonMetrics(), ...HEAT_METRICS, ...available].map(m => [m, isCompareHeatMetric(m) ? COMPARE_LABELS[m] : METRIC_LABELS[m]]), metric);
}
fillMetricOptions();
fillOptions(scaleSelect, HEAT_SCALES.map(s => [s, SCALE_LABELS[s]]), scale);

/** The sticky header's height: scrolled-to tokens go just below it. */
const headerHeight = () => byId('header').getBoundingClientRect().height + 4;
// Focused and scrolled-to tokens stay clear of the sticky header (scrollIntoView and focus honour it).
new ResizeObserver(() => { document.documentElement.style.scrollPaddingTop = `${headerHeight()}px`; }).observe(byId('header'));

function persist(): void {
  if (uri) saveState({ uri, metric, scale, follow, scrollTop: window.scrollY });
}

/** A comparison's metrics: all five with one tokenizer, ΔNLL per segment across tokenizers; none otherwise. */
function comparisonMetrics(): CompareHeatMetric[] {
  if (!comparing) return [];
  return header?.comparison && !header.comparison.sameTokenizer ? [...CROSS_TOKENIZER_METRICS] : [...COMPARE_METRICS];
}

/** Repaints with the current metric and scale, and redraws the legend with each colour's share of the tokens. */
function applyColours(tellHost: { metric?: boolean; scale?: boolean } = {}): void {
  if (metricSelect.value !== metric) metricSelect.value = metric;
  if (scaleSelect.value !== scale) scaleSelect.value = scale;
  heatmap.setMetric(metric, scale);
  refreshLegend();
  document.body.dataset.metric = metric;
  document.body.dataset.scale = scale;
  // GLTR buckets are ranks whatever the metric: the metric choice does not apply then.
  metricSelect.toggleAttribute('disabled', scale === 'gltr' && !isCompareHeatMetric(metric));
  metricSelect.title = scale === 'gltr' ? 'GLTR buckets colour by rank' : '';
  // A comparison metric has its own fixed buckets (core/compare/heat.ts): the scale does not apply.
  const comparisonShown = isCompareHeatMetric(metric);
  scaleSelect.toggleAttribute('disabled', comparisonShown);
  scaleSelect.title = comparisonShown ? 'A comparison metric has fixed buckets of its own; the scale applies to NLL, entropy, rank and geometry' : '';
  persist();
  if (tellHost.metric) send({ type: 'metric/set', metric });
  if (tellHost.scale) send({ type: 'scale/set', scale });
}

function refreshLegend(): void {
  if (isCompareHeatMetric(metric)) {
    renderComparisonLegend(byId('legend'), metric, header?.comparison?.against.name);
    return;
  }
  const current = heatmap.scale;
  const { shares, unknown } = bucketShares(current, heatmap.values());
  renderLegend(byId('legend'), current, shares, unknown);
  const provenance = isGeometryHeatMetric(metric) && scale !== 'gltr' ? geometry?.provenance[metric] : undefined;
  if (provenance) byId('legend').querySelector('.legend-title')?.append(` · ${provenance}`);
}

const rerun = () => send({ type: 'analysis/rerun' });
const showStatus = () => renderStatus(byId('status'), status, rerun);

function showSnapshot(s: PanelSnapshot): void {
  const started = performance.now();
  // 'rendering' until the first frame with the new content is painted (tests and the timing read it).
  document.body.dataset.state = 'rendering';
  const sameDocument = s.uri === uri;
  const keepScroll = sameDocument ? window.scrollY : 0;
  uri = s.uri;
  header = s.header;
  byId('title').textContent = s.fileName;
  heatmapRoot.setAttribute('aria-label', `Tokens of ${s.fileName}: arrow keys move between tokens, Enter shows the token in the editor`);
  status.running = s.running;
  status.done = s.columns.starts.length;
  status.total = s.totalTokens;
  status.stale = s.stale;
  status.reasons = s.staleReasons;
  status.error = s.error;
  metric = s.metric;
  scale = s.scale;
  geometry = s.geometry;
  comparing = s.columns.compare !== undefined;
  // A geometry layer the new snapshot lacks shows as NLL until the geometry is there again (and so
  // does a comparison metric once the panel shows a plain analysis).
  if (isGeometryHeatMetric(metric) && geometry?.[metric] === undefined) metric = 'nll';
  if (isCompareHeatMetric(metric) && !comparing) metric = 'nll';
  fillMetricOptions();
  heatmap.setGeometry(geometry);
  heatmap.reset(s.text, s.columns, metric, scale);
  applyColours();
  heatmap.select(s.selectedToken);
  if (s.selectedToken !== undefined) heatmap.setActive(s.selectedToken, false);
  renderSummary(byId('summary'), header, status.done);
  showStatus();
  // A new document opens at its top, or where the editor shows it; the same document stays where
  // it was (or follows the editor); after a reload, where the panel was left.
  if (restoring && restored?.uri === uri) window.scrollTo(0, restored.scrollTop);
  else if (follow && s.visibleToken !== undefined && s.visibleToken > 0) heatmap.scrollToToken(s.visibleToken, headerHeight());
  else window.scrollTo(0, keepScroll);
  restoring = false;
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
      refreshLegend();
      status.done = m.done;
      status.total = m.total;
      showStatus();
      renderSummary(byId('summary'), header, m.done);
      return;
    case 'analysis/done':
      if (m.uri !== uri) return;
      header = m.header;
      fillMetricOptions();
      status.running = false;
      renderSummary(byId('summary'), header, heatmap.tokenCount);
      showStatus();
      return;
    case 'analysis/error':
      if (m.uri !== uri) return;
      status.running = false;
      status.error = m.message;
      showStatus();
      return;
    case 'analysis/stale':
      if (m.uri !== uri) return;
      status.stale = m.stale;
      status.reasons = m.reasons;
      showStatus();
      return;
    case 'analysis/geometry':
      if (m.uri !== uri) return;
      geometry = m.geometry;
      heatmap.setGeometry(geometry);
      if (isGeometryHeatMetric(metric) && geometry?.[metric] === undefined) metric = 'nll';
      fillMetricOptions();
      applyColours();
      return;
    case 'metric/changed':
      if (m.metric !== metric) { metric = m.metric; applyColours(); }
      return;
    case 'scale/changed':
      if (m.scale !== scale) { scale = m.scale; applyColours(); }
      return;
    case 'editor/visible':
      if (m.uri === uri && follow) followTo(m.token);
      return;
    case 'editor/selection':
      if (m.uri !== uri) return;
      heatmap.select(m.token ?? undefined);
      if (m.token !== null && !heatmapRoot.contains(document.activeElement)) heatmap.setActive(m.token, false);
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

/** Scrolls the panel so that the editor's first visible token is at its top (Follow editor). */
let followScrolling = false;
function followTo(token: number): void {
  followScrolling = true;
  heatmap.scrollToToken(token, headerHeight());
  document.body.dataset.followed = String(token);
  requestAnimationFrame(() => { followScrolling = false; });
}

// ---- tooltip: ask the host for one token's details when the pointer (or the keyboard) rests on it ----
let pendingRequest = 0;
let hovered: HTMLElement | undefined;
let hoverTimer: number | undefined;
function requestDetails(span: HTMLElement, index: number): void {
  hovered = span;
  window.clearTimeout(hoverTimer);
  hoverTimer = window.setTimeout(() => send({ type: 'token/details', index, requestId: ++pendingRequest }), 120);
}
function hideTooltip(): void {
  window.clearTimeout(hoverTimer);
  hovered = undefined;
  pendingRequest++;
  tooltip.hidden = true;
}
heatmapRoot.addEventListener('mouseover', e => {
  const index = heatmap.tokenIndexOf(e.target);
  if (index !== undefined) requestDetails(e.target as HTMLElement, index);
});
heatmapRoot.addEventListener('mouseleave', hideTooltip);
heatmapRoot.addEventListener('click', e => {
  const index = heatmap.tokenIndexOf(e.target);
  if (index === undefined) return;
  heatmap.setActive(index, false);
  heatmap.select(index);
  send({ type: 'token/reveal', index });
});

// ---- keyboard: the tokens as a listbox with a roving tabindex ----
heatmapRoot.addEventListener('focus', () => {
  // Tabbing into the heatmap lands on the active token.
  if (heatmap.tokenCount > 0) heatmap.setActive(heatmap.activeToken, true);
});
heatmapRoot.addEventListener('focusin', e => {
  const index = heatmap.tokenIndexOf(e.target);
  if (index !== undefined) requestDetails(e.target as HTMLElement, index);
});
heatmapRoot.addEventListener('focusout', e => {
  if (!heatmapRoot.contains(e.relatedTarget as Node | null)) hideTooltip();
});
heatmapRoot.addEventListener('keydown', e => {
  const n = heatmap.tokenCount;
  if (n === 0) return;
  const i = heatmap.activeToken;
  let next: number | undefined;
  switch (e.key) {
    case 'ArrowRight': next = i + 1; break;
    case 'ArrowLeft': next = i - 1; break;
    case 'ArrowDown': next = heatmap.tokenOnAdjacentLine(i, 1); break;
    case 'ArrowUp': next = heatmap.tokenOnAdjacentLine(i, -1); break;
    case 'Home': next = 0; break;
    case 'End': next = n - 1; break;
    case 'Enter':
    case ' ':
      e.preventDefault();
      heatmap.select(i);
      send({ type: 'token/reveal', index: i });
      return;
    case 'Escape':
      hideTooltip();
      return;
    default:
      return;
  }
  e.preventDefault();
  const span = heatmap.setActive(Math.max(0, Math.min(n - 1, next)), true);
  span?.scrollIntoView({ block: 'nearest' });
});

metricSelect.addEventListener('change', () => {
  const value = metricSelect.value;
  if (isPanelMetric(value) && value !== metric) { metric = value; applyColours({ metric: true }); }
});
scaleSelect.addEventListener('change', () => {
  const value = scaleSelect.value;
  if (isHeatScale(value) && value !== scale) { scale = value; applyColours({ scale: true }); }
});
followBox.addEventListener('change', () => {
  follow = followBox.checked;
  persist();
});
byId('rerun').addEventListener('click', rerun);
byId('show-spectrum').addEventListener('click', () => send({ type: 'spectrum/show' }));
byId('export').addEventListener('click', () => send({ type: 'export/open' }));
let scrollTimer: number | undefined;
window.addEventListener('scroll', () => {
  if (!followScrolling) tooltip.hidden = true;
  window.clearTimeout(scrollTimer);
  scrollTimer = window.setTimeout(() => {
    persist();
    // The layer lens follows what this panel shows.
    const shown = heatmap.visibleTokens();
    if (shown) send({ type: 'view/visible', ...shown });
    // The first token on screen, below the sticky header (tests read it).
    const first = heatmap.tokenAtY(headerHeight());
    if (first !== undefined) document.body.dataset.firstVisible = String(first);
  }, 200);
});

host.onMessage(onMessage);
applyColours();
send({ type: 'panel/ready' });
