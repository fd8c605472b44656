/**
 * The inline heatmap: one decoration type per colour bucket, each painted with a contributed theme
 * colour (`markovLens.heat<i>`), so light, dark and high-contrast themes each get their own scale.
 * Every update sets every bucket (empty where it has no ranges), so stale ranges always clear.
 */
import * as vscode from 'vscode';
import { isCompareHeatMetric } from '../core/compare/heat';
import { HEAT_BUCKETS, type HeatMetric, heatBucket, metricValue } from '../core/heat';
import type { DocumentResult, ResultsStore } from './results';

export class HeatDecorations implements vscode.Disposable {
  private readonly types: vscode.TextEditorDecorationType[];
  private readonly disposables: vscode.Disposable[] = [];
  private timer?: NodeJS.Timeout;
  /** Ranges per bucket last set on each editor's document, for tests and logs. */
  private readonly applied = new Map<string, number[]>();

  constructor(private readonly store: ResultsStore, private settings: { enabled: boolean; metric: HeatMetric }) {
    this.types = Array.from({ length: HEAT_BUCKETS }, (_, i) => vscode.window.createTextEditorDecorationType({
      backgroundColor: new vscode.ThemeColor(`markovLens.heat${i}`),
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    }));
    this.disposables.push(
      store.onDidChange(c => (c.kind === 'records' ? this.schedule() : this.refreshDocument(c.uri))),
      vscode.window.onDidChangeVisibleTextEditors(() => this.refreshAll()),
    );
  }

  configure(settings: { enabled: boolean; metric: HeatMetric }): void {
    this.settings = settings;
    this.refreshAll();
  }

  /** Streaming updates arrive often; repaint at most every 250 ms while they do. */
  private schedule(): void {
    this.timer ??= setTimeout(() => { this.timer = undefined; this.refreshAll(); }, 250);
  }

  private refreshDocument(uri: string): void {
    for (const editor of vscode.window.visibleTextEditors) if (editor.document.uri.toString() === uri) this.paint(editor);
  }

  refreshAll(): void {
    for (const editor of vscode.window.visibleTextEditors) this.paint(editor);
  }

  private paint(editor: vscode.TextEditor): void {
    const result = this.store.get(editor.document.uri);
    // A comparison shows what its panel picked; its own metrics are CompareDecorations' to paint.
    const metric = result?.comparison ? result.comparison.metric : this.settings.metric;
    const buckets = this.settings.enabled && result && !isCompareHeatMetric(metric) ? rangesByBucket(result, editor.document, metric) : [];
    for (let b = 0; b < HEAT_BUCKETS; b++) editor.setDecorations(this.types[b], buckets[b] ?? []);
    this.applied.set(editor.document.uri.toString(), this.types.map((_, b) => buckets[b]?.length ?? 0));
  }

  /** Decorated token count per bucket for a document, as last set (0s when cleared). */
  appliedCounts(uri: string): number[] | undefined {
    return this.applied.get(uri);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of [...this.disposables, ...this.types]) d.dispose();
  }
}

function rangesByBucket(result: DocumentResult, document: vscode.TextDocument, metric: HeatMetric): vscode.Range[][] {
  const { tokens } = result;
  return tokenRangesByBucket(result, document, HEAT_BUCKETS, i => heatBucket(metric, metricValue(metric, tokens[i].nll, tokens[i].entropy, tokens[i].rank)));
}

/** The editor ranges of a result's live, non-empty tokens, grouped by `bucketOf(token index)` (−1: none). */
export function tokenRangesByBucket(result: DocumentResult, document: vscode.TextDocument, buckets: number, bucketOf: (index: number) => number): vscode.Range[][] {
  const out: vscode.Range[][] = Array.from({ length: buckets }, () => []);
  const { spans, tokens } = result;
  const n = Math.min(spans.length, tokens.length);
  for (let i = 0; i < n; i++) {
    if (!spans.alive[i] || spans.starts[i] === spans.ends[i]) continue;
    const b = bucketOf(i);
    if (b < 0) continue;
    out[b].push(new vscode.Range(document.positionAt(spans.starts[i]), document.positionAt(spans.ends[i])));
  }
  return out;
}
