/**
 * Messages between the extension host and the folder scan panel ("Markov Lens: Analyze Folder"),
 * plus the validator the host runs on what the panel sends (a webview is untrusted input: unknown
 * types, wrong field types and paths the scan did not list are dropped). Rows are scan@1 lines.
 */
import type { ScanLine } from '../core/scan/record';

export interface ScanProgressState {
  /** Files finished (scored, skipped, failed or unchanged) and found. */
  done: number;
  total: number;
  tokensPerSecond: number;
  /** Estimated from the bytes left; null before the first file. */
  secondsLeft: number | null;
}

export interface ScanPanelHeader {
  folder: string;
  model: string;
  running: boolean;
  cancelled: boolean;
  /** Set when the scan could not start or stopped (a bad model folder, a dead engine). */
  error?: string;
  elapsedSeconds: number;
}

// ---- host -> panel ----
/** Everything so far (on ready, on reveal, on a new scan): rows replace the panel's. */
export interface ScanSnapshot { type: 'scan/snapshot'; header: ScanPanelHeader; progress: ScanProgressState; rows: ScanLine[] }
/** Rows finished since the last message, and where the scan is. */
export interface ScanRows { type: 'scan/rows'; rows: ScanLine[]; progress: ScanProgressState }
export interface ScanHeaderUpdate { type: 'scan/header'; header: ScanPanelHeader; progress: ScanProgressState }

export type HostToScanPanelMessage = ScanSnapshot | ScanRows | ScanHeaderUpdate;

// ---- panel -> host ----
export interface ScanReady { type: 'panel/ready' }
export interface ScanCancel { type: 'scan/cancel' }
export interface ScanRerun { type: 'scan/rerun' }
export interface ScanExport { type: 'scan/export' }
/** Open a scanned file with its heatmap; with `hot`, select that hot span. */
export interface ScanOpen { type: 'file/open'; path: string; hot?: number }

export type ScanPanelToHostMessage = ScanReady | ScanCancel | ScanRerun | ScanExport | ScanOpen;

/** The message when well formed; `known(path)` says whether the scan listed that path. */
export function parseScanPanelMessage(raw: unknown, known: (path: string) => boolean): ScanPanelToHostMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'panel/ready':
    case 'scan/cancel':
    case 'scan/rerun':
    case 'scan/export':
      return { type: m.type };
    case 'file/open': {
      if (typeof m.path !== 'string' || !known(m.path)) return undefined;
      if (m.hot === undefined) return { type: 'file/open', path: m.path };
      return typeof m.hot === 'number' && Number.isInteger(m.hot) && m.hot >= 0 && m.hot < 16 ? { type: 'file/open', path: m.path, hot: m.hot } : undefined;
    }
    default:
      return undefined;
  }
}
