/**
 * The heatmap panel beside the editor: one panel that shows the latest analysed document. It sends
 * a full snapshot when the webview says it is ready (also after being hidden or reloaded), streams
 * records while a run goes on, and validates every message the webview sends before acting.
 */
import * as vscode from 'vscode';
import { isCompareHeatMetric } from '../core/compare/heat';
import { geometryColumns, type HeatMetric, isHeatMetric } from '../core/heat';
import { type HostToPanelMessage, type PanelSnapshot, parsePanelMessage, parsePanelState } from '../protocol/heatmapPanel';
import { ImageRequests } from './imageRequests';
import { panelHtml } from './panelHtml';
import { columnsOf, type ResultsStore } from './results';
import { withComparison } from './compareDetails';
import { tokenDetails } from './tokenDetails';

export const PANEL_VIEW_TYPE = 'markovLens.heatmap';
const RECORDS_FLUSH_MS = 100;

export interface PanelHooks {
  rerun(uri: vscode.Uri): void;
  metricChanged(metric: HeatMetric): void;
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
  /** Last render time the panel reported, for tests and the performance figure. */
  lastRender?: { tokens: number; ms: number };
  private readonly images = new ImageRequests();

  constructor(private readonly extensionUri: vscode.Uri, private readonly store: ResultsStore,
    private metric: HeatMetric, private readonly hooks: PanelHooks) {
    this.disposables.push(store.onDidChange(c => this.onResultChange(c)));
  }

  get currentUri(): string | undefined { return this.uri; }
  get isOpen(): boolean { return this.panel !== undefined; }

  /** Shows the panel for a document (creating it beside the editor if needed). */
  show(uri: vscode.Uri | string, preserveFocus = true): void {
    this.uri = uri.toString();
    if (this.panel) {
      this.panel.reveal(undefined, preserveFocus);
      this.postSnapshot();
      return;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'Markov Lens',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus }, this.webviewOptions());
    this.attach(panel);
  }

  /** Restores a panel VS Code kept across a reload (WebviewPanelSerializer). */
  revive(panel: vscode.WebviewPanel, state: unknown): void {
    const s = parsePanelState(state);
    if (s) { this.uri = s.uri; if (!isCompareHeatMetric(s.metric)) this.metric = s.metric; }
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

  private snapshot(): PanelSnapshot | undefined {
    const result = this.uri ? this.store.get(this.uri) : undefined;
    if (!result) return undefined;
    return {
      uri: result.uri, fileName: result.fileName, text: result.text, columns: columnsOf(result.tokens, 0, undefined, result.comparison),
      totalTokens: result.totalTokens, header: result.header, running: result.running, stale: result.stale,
      error: result.error, metric: result.comparison?.metric ?? this.metric,
      geometry: result.geometry && !result.running ? geometryColumns(result.geometry) : undefined,
    };
  }

  private postSnapshot(): void {
    const snapshot = this.snapshot();
    if (snapshot) this.post({ type: 'analysis/snapshot', snapshot });
  }

  private onResultChange(c: Parameters<Parameters<ResultsStore['onDidChange']>[0]>[0]): void {
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
        this.post({ type: 'analysis/stale', uri: c.uri, stale: true });
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
    this.panel?.dispose();
    this.shownTokens.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
