/**
 * Messages between the extension host and the heatmap panel (webview), as discriminated unions on a
 * `noun/verb` type, plus the validator the host runs on everything the panel sends: a webview is
 * untrusted input, so unknown types, wrong field types and token indices out of range are dropped.
 */
import type { DocumentSummary, ModelInfo } from '../core/analysis';
import { isCompareHeatMetric, type CompareColumns, type CompareHeatMetric } from '../core/compare/heat';
import type { ComparisonSummary } from '../core/compare/summary';
import { isGeometryHeatMetric, isHeatMetric, type GeometryColumns, type HeatMetric } from '../core/heat';
import { DEFAULT_HEAT_SCALE, isHeatScale, type HeatScaleKind } from '../core/heatScale';

/** What the panel can colour by: an analysis's metrics, or a comparison's. */
export type PanelMetric = HeatMetric | CompareHeatMetric;

export function isPanelMetric(value: unknown): value is PanelMetric {
  return isHeatMetric(value) || isGeometryHeatMetric(value) || isCompareHeatMetric(value);
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
  /** A comparison: its per-token metrics (nats; null where not defined). */
  compare?: CompareColumns;
}

export interface AnalysisHeader {
  model: ModelInfo;
  summary: DocumentSummary;
  utf8Bytes: number;
  window: number;
  stride: number;
  topK: number;
  /** Why the default window is shorter than the model's context, when it is (memory). */
  windowCapped?: string;
  /** Wall time of the whole analysis, including model load, in ms. */
  elapsedMs: number;
  /** A comparison of `model` (the base) with another model. */
  comparison?: ComparisonHeader;
}

/** The comparison figures the panel header shows. */
export interface ComparisonHeader {
  against: ModelInfo;
  sameTokenizer: boolean;
  tokenizerReason: string;
  summary: ComparisonSummary;
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
  /**
   * Why the numbers on screen may differ from what a fresh run would give ('the document was edited',
   * 'markovLens.topK changed from 10 to 20', ...); empty when they are current.
   */
  staleReasons: string[];
  error?: string;
  metric: PanelMetric;
  scale: HeatScaleKind;
  /** Present once the geometry of this analysis is computed. */
  geometry?: GeometryColumns;
  /** First token of the editor's visible range (a new document opens there, else at its top). */
  visibleToken?: number;
  /** Token at the editor's cursor or selection, marked in the panel. */
  selectedToken?: number;
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
  /** A comparison: the other model's view of the same token, and the joint metrics. */
  comparison?: TokenComparison;
}

export interface TokenComparison {
  against: string;
  /** One tokenizer: the other model's own numbers at this position. */
  nll: number | null;
  entropy: number | null;
  rank: number | null;
  top: Array<{ id: number; text: string; prob: number }>;
  kl: number | null;
  klReverse: number | null;
  dNll: number | null;
  dP: number | null;
  acceptance: number | null;
  sameTop1: boolean | null;
  /** Two tokenizers: the common segment holding the token, with both models' NLLs. */
  segment?: { start: number; end: number; text: string; nllModel: number | null; nllAgainst: number | null; dNll: number | null };
}

// ---- host -> panel ----
export interface SnapshotNotification { type: 'analysis/snapshot'; snapshot: PanelSnapshot }
export interface RecordsNotification { type: 'analysis/records'; uri: string; columns: TokenColumns; done: number; total: number }
export interface DoneNotification { type: 'analysis/done'; uri: string; header: AnalysisHeader }
export interface ErrorNotification { type: 'analysis/error'; uri: string; message: string }
export interface StaleNotification { type: 'analysis/stale'; uri: string; stale: boolean; reasons: string[] }
/** The geometry layers of the analysis on screen (computed later, by the spectrum panel), or none. */
export interface GeometryNotification { type: 'analysis/geometry'; uri: string; geometry?: GeometryColumns }
export interface DetailsResponse { type: 'token/details'; requestId: number; details: TokenDetails | null }
export interface MetricNotification { type: 'metric/changed'; metric: PanelMetric }
export interface ScaleNotification { type: 'scale/changed'; scale: HeatScaleKind }
/** Export: draw what the panel shows as a PNG and send it back (`export/image`). */
export interface CaptureRequest { type: 'export/capture'; requestId: number }
/** The editor's visible range starts at this token (the panel follows it when "Follow editor" is on). */
export interface VisibleNotification { type: 'editor/visible'; uri: string; token: number }
/** The token at the editor's selection (null: none, e.g. the cursor on edited text). */
export interface SelectionNotification { type: 'editor/selection'; uri: string; token: number | null }

export type HostToPanelMessage =
  | SnapshotNotification | RecordsNotification | DoneNotification | ErrorNotification
  | StaleNotification | DetailsResponse | MetricNotification | ScaleNotification | VisibleNotification | SelectionNotification
  | GeometryNotification | CaptureRequest;

// ---- panel -> host ----
export interface ReadyCommand { type: 'panel/ready' }
export interface RevealCommand { type: 'token/reveal'; index: number }
export interface DetailsRequest { type: 'token/details'; index: number; requestId: number }
export interface MetricCommand { type: 'metric/set'; metric: PanelMetric }
export interface ScaleCommand { type: 'scale/set'; scale: HeatScaleKind }
export interface RerunCommand { type: 'analysis/rerun' }
/** Opens the spectrum panel for the panel's document. */
export interface ShowSpectrumCommand { type: 'spectrum/show' }
/** The panel was scrolled: these tokens are on screen (the layer lens follows them). */
export interface VisibleTokensNotification { type: 'view/visible'; first: number; last: number }
/** Measured render time of a snapshot, reported for logs and the benchmark figure. */
export interface RenderedNotification { type: 'panel/rendered'; tokens: number; ms: number }
/** The toolbar's Export… button. */
export interface ExportCommand { type: 'export/open' }
/** The answer to `export/capture`: a PNG as base64 (no data: prefix), or why there is none. */
export interface ImageResponse { type: 'export/image'; requestId: number; png?: string; error?: string }

export type PanelToHostMessage =
  | ReadyCommand | RevealCommand | DetailsRequest | MetricCommand | ScaleCommand | RerunCommand | RenderedNotification | ShowSpectrumCommand
  | VisibleTokensNotification | ExportCommand | ImageResponse;

export const isIndex = (v: unknown, tokenCount: number): v is number =>
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
      return isPanelMetric(m.metric) ? { type: 'metric/set', metric: m.metric } : undefined;
    case 'scale/set':
      return isHeatScale(m.scale) ? { type: 'scale/set', scale: m.scale } : undefined;
    case 'view/visible':
      return isIndex(m.first, tokenCount) && isIndex(m.last, tokenCount) && m.first <= m.last ? { type: 'view/visible', first: m.first, last: m.last } : undefined;
    case 'panel/rendered':
      return isCount(m.tokens) && isCount(m.ms) ? { type: 'panel/rendered', tokens: m.tokens, ms: m.ms } : undefined;
    case 'export/open':
      return { type: 'export/open' };
    case 'export/image':
      return parseImageResponse(m);
    default:
      return undefined;
  }
}

/** Largest PNG a panel may send (base64 characters): a 4K screen at 2x is well under it. */
export const MAX_IMAGE_BASE64 = 64 * 1024 * 1024;

/**
 * Validates an `export/image` answer (both panels send it): a request id, and either base64 text
 * that is not too long or a short error message. Only those fields are copied.
 */
export function parseImageResponse(m: Record<string, unknown>): ImageResponse | undefined {
  if (!Number.isInteger(m.requestId)) return undefined;
  const requestId = m.requestId as number;
  if (typeof m.png === 'string') {
    return m.png.length > 0 && m.png.length <= MAX_IMAGE_BASE64 && /^[A-Za-z0-9+/]+={0,2}$/.test(m.png)
      ? { type: 'export/image', requestId, png: m.png } : undefined;
  }
  return typeof m.error === 'string' ? { type: 'export/image', requestId, error: m.error.slice(0, 500) } : undefined;
}

/** What the panel keeps in `vscode.setState` so that it can come back after a reload. */
export interface PanelState {
  uri: string;
  metric: PanelMetric;
  scrollTop: number;
  scale: HeatScaleKind;
  /** "Follow editor" (default on). */
  follow: boolean;
}

export function parsePanelState(raw: unknown): PanelState | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const s = raw as Record<string, unknown>;
  if (typeof s.uri !== 'string' || !isPanelMetric(s.metric)) return undefined;
  return {
    uri: s.uri, metric: s.metric, scrollTop: typeof s.scrollTop === 'number' ? s.scrollTop : 0,
    scale: isHeatScale(s.scale) ? s.scale : DEFAULT_HEAT_SCALE, follow: s.follow !== false,
  };
}
