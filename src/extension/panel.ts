/**
 * The heatmap panel beside the editor: one panel that shows the latest analysed document. It sends
 * a full snapshot when the webview says it is ready (also after being hidden or reloaded), streams
 * records while a run goes on, and validates every message the webview sends before acting.
 * Updates never reveal or focus it: only the user's own commands bring it forward. It follows the
 * editor: the editor's visible range and selection go to the panel, which scrolls along ("Follow
 * editor") and marks the selected token.
 */
import * as vscode from 'vscode';
import { isCompareHeatMetric } from '../core/compare/heat';
import { geometryColumns, type HeatMetric, isHeatMetric } from '../core/heat';
import type { HeatScaleKind } from '../core/heatScale';
import { type HostToPanelMessage, type PanelSnapshot, parsePanelMessage, parsePanelState } from '../protocol/heatmapPanel';
import { ImageRequests } from './imageRequests';
import { panelHtml } from './panelHtml';
import { columnsOf, type DocumentResult, type ResultChange, type ResultsStore, staleReasons } from './results';
import { withComparison } from './compareDetails';
import { tokenDetails } from './tokenDetails';

export const PANEL_VIEW_TYPE = 'markovLens.heatmap';
const RECORDS_FLUSH_MS = 100;
/** Editor scrolling is forwarded at most this often. */
const VISIBLE_FLUSH_MS = 60;

export interface PanelHooks {
  rerun(uri: vscode.Uri): void;
  metricChanged(metric: HeatMetric): void;
  scaleChanged(scale: HeatScaleKind): void;
  showSpectrum(uri: vscode.Uri): void;
  /** The panel picked another metric for the comparison shown (the inline heatmap follows). */
  comparisonMetricChanged?(uri: string): void;
  /** The toolbar's Export… button (the Export command, for the panel's document). */
  export?(uri: vscode.Uri): void;
  log: vscode.LogOutputChannel;
}

export class HeatmapPanel implements vscode.Disposable {
  private panel?: vscode.WebviewPanel;
  private uri?: string;
  private readonly disposables: vscode.Disposable[] = [];
  private panelDisposables: vscode.Disposable[] = [];
  private pending?: { from: number; to: number };
  private readonly shownTokens = new vscode.EventEmitter<{ uri: string; first: number; last: number }>();
  /** The panel scrolled: these tokens of the document are on screen (the layer lens follows). */
  readonly onDidShowTokens = this.shownTokens.event;
  private visibleTimer?: ReturnType<typeof setTimeout>;
  /** Last render time the panel reported, for tests and the performance figure. */
  lastRender?: { tokens: number; ms: number };
  /** Times the panel was brought forward (tests: live updates must never do it). */
  reveals = 0;
  private readonly images = new ImageRequests();

  constructor(private readonly extensionUri: vscode.Uri, private readonly store: ResultsStore,
    private metric: HeatMetric, private scale: HeatScaleKind, private readonly hooks: PanelHooks) {
    this.disposables.push(
      store.onDidChange(c => this.onResultChange(c)),
      vscode.window.onDidChangeTextEditorVisibleRanges(e => { if (this.isShown(e.textEditor)) this.queueVisible(); }),
      vscode.window.onDidChangeTextEditorSelection(e => { if (this.isShown(e.textEditor)) this.postSelection(e.textEditor); }),
    );
  }

  get currentUri(): string | undefined { return this.uri; }
  get isOpen(): boolean { return this.panel !== undefined; }
  /** The editor group the panel is in (the spectrum opens there too). */
  get viewColumn(): vscode.ViewColumn | undefined { return this.panel?.viewColumn; }

  /**
   * Shows the panel for a document (creating it beside the editor if needed) and brings it forward:
   * for the user's own commands only (Analyze File, Show Heatmap).
   */
  show(uri: vscode.Uri | string, preserveFocus = true): void {
    this.uri = uri.toString();
    if (this.panel) {
      this.reveals++;
      this.panel.reveal(undefined, preserveFocus);
      this.postSnapshot();
      return;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'Markov Lens',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus }, this.webviewOptions());
    this.attach(panel);
  }

  /**
   * True when the panel is a tab in the editor group where this document's editor is in front:
   * revealing the panel there would hide the editor (and the typing going into it).
   */
  sharesGroupWith(uri: vscode.Uri): boolean {
    const column = this.panel?.viewColumn;
    return column !== undefined && vscode.window.visibleTextEditors.some(e => e.viewColumn === column && e.document.uri.toString() === uri.toString());
  }

  /** Shows another document's analysis in the panel if it is open, without revealing or focusing it (live runs). */
  update(uri: vscode.Uri | string): void {
    if (!this.panel) return;
    this.uri = uri.toString();
    this.postSnapshot();
  }

  /** Restores a panel VS Code kept across a reload (WebviewPanelSerializer). */
  revive(panel: vscode.WebviewPanel, state: unknown): void {
    const s = parsePanelState(state);
    if (s) { this.uri = s.uri; if (!isCompareHeatMetric(s.metric)) this.metric = s.metric; this.scale = s.scale; }
    this.hooks.log.info(`Restoring the heatmap panel${s ? ` for ${s.uri}` : ' (no saved state)'}`);
    this.panel?.dispose();
    panel.webview.options = this.webviewOptions();
    this.attach(panel);
    if (this.uri && !this.store.get(this.uri)) this.hooks.rerun(vscode.Uri.parse(this.uri));
  }

  setMetric(metric: HeatMetric): void {
    this.metric = metric;
    // A comparison on screen keeps the metric picked for it.
    if (this.uri && this.store.get(this.uri)?.comparison) return;
    this.post({ type: 'metric/changed', metric });
  }

  setScale(scale: HeatScaleKind): void {
    this.scale = scale;
    this.post({ type: 'scale/changed', scale });
  }

  /** The heatmap as the panel shows it, as PNG bytes (Export…); the panel is brought forward, without focus. */
  async capture(): Promise<Uint8Array> {
    const panel = this.panel;
    if (!panel) throw new Error('the heatmap panel is not open');
    if (!panel.visible) panel.reveal(undefined, true);
    return this.images.request('heatmap panel', requestId => this.post({ type: 'export/capture', requestId }));
  }

  private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icon.png');
    panel.webview.html = panelHtml(panel.webview, this.extensionUri);
    this.panelDisposables = [
      panel.webview.onDidReceiveMessage(m => this.onMessage(m)),
      panel.onDidDispose(() => {
        for (const d of this.panelDisposables) d.dispose();
        this.panelDisposables = [];
        if (this.panel === panel) this.panel = undefined;
      }),
    ];
  }

  private onMessage(raw: unknown): void {
    const result = this.uri ? this.store.get(this.uri) : undefined;
    const msg = parsePanelMessage(raw, result?.tokens.length ?? 0);
    if (!msg) {
      this.hooks.log.warn(`Ignored an invalid message from the panel: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    switch (msg.type) {
      case 'panel/ready':
        this.postSnapshot();
        return;
      case 'analysis/rerun':
        if (this.uri) this.hooks.rerun(vscode.Uri.parse(this.uri));
        return;
      case 'spectrum/show':
        if (this.uri) this.hooks.showSpectrum(vscode.Uri.parse(this.uri));
        return;
      case 'metric/set':
        // A comparison keeps its own choice (shown inline too); it does not change the setting.
        if (result?.comparison) {
          result.comparison.metric = msg.metric;
          this.hooks.comparisonMetricChanged?.(result.uri);
          return;
        }
        if (isCompareHeatMetric(msg.metric)) return;
        this.metric = msg.metric;
        // Geometry layers exist only for some analyses: they stay a choice of this panel, not the setting.
        if (isHeatMetric(msg.metric)) this.hooks.metricChanged(msg.metric);
        return;
      case 'scale/set':
        this.scale = msg.scale;
        this.hooks.scaleChanged(msg.scale);
        return;
      case 'token/details':
        this.post({ type: 'token/details', requestId: msg.requestId,
          details: result ? withComparison(tokenDetails(result.tokens, result.text, msg.index, result.tokenText), result) : null });
        return;
      case 'token/reveal':
        if (result) void this.reveal(result.uri, msg.index);
        return;
      case 'view/visible':
        if (this.uri) this.shownTokens.fire({ uri: this.uri, first: msg.first, last: msg.last });
        return;
      case 'panel/rendered':
        this.lastRender = { tokens: msg.tokens, ms: msg.ms };
        this.hooks.log.info(`Panel rendered ${msg.tokens} tokens in ${msg.ms.toFixed(1)} ms`);
        return;
      case 'export/open':
        if (this.uri) this.hooks.export?.(vscode.Uri.parse(this.uri));
        return;
      case 'export/image':
        this.images.answer(msg);
        return;
    }
  }

  /** Selects token `index` of the analysis of `uri` in its editor (the spectrum panel uses it too). */
  async reveal(uri: string, index: number): Promise<void> {
    const result = this.store.get(uri);
    if (!result) return;
    if (!result.spans.alive[index]) {
      void vscode.window.showInformationMessage('Markov Lens: that token was edited since the analysis; re-run to update.');
      return;
    }
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
    const range = new vscode.Range(document.positionAt(result.spans.starts[index]), document.positionAt(result.spans.ends[index]));
    const column = vscode.window.visibleTextEditors.find(e => e.document === document)?.viewColumn ?? vscode.ViewColumn.One;
    await vscode.window.showTextDocument(document, { viewColumn: column, selection: range, preserveFocus: false });
  }

  private isShown(editor: vscode.TextEditor): boolean {
    return this.panel !== undefined && editor.document.uri.toString() === this.uri;
  }

  /** The editor showing the panel's document, if one is visible. */
  private editor(): vscode.TextEditor | undefined {
    const uri = this.uri;
    if (!uri) return undefined;
    const active = vscode.window.activeTextEditor;
    if (active?.document.uri.toString() === uri) return active;
    return vscode.window.visibleTextEditors.find(e => e.document.uri.toString() === uri);
  }

  /** First token of the editor's visible range (undefined without a visible editor or tokens). */
  private visibleToken(result: DocumentResult): number | undefined {
    const editor = this.editor();
    const range = editor?.visibleRanges[0];
    if (!editor || !range || result.spans.length === 0) return undefined;
    // The first line on screen, from its start: a token that begins on the line before still shows.
    const i = result.spans.tokenFrom(editor.document.offsetAt(range.start));
    return Math.min(i, result.spans.length - 1);
  }

  private selectedToken(result: DocumentResult, editor = this.editor()): number | undefined {
    if (!editor) return undefined;
    const i = result.spans.tokenAt(editor.document.offsetAt(editor.selection.start));
    return i >= 0 ? i : undefined;
  }

  private queueVisible(): void {
    if (this.visibleTimer) return;
    this.visibleTimer = setTimeout(() => {
      this.visibleTimer = undefined;
      const result = this.uri ? this.store.get(this.uri) : undefined;
      const token = result && !result.running ? this.visibleToken(result) : undefined;
      if (result && token !== undefined) this.post({ type: 'editor/visible', uri: result.uri, token });
    }, VISIBLE_FLUSH_MS);
  }

  private postSelection(editor: vscode.TextEditor): void {
    const result = this.uri ? this.store.get(this.uri) : undefined;
    if (!result || result.running) return;
    this.post({ type: 'editor/selection', uri: result.uri, token: this.selectedToken(result, editor) ?? null });
  }

  private snapshot(): PanelSnapshot | undefined {
    const result = this.uri ? this.store.get(this.uri) : undefined;
    if (!result) return undefined;
    const finished = !result.running;
    return {
      uri: result.uri, fileName: result.fileName, text: result.text, columns: columnsOf(result.tokens, 0, undefined, result.comparison),
      totalTokens: result.totalTokens, header: result.header, running: result.running, stale: result.stale,
      staleReasons: staleReasons(result), error: result.error, metric: result.comparison?.metric ?? this.metric, scale: this.scale,
      geometry: result.geometry && finished ? geometryColumns(result.geometry) : undefined,
      visibleToken: finished ? this.visibleToken(result) : undefined,
      selectedToken: finished ? this.selectedToken(result) : undefined,
    };
  }

  private postSnapshot(): void {
    const snapshot = this.snapshot();
    if (snapshot) this.post({ type: 'analysis/snapshot', snapshot });
  }

  private onResultChange(c: ResultChange): void {
    if (!this.panel || c.uri !== this.uri) return;
    const result = this.store.get(c.uri);
    switch (c.kind) {
      case 'started':
      case 'removed':
        this.pending = undefined;
        this.postSnapshot();
        return;
      case 'records':
        this.queueRecords(c.first, c.first + c.count);
        return;
      case 'finished':
        this.pending = undefined;
        // The final records replace the streamed ones (same tokens, authoritative values).
        this.postSnapshot();
        return;
      case 'failed':
        if (result?.error) this.post({ type: 'analysis/error', uri: c.uri, message: result.error });
        return;
      case 'stale':
      case 'outdated':
        if (result) this.post({ type: 'analysis/stale', uri: c.uri, stale: result.stale, reasons: staleReasons(result) });
        return;
      case 'geometry':
        if (result) this.post({ type: 'analysis/geometry', uri: c.uri, geometry: result.geometry ? geometryColumns(result.geometry) : undefined });
        return;
    }
  }

  /**
   * Streams records to the panel in batches, at most every RECORDS_FLUSH_MS: a long document has
   * thousands of windows, and one message per window would flood the webview.
   */
  private queueRecords(from: number, to: number): void {
    if (this.pending) { this.pending.to = to; return; }
    this.pending = { from, to };
    setTimeout(() => this.flushRecords(), RECORDS_FLUSH_MS);
  }

  private flushRecords(): void {
    const range = this.pending;
    this.pending = undefined;
    const result = this.uri ? this.store.get(this.uri) : undefined;
    if (!range || !result || !result.running) return;
    this.post({ type: 'analysis/records', uri: result.uri, columns: columnsOf(result.tokens, range.from, range.to - range.from, result.comparison),
      done: result.tokens.length, total: result.totalTokens });
  }

  private post(message: HostToPanelMessage): void {
    void this.panel?.webview.postMessage(message);
  }

  dispose(): void {
    clearTimeout(this.visibleTimer);
    this.panel?.dispose();
    this.shownTokens.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
