/**
 * The inline heatmap: one decoration type per colour bucket of each palette (heatScale.ts), each
 * painted with a contributed theme colour (`markovLens.heat<i>`, `markovLens.gltr<i>`), so light,
 * dark and high-contrast themes each get their own colours. Every update sets every type (empty
 * where it has no ranges), so stale ranges always clear. The colour scale is the panel's: the same
 * document-relative bounds, fixed bounds or GLTR buckets.
 */
import * as vscode from 'vscode';
import { isCompareHeatMetric } from '../core/compare/heat';
import { HEAT_BUCKETS, type HeatMetric, metricValue } from '../core/heat';
import { GLTR_BUCKETS, type HeatPalette, type HeatScaleKind, makeHeatScale, scaleMetric } from '../core/heatScale';
import type { DocumentResult, ResultsStore } from './results';

export interface DecorationSettings { enabled: boolean; metric: HeatMetric; scale: HeatScaleKind }

export class HeatDecorations implements vscode.Disposable {
  private readonly types: Record<HeatPalette, vscode.TextEditorDecorationType[]>;
  private readonly disposables: vscode.Disposable[] = [];
  private timer?: NodeJS.Timeout;
  /** Ranges per bucket last set on each editor's document, for tests and logs. */
  private readonly applied = new Map<string, number[]>();
  /** Times decorations were set on an editor (tests: views that change no number must not repaint). */
  paints = 0;

  constructor(private readonly store: ResultsStore, private settings: DecorationSettings) {
    const make = (id: string) => vscode.window.createTextEditorDecorationType({
      backgroundColor: new vscode.ThemeColor(id),
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    });
    this.types = {
      heat: Array.from({ length: HEAT_BUCKETS }, (_, i) => make(`markovLens.heat${i}`)),
      gltr: Array.from({ length: GLTR_BUCKETS }, (_, i) => make(`markovLens.gltr${i}`)),
    };
    this.disposables.push(
      store.onDidChange(c => {
        // The spectrum's geometry and changed settings alter no per-token number shown inline.
        if (c.kind === 'geometry' || c.kind === 'outdated') return;
        if (c.kind === 'records') this.schedule(); else this.refreshDocument(c.uri);
      }),
      vscode.window.onDidChangeVisibleTextEditors(() => this.refreshAll()),
    );
  }

  configure(settings: DecorationSettings): void {
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
    const painted = this.settings.enabled && result && !isCompareHeatMetric(metric) ? rangesByBucket(result, editor.document, { ...this.settings, metric }) : undefined;
    for (const palette of ['heat', 'gltr'] as const) {
      const types = this.types[palette];
      for (let b = 0; b < types.length; b++) editor.setDecorations(types[b], painted?.palette === palette ? painted.ranges[b] : []);
    }
    this.paints++;
    this.applied.set(editor.document.uri.toString(), painted ? painted.ranges.map(r => r.length) : this.types.heat.map(() => 0));
  }

  /** Decorated token count per bucket for a document, as last set (0s when cleared). */
  appliedCounts(uri: string): number[] | undefined {
    return this.applied.get(uri);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of [...this.disposables, ...this.types.heat, ...this.types.gltr]) d.dispose();
  }
}

function rangesByBucket(result: DocumentResult, document: vscode.TextDocument, s: DecorationSettings): { palette: HeatPalette; ranges: vscode.Range[][] } {
  const metric = scaleMetric(s.scale, s.metric);
  const values = Float64Array.from(result.tokens, t => metricValue(metric, t.nll, t.entropy, t.rank));
  const scale = makeHeatScale(s.scale, metric, s.scale === 'quantile' ? values : []);
  return { palette: scale.palette, ranges: tokenRangesByBucket(result, document, scale.buckets, i => scale.bucketOf(values[i])) };
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
