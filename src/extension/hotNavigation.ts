/**
 * Next / Previous Hot Spot (the cursor moves to the next token at or above a bucket of the current
 * colour scale, `markovLens.hotSpots.bucket`, and its hover opens), the overview-ruler marks for the
 * hottest 1 % of tokens, the `markovLens.hasAnalysis` context key the keybindings need, and the
 * quick pick of the top hot spots that the bits-per-byte status item opens.
 */
import * as vscode from 'vscode';
import type { HeatMetric } from '../core/heat';
import { type HeatScaleKind, makeHeatScale, scaleMetric } from '../core/heatScale';
import { hottestTokens, hotThreshold, nextHotToken, RULER_FRACTION } from '../core/navigate/hotTokens';
import { hotSpotSettings, revealTokens, shownMetric, tokenValues } from './hotSpotValues';
import type { HotSpotsView } from './hotSpotsView';
import type { ResultsStore } from './results';

export class HotNavigation implements vscode.Disposable {
  private readonly ruler = vscode.window.createTextEditorDecorationType({
    overviewRulerColor: new vscode.ThemeColor('markovLens.hotSpotRuler'),
    overviewRulerLane: vscode.OverviewRulerLane.Right,
  });
  private readonly disposables: vscode.Disposable[];
  private readonly marked = new Map<string, number[]>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly store: ResultsStore, private readonly metric: () => HeatMetric, private readonly scale: () => HeatScaleKind) {
    this.disposables = [
      this.ruler,
      store.onDidChange(c => (c.kind === 'records' ? this.schedule() : this.refresh())),
      vscode.window.onDidChangeVisibleTextEditors(() => this.refresh()),
      vscode.window.onDidChangeActiveTextEditor(() => this.setContext()),
    ];
    this.refresh();
  }

  /** Repaints the ruler marks (after a metric change, too). */
  refresh(): void {
    for (const editor of vscode.window.visibleTextEditors) this.paint(editor);
    this.setContext();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => { this.timer = undefined; this.refresh(); }, 500);
  }

  private paint(editor: vscode.TextEditor): void {
    const uri = editor.document.uri.toString();
    const result = this.store.get(uri);
    const indices = result && !result.running ? hottestTokens(tokenValues(result, shownMetric(result, this.metric())), RULER_FRACTION) : [];
    const ranges = result ? indices.map(i => new vscode.Range(editor.document.positionAt(result.spans.starts[i]), editor.document.positionAt(result.spans.ends[i]))) : [];
    editor.setDecorations(this.ruler, ranges);
    this.marked.set(uri, indices);
  }

  private setContext(): void {
    const doc = vscode.window.activeTextEditor?.document;
    const result = doc && this.store.get(doc.uri);
    void vscode.commands.executeCommand('setContext', 'markovLens.hasAnalysis', !!result && result.tokens.length > 0);
  }

  /** Token indices the overview ruler marks in a document (tests). */
  rulerTokens(uri: string): number[] | undefined {
    return this.marked.get(uri);
  }

  /** Moves the cursor of the active editor to the next (1) or previous (-1) hot token; its index, or -1. */
  async go(direction: 1 | -1): Promise<number> {
    const editor = vscode.window.activeTextEditor;
    const result = editor && this.store.get(editor.document.uri);
    if (!editor || !result || result.tokens.length === 0) {
      void vscode.window.showInformationMessage('Markov Lens: no analysis for this editor. Run "Markov Lens: Analyze File" first.');
      return -1;
    }
    // The stops follow the colours on screen: the scale's metric (rank for GLTR) and its bounds
    // (the document's own quantiles by default).
    const kind = this.scale();
    const metric = scaleMetric(kind, shownMetric(result, this.metric()));
    const values = tokenValues(result, metric);
    const threshold = hotThreshold(makeHeatScale(kind, metric, values), hotSpotSettings().bucket);
    const index = nextHotToken(values, this.cursorToken(editor, result.spans.starts, direction), direction, threshold);
    if (index < 0) {
      void vscode.window.showInformationMessage(`Markov Lens: no token at or above ${threshold} on this colour scale (${metric}); lower markovLens.hotSpots.bucket to stop at cooler tokens.`);
      return -1;
    }
    const { spans } = result;
    const position = editor.document.positionAt(spans.starts[index]);
    editor.selection = new vscode.Selection(position, position);
    editor.revealRange(new vscode.Range(position, editor.document.positionAt(spans.ends[index])), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    await vscode.commands.executeCommand('editor.action.showHover');
    return index;
  }

  /** The token under the cursor; between tokens, the one before it (going forward) or after it (going back). */
  private cursorToken(editor: vscode.TextEditor, starts: Int32Array, direction: 1 | -1): number {
    const offset = editor.document.offsetAt(editor.selection.active);
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid] <= offset) lo = mid + 1; else hi = mid;
    }
    // lo - 1: the last token starting at or before the cursor.
    const at = lo - 1;
    if (direction === 1) return at;
    return at >= 0 && starts[at] === offset ? at : at + 1;
  }

  /** The status item's quick pick: the top hot spots of the active document, and the panel. */
  async pickHotSpot(view: HotSpotsView): Promise<void> {
    const spots = view.spots();
    type Item = vscode.QuickPickItem & { run: () => unknown };
    const items: Item[] = spots.map(({ spot, uri }) => ({
      label: `$(flame) ${spot.bitsPerToken.toFixed(2)} bits/token`, description: `line ${spot.line}`, detail: spot.text,
      run: () => { const r = this.store.get(uri); return r && revealTokens(r, spot.first, spot.first + spot.count - 1, false); },
    }));
    items.push({ label: '$(preview) Show Heatmap Panel', run: () => vscode.commands.executeCommand('markovLens.showPanel') });
    const picked = await vscode.window.showQuickPick(items, {
      title: `Markov Lens: hot spots${spots.length ? ` (worst ${hotSpotSettings().span}-token passages)` : ''}`,
      placeHolder: spots.length ? 'Go to a passage' : 'No hot spots for this editor', matchOnDetail: true,
    });
    await picked?.run();
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
