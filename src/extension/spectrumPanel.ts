/**
 * The spectrum panel: the geometry views of one analysed document. Opening it (or changing kernel or
 * side) re-runs the analysis with geometry when the held result lacks it or used other options; the
 * run shows the usual cancellable progress. Messages from the webview are validated before use.
 */
import * as vscode from 'vscode';
import type { GeometryRequest } from '../model/api';
import { parseSpectrumMessage, type SpectrumChart, type SpectrumOptions, type SpectrumSnapshot } from '../protocol/spectrumPanel';
import { ImageRequests } from './imageRequests';
import type { DocumentResult, ResultsStore } from './results';
import { spectrumHtml } from './spectrumHtml';

export const SPECTRUM_VIEW_TYPE = 'markovLens.spectrum';

export interface SpectrumHooks {
  /** Runs the analysis of `uri` with geometry. */
  analyze(uri: vscode.Uri, geometry: GeometryRequest): Promise<unknown>;
  reveal(uri: string, index: number): Promise<void>;
  log: vscode.LogOutputChannel;
}

const DEFAULT_OPTIONS: SpectrumOptions = { kernel: 'prototype', side: 'model' };

export class SpectrumPanel implements vscode.Disposable {
  private panel?: vscode.WebviewPanel;
  private uri?: string;
  private options: SpectrumOptions = DEFAULT_OPTIONS;
  /** A geometry run this panel started is under way. */
  private computing = false;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly images = new ImageRequests();

  constructor(private readonly extensionUri: vscode.Uri, private readonly store: ResultsStore, private readonly hooks: SpectrumHooks) {
    this.disposables.push(store.onDidChange(c => {
      if (this.panel && c.uri === this.uri && c.kind !== 'records') this.postSnapshot();
    }));
  }

  get isOpen(): boolean { return this.panel !== undefined; }
  /** The document whose geometry the panel shows (while open). */
  get currentUri(): string | undefined { return this.panel ? this.uri : undefined; }

  /** One chart as PNG bytes (chart.js's own export); the panel is brought forward, without focus. */
  async capture(chart: SpectrumChart): Promise<Uint8Array> {
    const panel = this.panel;
    if (!panel) throw new Error('the spectrum panel is not open');
    if (!panel.visible) panel.reveal(undefined, true);
    return this.images.request(`spectrum panel's ${chart} chart`, requestId => void panel.webview.postMessage({ type: 'export/capture', requestId, chart }));
  }

  /** Opens (or reveals) the panel for `uri`, computing the geometry first if the result lacks it. */
  async show(uri: vscode.Uri): Promise<void> {
    this.uri = uri.toString();
    const held = this.store.get(uri);
    if (held?.geometryRequest) this.options = { kernel: held.geometryRequest.kernel ?? 'prototype', side: held.geometryRequest.side ?? 'model' };
    if (this.panel) this.panel.reveal(vscode.ViewColumn.Beside, false);
    else this.attach(vscode.window.createWebviewPanel(SPECTRUM_VIEW_TYPE, 'Markov Lens Spectrum', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, {
      enableScripts: true, retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    }));
    if (held && !held.running && this.hasGeometry(held)) this.postSnapshot();
    else await this.compute();
  }

  private hasGeometry(r: DocumentResult): boolean {
    return r.geometry !== undefined && (r.geometryRequest?.kernel ?? 'prototype') === this.options.kernel
      && (r.geometryRequest?.side ?? 'model') === this.options.side;
  }

  private async compute(): Promise<void> {
    if (!this.uri) return;
    this.hooks.log.info(`Spectrum: computing the geometry of ${this.uri} (${this.options.kernel} kernel, ${this.options.side} side)`);
    this.computing = true;
    this.postSnapshot();
    try {
      await this.hooks.analyze(vscode.Uri.parse(this.uri), { ...this.options });
    } finally {
      this.computing = false;
      // The run revealed the heatmap panel (it may share this panel's group): come back to the front.
      this.panel?.reveal(undefined, true);
      this.postSnapshot();
    }
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icon.png');
    panel.webview.html = spectrumHtml(panel.webview, this.extensionUri);
    const subscriptions = [
      panel.webview.onDidReceiveMessage(m => this.onMessage(m)),
      panel.onDidDispose(() => {
        for (const d of subscriptions) d.dispose();
        if (this.panel === panel) this.panel = undefined;
      }),
    ];
  }

  private onMessage(raw: unknown): void {
    const result = this.uri ? this.store.get(this.uri) : undefined;
    const msg = parseSpectrumMessage(raw, result?.tokens.length ?? 0);
    if (!msg) {
      this.hooks.log.warn(`Ignored an invalid message from the spectrum panel: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    switch (msg.type) {
      case 'spectrum/ready':
        this.postSnapshot();
        return;
      case 'spectrum/options':
        this.options = msg.options;
        void this.compute();
        return;
      case 'token/reveal':
        if (result) void this.hooks.reveal(result.uri, msg.index);
        return;
      case 'export/image':
        this.images.answer(msg);
        return;
    }
  }

  private postSnapshot(): void {
    const r = this.uri ? this.store.get(this.uri) : undefined;
    if (!this.panel || !r) return;
    const geometry = this.hasGeometry(r) ? r.geometry : undefined;
    const running = r.running || this.computing;
    const missing = !geometry && !running && !r.error
      ? (r.geometry ? undefined : 'This analysis has no geometry (the engine returned none, or it was run without it). Change an option or run "Markov Lens: Show Spectrum" to compute it.')
      : undefined;
    const snapshot: SpectrumSnapshot = {
      uri: r.uri, fileName: r.fileName, options: this.options,
      tokenTexts: geometry ? r.tokens.map(t => r.text.slice(t.start, t.end)) : [],
      nll: geometry ? r.tokens.map(t => t.nll) : [], entropy: geometry ? r.tokens.map(t => t.entropy) : [],
      geometry, running, error: r.error ?? missing,
    };
    void this.panel.webview.postMessage({ type: 'spectrum/snapshot', snapshot });
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
