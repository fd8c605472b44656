/**
 * The analyses the extension holds, one per document URI, and the events the views (panel,
 * decorations, hovers, status bar) follow. Offsets in `spans` track the live document (LiveSpans);
 * `tokens` and `text` stay as analysed, which is what the panel shows.
 */
import * as vscode from 'vscode';
import type { ScoringInfo, TokenRecord } from '../core/analysis';
import type { GeometryRequest } from '../model/api';
import type { GeometryReport } from '../core/geometry';
import type { AnalysisHeader, TokenColumns } from '../protocol/heatmapPanel';
import { sliceColumns, type ComparisonView } from './compareView';
import type { LanguageModelEngine } from '../model/api';
import { LiveSpans, type TextEdit } from './liveSpans';
import { EDITED, settingChanges, type AnalysisSettings } from './staleness';

export interface DocumentResult {
  uri: string;
  fileName: string;
  /** The text the tokens were scored on. */
  text: string;
  tokens: TokenRecord[];
  /** Token spans in the current document (they move with edits). Rebuilt when tokens arrive. */
  spans: LiveSpans;
  totalTokens: number;
  header?: AnalysisHeader;
  running: boolean;
  /** The document changed after the analysis started. */
  stale: boolean;
  error?: string;
  tokenText(id: number): string;
  /** Representation geometry, when the run asked for it (the spectrum panel), and with which options. */
  geometry?: GeometryReport;
  geometryRequest?: GeometryRequest;
  /** How the finished analysis was scored, and its geometry time (Export writes the CLI's JSON from them). */
  scoring?: ScoringInfo;
  geometryMs?: number;
  /** Set when this result is a comparison with another model (compareView.ts). */
  comparison?: ComparisonView;
  /** The settings the analysis ran with (stale detection). */
  settings?: AnalysisSettings;
  /** Settings changed since the analysis (named), from `settings` against the current ones. */
  outdated: string[];
  /** What the engine kept of this analysis for the spectrum (its handle, on that engine), or why nothing. */
  kept?: { id: number; engine: LanguageModelEngine } | { reason: string };
}

/** Why a result's numbers may differ from a fresh run (empty: they are current). */
export function staleReasons(r: DocumentResult): string[] {
  return [...(r.stale ? [EDITED] : []), ...r.outdated];
}

export type ResultChange =
  | { kind: 'started' | 'finished' | 'failed' | 'stale' | 'removed'; uri: string }
  /** Settings changed since the analysis (`outdated`), or they changed back. */
  | { kind: 'outdated'; uri: string }
  /** The spectrum computed (or dropped) this analysis's geometry: no per-token number changed. */
  | { kind: 'geometry'; uri: string }
  | { kind: 'records'; uri: string; first: number; count: number };

export class ResultsStore implements vscode.Disposable {
  private readonly byUri = new Map<string, DocumentResult>();
  private readonly emitter = new vscode.EventEmitter<ResultChange>();
  readonly onDidChange = this.emitter.event;
  private readonly subscription: vscode.Disposable;

  constructor() {
    this.subscription = vscode.workspace.onDidChangeTextDocument(e => this.onEdit(e));
  }

  get(uri: vscode.Uri | string): DocumentResult | undefined {
    return this.byUri.get(typeof uri === 'string' ? uri : uri.toString());
  }

  start(uri: vscode.Uri, fileName: string, text: string, tokenText: (id: number) => string, settings?: AnalysisSettings): DocumentResult {
    const result: DocumentResult = {
      uri: uri.toString(), fileName, text, tokens: [], spans: new LiveSpans([], []),
      totalTokens: 0, running: true, stale: false, tokenText, settings, outdated: [],
    };
    this.byUri.set(result.uri, result);
    this.emitter.fire({ kind: 'started', uri: result.uri });
    return result;
  }

  /** Appends streamed records; only while this result is still the current one for its URI. */
  addRecords(result: DocumentResult, records: readonly TokenRecord[], total: number): void {
    if (this.byUri.get(result.uri) !== result || records.length === 0) return;
    const first = result.tokens.length;
    for (const r of records) result.tokens.push(r);
    result.totalTokens = total;
    // Rebuilding spans is O(tokens); do it when the streamed part has grown by a tenth (or more),
    // so that a long run stays linear while hovers and decorations follow the stream.
    if (!result.stale && result.tokens.length - result.spans.length >= Math.max(256, result.spans.length / 10)) {
      result.spans = spansOf(result.tokens);
    }
    this.emitter.fire({ kind: 'records', uri: result.uri, first, count: records.length });
  }

  finish(result: DocumentResult, tokens: TokenRecord[], header: AnalysisHeader, geometry?: GeometryReport): void {
    if (this.byUri.get(result.uri) !== result) return;
    result.geometry = geometry;
    result.tokens = tokens;
    result.totalTokens = tokens.length;
    result.header = header;
    result.running = false;
    // Edits made during the run are not in these spans; the result is then stale and shows nothing
    // in the editor rather than something on the wrong text.
    result.spans = spansOf(tokens);
    if (result.stale) result.spans.applyEdits([{ offset: 0, removed: Number.MAX_SAFE_INTEGER, inserted: 0 }]);
    this.emitter.fire({ kind: 'finished', uri: result.uri });
  }

  /** Sets the geometry of a finished result (the spectrum computed it from the kept input). */
  setGeometry(result: DocumentResult, geometry: GeometryReport | undefined, request: GeometryRequest | undefined): void {
    if (this.byUri.get(result.uri) !== result) return;
    result.geometry = geometry;
    result.geometryRequest = request;
    this.emitter.fire({ kind: 'geometry', uri: result.uri });
  }

  /** Compares every result's settings with the current ones; results whose reasons changed are announced. */
  refreshOutdated(now: AnalysisSettings): void {
    for (const r of this.byUri.values()) {
      if (!r.settings) continue;
      const reasons = settingChanges(r.settings, now);
      if (JSON.stringify(reasons) === JSON.stringify(r.outdated)) continue;
      r.outdated = reasons;
      this.emitter.fire({ kind: 'outdated', uri: r.uri });
    }
  }

  /** Every held analysis, in the order the documents were first analysed. */
  all(): DocumentResult[] {
    return [...this.byUri.values()];
  }

  fail(result: DocumentResult, message: string): void {
    if (this.byUri.get(result.uri) !== result) return;
    result.running = false;
    result.error = message;
    this.emitter.fire({ kind: 'failed', uri: result.uri });
  }

  remove(uri: string): void {
    if (this.byUri.delete(uri)) this.emitter.fire({ kind: 'removed', uri });
  }

  private onEdit(e: vscode.TextDocumentChangeEvent): void {
    const result = this.byUri.get(e.document.uri.toString());
    if (!result || e.contentChanges.length === 0) return;
    const edits: TextEdit[] = e.contentChanges.map(c => ({ offset: c.rangeOffset, removed: c.rangeLength, inserted: c.text.length }));
    result.spans.applyEdits(edits);
    result.stale = true;
    this.emitter.fire({ kind: 'stale', uri: result.uri });
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}

function spansOf(tokens: readonly TokenRecord[]): LiveSpans {
  return new LiveSpans(tokens.map(t => t.start), tokens.map(t => t.end));
}

/** The per-token numbers the panel paints (null metrics stay null; JSON has no NaN). */
export function columnsOf(tokens: readonly TokenRecord[], first = 0, count = tokens.length - first, comparison?: ComparisonView): TokenColumns {
  const slice = tokens.slice(first, first + count);
  return {
    starts: slice.map(t => t.start),
    ends: slice.map(t => t.end),
    nll: slice.map(t => t.nll),
    entropy: slice.map(t => t.entropy),
    rank: slice.map(t => t.rank),
    ...(comparison ? { compare: sliceColumns(comparison.columns, first, count) } : {}),
  };
}
