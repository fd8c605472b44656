/**
 * The inline heatmap of a comparison: each token coloured by the comparison metric its panel shows
 * (KL, reverse KL, acceptance on the sequential theme colours `markovLens.heat<i>`; ΔNLL and Δp on
 * the diverging ones `markovLens.diverge<i>`, one hue where the other model is better, another where
 * it is worse). Every update sets every decoration type, so stale ranges always clear; documents
 * that are not comparisons, or show one of the base model's own metrics, are HeatDecorations'.
 */
import * as vscode from 'vscode';
import { COMPARE_SCALES, compareBucket, compareValue, DIVERGE_BUCKETS, isCompareHeatMetric, type CompareHeatMetric } from '../core/compare/heat';
import { HEAT_BUCKETS } from '../core/heat';
import { tokenRangesByBucket } from './decorations';
import type { ResultsStore } from './results';

export class CompareDecorations implements vscode.Disposable {
  private readonly sequential: vscode.TextEditorDecorationType[];
  private readonly diverging: vscode.TextEditorDecorationType[];
  private readonly disposables: vscode.Disposable[] = [];
  private timer?: NodeJS.Timeout;
  /** What was last set per document: the metric and the ranges per bucket (tests read it). */
  private readonly applied = new Map<string, { metric: CompareHeatMetric; counts: number[] }>();

  constructor(private readonly store: ResultsStore, private enabled: boolean) {
    const make = (color: string) => vscode.window.createTextEditorDecorationType({
      backgroundColor: new vscode.ThemeColor(color), rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    });
    this.sequential = Array.from({ length: HEAT_BUCKETS }, (_, i) => make(`markovLens.heat${i}`));
    this.diverging = Array.from({ length: DIVERGE_BUCKETS }, (_, i) => make(`markovLens.diverge${i}`));
    this.disposables.push(
      store.onDidChange(c => (c.kind === 'records' ? this.schedule() : this.refresh(c.uri))),
      vscode.window.onDidChangeVisibleTextEditors(() => this.refreshAll()),
    );
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.refreshAll();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => { this.timer = undefined; this.refreshAll(); }, 250);
  }

  refresh(uri: string): void {
    for (const editor of vscode.window.visibleTextEditors) if (editor.document.uri.toString() === uri) this.paint(editor);
  }

  refreshAll(): void {
    for (const editor of vscode.window.visibleTextEditors) this.paint(editor);
  }

  private paint(editor: vscode.TextEditor): void {
    const uri = editor.document.uri.toString();
    const result = this.store.get(uri);
    const metric = result?.comparison?.metric;
    const on = this.enabled && result !== undefined && isCompareHeatMetric(metric);
    const types = on && COMPARE_SCALES[metric].diverging ? this.diverging : this.sequential;
    const columns = result?.comparison?.columns;
    const buckets = on ? tokenRangesByBucket(result, editor.document, types.length, i => compareBucket(metric, compareValue(metric, columns, i))) : [];
    for (const t of [...this.sequential, ...this.diverging]) if (!types.includes(t)) editor.setDecorations(t, []);
    types.forEach((t, b) => editor.setDecorations(t, buckets[b] ?? []));
    if (on) this.applied.set(uri, { metric, counts: types.map((_, b) => buckets[b]?.length ?? 0) });
    else this.applied.delete(uri);
  }

  /** The comparison metric and decorated token count per bucket last set on a document (undefined: none). */
  appliedCounts(uri: string): { metric: CompareHeatMetric; counts: number[] } | undefined {
    return this.applied.get(uri);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of [...this.disposables, ...this.sequential, ...this.diverging]) d.dispose();
  }
}

