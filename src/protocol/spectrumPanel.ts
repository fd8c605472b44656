/**
 * Messages between the extension host and the spectrum panel (representation geometry views), and
 * the validator of what the panel sends (the webview is untrusted).
 */
import type { GeometryReport, GeometryResult, KernelName, KernelSide } from '../core/geometry';
import { type CaptureRequest, type ImageResponse, isIndex, parseImageResponse, type RevealCommand } from './heatmapPanel';

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
/** The charts of the panel, by the id of their canvas's view (`<id>-canvas`). */
export const SPECTRUM_CHARTS = ['spectrum', 'scatter', 'calibration'] as const;
export type SpectrumChart = typeof SPECTRUM_CHARTS[number];
/** Export: one chart as a PNG (chart.js's toBase64Image), answered with `export/image`. */
export interface ChartCaptureRequest extends CaptureRequest { chart: SpectrumChart }
export type HostToSpectrumMessage = SpectrumSnapshotNotification | ChartCaptureRequest;

export interface SpectrumReadyCommand { type: 'spectrum/ready' }
export interface SpectrumOptionsCommand { type: 'spectrum/options'; options: SpectrumOptions }
export type SpectrumToHostMessage = SpectrumReadyCommand | SpectrumOptionsCommand | RevealCommand | ImageResponse;

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
    case 'export/image':
      return parseImageResponse(m);
    default:
      return undefined;
  }
}
