/**
 * Messages between the extension host and the layer-lens panel (issue 17), and the validator the
 * host runs on everything the panel sends (a webview is untrusted input). The host sends the panel a
 * page of the document's tokens around where the editor is (the lens of up to a few hundred tokens,
 * with the texts of every predicted id in it) and moves the focus as the editor or the heatmap
 * scrolls; the panel sends back token reveals, its metric, and where its own scrolling went.
 */
import type { LayerAlignment } from '../core/lens/types';
import { isIndex } from './heatmapPanel';

export type LensMetric = 'entropy' | 'nll' | 'rank' | 'klToFinal';
export const LENS_METRICS: readonly LensMetric[] = ['entropy', 'nll', 'rank', 'klToFinal'];

export function isLensMetric(value: unknown): value is LensMetric {
  return typeof value === 'string' && (LENS_METRICS as readonly string[]).includes(value);
}

/**
 * The lens of document tokens [from, from + tokens.length). Matrices are flat, layer-major
 * ([layer][i] at layer * tokens.length + i); null where a value is not known (not computed yet, or
 * the logits were not finite). Nats for nll, entropy and klToFinal.
 */
export interface LensPage {
  from: number;
  /** The actual tokens: their text and id. */
  tokens: Array<{ text: string; id: number }>;
  nll: Array<number | null>;
  entropy: Array<number | null>;
  klToFinal: Array<number | null>;
  rank: Array<number | null>;
  /** −1 where unknown. */
  top1: number[];
  /** [layer][i][k] ids (−1 pads) and probabilities. */
  topIds: number[];
  topProbs: number[];
  k: number;
  depth: Array<number | null>;
  /** Whether token i of the page has been computed. */
  computed: boolean[];
  /** Display text of every id the page's top lists name. */
  texts: Record<string, string>;
}

export interface LensFocus {
  /** Document tokens shown in the editor (or the heatmap panel), and the selected one. */
  first: number;
  last: number;
  selected?: number;
}

export interface LensStatus {
  computing: boolean;
  /** Tokens done of the range being computed. */
  done: number;
  total: number;
  /** What is being computed, or what the user can do. */
  message?: string;
  error?: string;
}

export interface LensSnapshot {
  uri: string;
  fileName: string;
  modelName: string;
  /** Tokens in the analysis. */
  totalTokens: number;
  /** L + 1 and the layers' names, embedding first (the panel draws it at the bottom). */
  count: number;
  labels: string[];
  metric: LensMetric;
  page?: LensPage;
  focus: LensFocus;
  status: LensStatus;
  /** The lens is off for this model: why. */
  off?: string;
  /** A_k per layer, once computed with the geometry; `alignmentOff` says why it is not there. */
  alignment?: LayerAlignment | null;
  alignmentOff?: string;
  /** The editor colours tokens by prediction depth. */
  depthColouring: boolean;
  /** The analysis changed since the lens was computed (re-run to update). */
  stale: boolean;
}

// ---- host -> panel ----
export interface LensSnapshotNotification { type: 'lens/snapshot'; snapshot: LensSnapshot }
export interface LensFocusNotification { type: 'lens/focus'; uri: string; focus: LensFocus }
export interface LensProgressNotification { type: 'lens/progress'; uri: string; status: LensStatus }

export type HostToLensMessage = LensSnapshotNotification | LensFocusNotification | LensProgressNotification;

// ---- panel -> host ----
export interface LensReadyCommand { type: 'lens/ready' }
export interface LensMetricCommand { type: 'lens/metric'; metric: LensMetric }
/** Selects token `index` in the editor. */
export interface LensRevealCommand { type: 'token/reveal'; index: number }
/** The panel was scrolled to show these tokens: the host sends their page (computing them if needed). */
export interface LensVisibleCommand { type: 'lens/visible'; first: number; last: number }
/** Computes A_k at every layer (an analysis with the geometry and the lens). */
export interface LensAlignmentCommand { type: 'lens/alignment' }
export interface LensDepthColouringCommand { type: 'lens/depthColouring'; on: boolean }
/** Computes the lens for the analysis as it is now (after a re-run, say). */
export interface LensRecomputeCommand { type: 'lens/recompute' }

export type LensToHostMessage =
  | LensReadyCommand | LensMetricCommand | LensRevealCommand | LensVisibleCommand | LensAlignmentCommand
  | LensDepthColouringCommand | LensRecomputeCommand;

/** The message when it is well formed for a document of `tokenCount` tokens, else undefined. */
export function parseLensMessage(raw: unknown, tokenCount: number): LensToHostMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'lens/ready':
      return { type: 'lens/ready' };
    case 'lens/alignment':
      return { type: 'lens/alignment' };
    case 'lens/recompute':
      return { type: 'lens/recompute' };
    case 'lens/metric':
      return isLensMetric(m.metric) ? { type: 'lens/metric', metric: m.metric } : undefined;
    case 'lens/depthColouring':
      return typeof m.on === 'boolean' ? { type: 'lens/depthColouring', on: m.on } : undefined;
    case 'token/reveal':
      return isIndex(m.index, tokenCount) ? { type: 'token/reveal', index: m.index } : undefined;
    case 'lens/visible':
      return isIndex(m.first, tokenCount) && isIndex(m.last, tokenCount) && m.first <= m.last
        ? { type: 'lens/visible', first: m.first, last: m.last }
        : undefined;
    default:
      return undefined;
  }
}

/** What the panel keeps in `vscode.setState` to come back after a reload. */
export interface LensPanelState {
  uri: string;
  metric: LensMetric;
}

export function parseLensPanelState(raw: unknown): LensPanelState | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const s = raw as Record<string, unknown>;
  return typeof s.uri === 'string' && isLensMetric(s.metric) ? { uri: s.uri, metric: s.metric } : undefined;
}
