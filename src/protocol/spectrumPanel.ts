/**
 * Messages between the extension host and the spectrum panel (representation geometry views), and
 * the validator of what the panel sends (the webview is untrusted).
 */
import { type GeometryReport, type GeometryResult, type KernelChoice, type KernelName, type KernelSide } from '../core/geometry';
import { type CaptureRequest, type ImageResponse, isIndex, parseImageResponse, type RevealCommand } from './heatmapPanel';

/** Kernel and side the host computes the geometry with; j (the eigen-index) is a display choice. */
export interface SpectrumOptions { kernel: KernelName; side: KernelSide }
export const KERNEL_NAMES: readonly KernelName[] = ['prototype', 'bhattacharyya', 'haochen', 'linear'];
export const KERNEL_SIDES: readonly KernelSide[] = ['model', 'data'];

/** README sections the panel links to (its "Learn more" links), by anchor. */
export const DOC_SECTIONS = ['representation-geometry', 'reading-the-spectrum-panel', 'what-the-numbers-mean'] as const;
export type DocSection = typeof DOC_SECTIONS[number];

/** Everything the spectrum panel shows for one document. Values in nats, null where unknown. */
export interface SpectrumSnapshot {
  uri: string;
  fileName: string;
  /** Kernel and side of the geometry on screen (or of the one being made when none is). */
  options: SpectrumOptions;
  /** Which kernel × side combinations exist for this model and document, and why the others do not. */
  choices: KernelChoice[];
  /** Token texts (the document substrings), for hover labels; the panel escapes them. */
  tokenTexts: string[];
  nll: Array<number | null>;
  entropy: Array<number | null>;
  /** The result, with the engine's head check and view switches when it came from the engine. */
  geometry?: GeometryResult & Partial<Pick<GeometryReport, 'views' | 'head'>>;
  /** An analysis of the document is running: the spectrum follows when it ends. */
  running: boolean;
  /** The geometry for these options is being computed (from the analysis the engine kept). */
  computing?: SpectrumOptions;
  /** Why the geometry on screen may differ from what a fresh run would give (named); empty when current. */
  staleReasons: string[];
  /** A message about the last request (an option that cannot be computed, ...); the data on screen stays. */
  notice?: string;
  error?: string;
  /** The panel may offer Re-run (an analysis, or the geometry again). */
  canRerun: boolean;
  /** Changes whenever the data on screen changes (charts are redrawn only then). */
  version: number;
}

export interface SpectrumSnapshotNotification { type: 'spectrum/snapshot'; snapshot: SpectrumSnapshot }
/** The charts of the panel, by the id of their canvas's view (`<id>-canvas`). */
export const SPECTRUM_CHARTS = ['spectrum', 'scatter', 'calibration'] as const;
export type SpectrumChart = typeof SPECTRUM_CHARTS[number];
/** Export: one chart as a PNG (chart.js's toBase64Image), answered with `export/image`. */
export interface ChartCaptureRequest extends CaptureRequest { chart: SpectrumChart }
export type HostToSpectrumMessage = SpectrumSnapshotNotification | ChartCaptureRequest;

export interface SpectrumReadyCommand { type: 'spectrum/ready' }
export interface SpectrumOptionsCommand { type: 'spectrum/options'; options: SpectrumOptions }
/** Re-run: the geometry from the kept analysis, or the analysis itself when that is gone or stale. */
export interface SpectrumRerunCommand { type: 'spectrum/rerun' }
/** Opens a README section (the charts' "Learn more" links). */
export interface DocsCommand { type: 'docs/open'; section: DocSection }
export type SpectrumToHostMessage = SpectrumReadyCommand | SpectrumOptionsCommand | SpectrumRerunCommand | DocsCommand | RevealCommand | ImageResponse;

/** What the panel keeps in `vscode.setState`, so that it comes back as it was after a reload. */
export interface SpectrumState {
  uri: string;
  options: SpectrumOptions;
  j: number;
  coords: 'psi' | 'phi';
  colourBy: string;
}

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
    case 'spectrum/rerun':
      return { type: 'spectrum/rerun' };
    case 'spectrum/options':
      return isSpectrumOptions(m.options) ? { type: 'spectrum/options', options: { kernel: m.options.kernel, side: m.options.side } } : undefined;
    case 'docs/open':
      return (DOC_SECTIONS as readonly unknown[]).includes(m.section) ? { type: 'docs/open', section: m.section as DocSection } : undefined;
    case 'token/reveal':
      return isIndex(m.index, tokenCount) ? { type: 'token/reveal', index: m.index } : undefined;
    case 'export/image':
      return parseImageResponse(m);
    default:
      return undefined;
  }
}

export function parseSpectrumState(raw: unknown): SpectrumState | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const s = raw as Record<string, unknown>;
  if (typeof s.uri !== 'string' || !isSpectrumOptions(s.options)) return undefined;
  return {
    uri: s.uri, options: { kernel: s.options.kernel, side: s.options.side },
    j: typeof s.j === 'number' && Number.isInteger(s.j) && s.j >= 1 ? s.j : 1,
    coords: s.coords === 'phi' ? 'phi' : 'psi',
    colourBy: typeof s.colourBy === 'string' ? s.colourBy : 'nll',
  };
}
