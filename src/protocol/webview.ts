/**
 * Messages between the extension host and the heatmap panel (webview), as discriminated unions on a
 * `noun/verb` type, plus the validator the host runs on everything the panel sends: a webview is
 * untrusted input, so unknown types, wrong field types and token indices out of range are dropped.
 */
import type { DocumentSummary, ModelInfo } from '../core/analysis';
import type { GeometryResult, KernelName, KernelSide } from '../core/geometry';
import type { GeometryReport } from './worker';

/** What the heatmap colours by. Display choice only: stored values stay in nats. */
export type BaseHeatMetric = 'nll' | 'entropy' | 'surprise' | 'rank';
/** Per-token geometry layers, offered once the document's geometry has been computed (spectrum panel). */
export type GeometryHeatMetric = 'excess' | 'psi' | 'phi' | 'surplus';
export type HeatMetric = BaseHeatMetric | GeometryHeatMetric;
/** The metrics of every analysis (and of the `markovLens.heatmapMetric` setting and the inline heatmap). */
export const HEAT_METRICS: readonly BaseHeatMetric[] = ['nll', 'entropy', 'surprise', 'rank'];
export const GEOMETRY_HEAT_METRICS: readonly GeometryHeatMetric[] = ['excess', 'psi', 'phi', 'surplus'];

export function isHeatMetric(value: unknown): value is BaseHeatMetric {
  return typeof value === 'string' && (HEAT_METRICS as readonly string[]).includes(value);
}

export function isGeometryHeatMetric(value: unknown): value is GeometryHeatMetric {
  return typeof value === 'string' && (GEOMETRY_HEAT_METRICS as readonly string[]).includes(value);
}

/**
 * Geometry layers per token for the heatmap (from GeometryResult.perToken): excess surprisal and
 * surplus in nats, ψ₁ and φ₁ in units of their RMS (√T-scaled eigenvector / readout). A layer is
 * absent when the geometry did not produce it (no hidden states, no surplus inputs).
 */
export interface GeometryColumns {
  excess: Array<number | null>;
  psi?: Array<number | null>;
  phi?: Array<number | null>;
  surplus?: Array<number | null>;
  /** Provenance label per layer, shown in the legend. */
  provenance: Partial<Record<GeometryHeatMetric, string>>;
}

/**
 * Per-token numbers the panel needs to paint, as parallel arrays (compact to post and to keep).
 * Values are nats; null is a metric the model could not give (non-finite logits).
 */
export interface TokenColumns {
  starts: number[];
  ends: number[];
  nll: Array<number | null>;
  entropy: Array<number | null>;
  rank: Array<number | null>;
}

export interface AnalysisHeader {
  model: ModelInfo;
  summary: DocumentSummary;
  utf8Bytes: number;
  window: number;
  stride: number;
  topK: number;
  /** Wall time of the whole analysis, including model load, in ms. */
  elapsedMs: number;
}

/** Everything the panel shows for one document: sent on ready, on reveal, and after a run. */
export interface PanelSnapshot {
  uri: string;
  fileName: string;
  text: string;
  columns: TokenColumns;
  /** Tokens expected in total (the run may still be streaming). */
  totalTokens: number;
  header?: AnalysisHeader;
  running: boolean;
  stale: boolean;
  error?: string;
  metric: HeatMetric;
  /** Present once the geometry of this analysis is computed. */
  geometry?: GeometryColumns;
}

/** Details of one token for the tooltip, computed by the host on request. */
export interface TokenDetails {
  index: number;
  id: number;
  text: string;
  nll: number | null;
  entropy: number | null;
  rank: number | null;
  context: number;
  /** The end of the text the model saw before this token (trimmed), for the tooltip. */
  contextTail: string;
  top: Array<{ id: number; text: string; prob: number }>;
}

// ---- host -> panel ----
export interface SnapshotNotification { type: 'analysis/snapshot'; snapshot: PanelSnapshot }
export interface RecordsNotification { type: 'analysis/records'; uri: string; columns: TokenColumns; done: number; total: number }
export interface DoneNotification { type: 'analysis/done'; uri: string; header: AnalysisHeader }
export interface ErrorNotification { type: 'analysis/error'; uri: string; message: string }
export interface StaleNotification { type: 'analysis/stale'; uri: string; stale: boolean }
export interface DetailsResponse { type: 'token/details'; requestId: number; details: TokenDetails | null }
export interface MetricNotification { type: 'metric/changed'; metric: HeatMetric }

export type HostToPanelMessage =
  | SnapshotNotification | RecordsNotification | DoneNotification | ErrorNotification
  | StaleNotification | DetailsResponse | MetricNotification;

// ---- panel -> host ----
export interface ReadyCommand { type: 'panel/ready' }
export interface RevealCommand { type: 'token/reveal'; index: number }
export interface DetailsRequest { type: 'token/details'; index: number; requestId: number }
export interface MetricCommand { type: 'metric/set'; metric: HeatMetric }
export interface RerunCommand { type: 'analysis/rerun' }
/** Opens the spectrum panel for the panel's document. */
export interface ShowSpectrumCommand { type: 'spectrum/show' }
/** Measured render time of a snapshot, reported for logs and the benchmark figure. */
export interface RenderedNotification { type: 'panel/rendered'; tokens: number; ms: number }

export type PanelToHostMessage =
  | ReadyCommand | RevealCommand | DetailsRequest | MetricCommand | RerunCommand | RenderedNotification | ShowSpectrumCommand;

const isIndex = (v: unknown, tokenCount: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < tokenCount;

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * Returns the message when it is well formed for a document of `tokenCount` tokens, else undefined.
 * Only the fields the host reads are copied, so extra properties never travel further.
 */
export function parsePanelMessage(raw: unknown, tokenCount: number): PanelToHostMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'panel/ready':
      return { type: 'panel/ready' };
    case 'analysis/rerun':
      return { type: 'analysis/rerun' };
    case 'spectrum/show':
      return { type: 'spectrum/show' };
    case 'token/reveal':
      return isIndex(m.index, tokenCount) ? { type: 'token/reveal', index: m.index } : undefined;
    case 'token/details':
      return isIndex(m.index, tokenCount) && Number.isInteger(m.requestId)
        ? { type: 'token/details', index: m.index, requestId: m.requestId as number }
        : undefined;
    case 'metric/set':
      return isHeatMetric(m.metric) || isGeometryHeatMetric(m.metric) ? { type: 'metric/set', metric: m.metric } : undefined;
    case 'panel/rendered':
      return isCount(m.tokens) && isCount(m.ms) ? { type: 'panel/rendered', tokens: m.tokens, ms: m.ms } : undefined;
    default:
      return undefined;
  }
}

/** What the panel keeps in `vscode.setState` so that it can come back after a reload. */
export interface PanelState {
  uri: string;
  metric: HeatMetric;
  scrollTop: number;
}

export function parsePanelState(raw: unknown): PanelState | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const s = raw as Record<string, unknown>;
  if (typeof s.uri !== 'string' || !(isHeatMetric(s.metric) || isGeometryHeatMetric(s.metric))) return undefined;
  return { uri: s.uri, metric: s.metric, scrollTop: typeof s.scrollTop === 'number' ? s.scrollTop : 0 };
}

// ---- the heat scale shared by the panel and the editor decorations ----

/** Number of colour buckets; each is a contributed theme colour `markovLens.heat<i>`. */
export const HEAT_BUCKETS = 8;

/**
 * Upper bucket bounds per metric (bucket i holds values < bounds[i]; the last bucket the rest).
 * Heuristic display choice, fixed so that colours mean the same in every document: bits for NLL,
 * entropy and the surprise gap (NLL minus entropy, centred so that 0 sits mid-scale), plain rank.
 */
export const HEAT_BOUNDS: Readonly<Record<HeatMetric, readonly number[]>> = {
  nll: [0.5, 1, 2, 3, 5, 8, 12],
  entropy: [0.5, 1, 2, 3, 5, 8, 12],
  surprise: [-4, -2, -1, 0.5, 1, 2, 4],
  rank: [2, 3, 5, 10, 30, 100, 1000],
  excess: [-4, -2, -1, 0.5, 1, 2, 4],
  // ψ₁, φ₁ have unit RMS: the scale is symmetric around 0 (sign is arbitrary up to the pair).
  psi: [-2, -1, -0.5, 0, 0.5, 1, 2],
  phi: [-2, -1, -0.5, 0, 0.5, 1, 2],
  surplus: [-2, -1, -0.5, 0, 0.5, 1, 2],
};

export const METRIC_LABELS: Readonly<Record<HeatMetric, string>> = {
  nll: 'NLL (bits)',
  entropy: 'Entropy (bits)',
  surprise: 'NLL − entropy (bits)',
  rank: 'Rank',
  excess: 'Excess surprisal (bits)',
  psi: 'ψ₁ (operator eigenvector)',
  phi: 'φ₁ (hidden-state readout)',
  surplus: 'Surplus (bits, heuristic)',
};

/**
 * The value a metric displays for one token: bits for the log metrics, NaN when unknown. Geometry
 * metrics read `geometry` at token `index` (NaN without it).
 */
export function metricValue(metric: HeatMetric, nllNats: number | null, entropyNats: number | null, rank: number | null,
  geometry?: GeometryColumns, index = -1): number {
  const layer = (xs: Array<number | null> | undefined, scale: number) => {
    const v = xs?.[index];
    return v === null || v === undefined ? NaN : v * scale;
  };
  switch (metric) {
    case 'nll': return nllNats === null ? NaN : nllNats / Math.LN2;
    case 'entropy': return entropyNats === null ? NaN : entropyNats / Math.LN2;
    case 'surprise': return nllNats === null || entropyNats === null ? NaN : (nllNats - entropyNats) / Math.LN2;
    case 'rank': return rank === null ? NaN : rank;
    case 'excess': return layer(geometry?.excess, 1 / Math.LN2);
    case 'psi': return layer(geometry?.psi, 1);
    case 'phi': return layer(geometry?.phi, 1);
    case 'surplus': return layer(geometry?.surplus, 1 / Math.LN2);
  }
}

/** The heatmap layers of a geometry result (see GeometryColumns). */
export function geometryColumns(g: GeometryResult): GeometryColumns {
  const p = g.perToken;
  const surplus = p.contextAblationB ?? p.lookAheadC1 ?? undefined;
  return {
    excess: p.excessSurprisal,
    psi: p.psi[0], phi: p.phi[0], surplus,
    provenance: {
      excess: g.provenance.excessSurprisal, psi: g.provenance.eigenvalues, phi: g.provenance.alignment,
      surplus: p.contextAblationB ? g.provenance.surplusB : g.provenance.surplusC1,
    },
  };
}

/** Bucket 0..HEAT_BUCKETS-1 for a displayed value, or -1 when the value is unknown (NaN). */
export function heatBucket(metric: HeatMetric, value: number): number {
  if (Number.isNaN(value)) return -1;
  const bounds = HEAT_BOUNDS[metric];
  for (let i = 0; i < bounds.length; i++) if (value < bounds[i]) return i;
  return bounds.length;
}

// ---- the spectrum panel (representation geometry views) ----

/** Kernel and side the host computes the geometry with; j (the eigen-index) is a display choice. */
export interface SpectrumOptions { kernel: KernelName; side: KernelSide }
export const KERNEL_NAMES: readonly KernelName[] = ['prototype', 'bhattacharyya', 'haochen', 'linear'];
export const KERNEL_SIDES: readonly KernelSide[] = ['model', 'data'];

/** Everything the spectrum panel shows for one document. Values in nats, null where unknown. */
export interface SpectrumSnapshot {
  uri: string;
  fileName: string;
  options: SpectrumOptions;
  /** Token texts (the document substrings), for hover labels; the panel escapes them. */
  tokenTexts: string[];
  nll: Array<number | null>;
  entropy: Array<number | null>;
  /** The result, with the engine's head check and view switches when it came from the engine. */
  geometry?: GeometryResult & Partial<Pick<GeometryReport, 'views' | 'head'>>;
  running: boolean;
  error?: string;
}

export interface SpectrumSnapshotNotification { type: 'spectrum/snapshot'; snapshot: SpectrumSnapshot }
export type HostToSpectrumMessage = SpectrumSnapshotNotification;

export interface SpectrumReadyCommand { type: 'spectrum/ready' }
export interface SpectrumOptionsCommand { type: 'spectrum/options'; options: SpectrumOptions }
export type SpectrumToHostMessage = SpectrumReadyCommand | SpectrumOptionsCommand | RevealCommand;

export function isSpectrumOptions(v: unknown): v is SpectrumOptions {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (KERNEL_NAMES as readonly unknown[]).includes(o.kernel) && (KERNEL_SIDES as readonly unknown[]).includes(o.side);
}

/** Validates what the spectrum panel sends, like `parsePanelMessage` (the webview is untrusted). */
export function parseSpectrumMessage(raw: unknown, tokenCount: number): SpectrumToHostMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'spectrum/ready':
      return { type: 'spectrum/ready' };
    case 'spectrum/options':
      return isSpectrumOptions(m.options) ? { type: 'spectrum/options', options: { kernel: m.options.kernel, side: m.options.side } } : undefined;
    case 'token/reveal':
      return isIndex(m.index, tokenCount) ? { type: 'token/reveal', index: m.index } : undefined;
    default:
      return undefined;
  }
}
