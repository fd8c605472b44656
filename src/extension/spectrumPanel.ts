/**
 * The spectrum panel: the geometry views of one analysed document. It never runs the model: the
 * geometry is computed by the engine from what it kept of the document's last analysis
 * (AnalyzeRequest.keep), for the panel's kernel and side, and a change of kernel or side computes
 * only the geometry again. Only the combinations the engine publishes as available are asked for.
 * The panel shows the options of the data on screen, never of a request, and keeps them across
 * reloads (its serializer). Updates never reveal or focus it; it opens in the heatmap's editor group.
 */
import * as vscode from 'vscode';
import { isInputError } from '../core/errors';
import { kernelChoices, unavailableReason, type GeometryReport, type KernelChoice } from '../core/geometry';
import type { GeometryRequest } from '../model/api';
import {
  type DocSection, parseSpectrumMessage, parseSpectrumState, type SpectrumChart, type SpectrumOptions, type SpectrumSnapshot,
} from '../protocol/spectrumPanel';
import { type DocumentResult, type ResultsStore, staleReasons } from './results';
import { ImageRequests } from './imageRequests';
import { spectrumHtml } from './spectrumHtml';
import { settingChanges, type AnalysisSettings } from './staleness';

export const SPECTRUM_VIEW_TYPE = 'markovLens.spectrum';

export interface SpectrumHooks {
  /** The geometry of a finished result from what the engine kept of it (rejects when it is gone). */
  geometry(result: DocumentResult, options: GeometryRequest, signal: AbortSignal): Promise<GeometryReport>;
  /** Runs the analysis of `uri` again, without bringing any panel forward. */
  rerun(uri: vscode.Uri): void;
  /** Whether an analysis of `uri` is under way. */
  analysing(uri: vscode.Uri): boolean;
  /** The current settings (what a fresh run would use). */
  settings(): AnalysisSettings;
  /** The settings' geometry options (deep surplus, context ablation) for the engine. */
  geometryOptions(): GeometryRequest;
  /** The heatmap panel's editor group, where the spectrum belongs. */
  heatmapColumn(): vscode.ViewColumn | undefined;
  reveal(uri: string, index: number): Promise<void>;
  openDocs(section: DocSection): void;
  log: vscode.LogOutputChannel;
}

const DEFAULT_OPTIONS: SpectrumOptions = { kernel: 'prototype', side: 'model' };
const same = (a: SpectrumOptions, b: SpectrumOptions) => a.kernel === b.kernel && a.side === b.side;

/** What the panel shows: a geometry and the analysis it was computed from. */
interface Shown {
  result: DocumentResult;
  options: SpectrumOptions;
  geometry: GeometryReport;
  /** Settings' geometry options it was computed with (deep surplus, context ablation). */
  request: GeometryRequest;
}

export class SpectrumPanel implements vscode.Disposable {
  private panel?: vscode.WebviewPanel;
  private uri?: string;
  /** The options to compute next (the user's last valid choice). */
  private wanted: SpectrumOptions = DEFAULT_OPTIONS;
  private shown?: Shown;
  private computing?: { options: SpectrumOptions; controller: AbortController; result: DocumentResult };
  private notice?: string;
  private error?: string;
  private readonly disposables: vscode.Disposable[] = [];
  /** Geometry requests made (tests and logs). */
  requests = 0;
  /** Bumped whenever the data on screen changes (the webview redraws its charts only then). */
  private version = 0;
  private readonly images = new ImageRequests();

  constructor(private readonly extensionUri: vscode.Uri, private readonly store: ResultsStore, private readonly hooks: SpectrumHooks) {
    this.disposables.push(store.onDidChange(c => {
      if (!this.panel || c.uri !== this.uri || c.kind === 'records' || c.kind === 'geometry') return;
      if (c.kind === 'finished') this.refresh();
      else this.post();
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

  /** Settings changed: the stale reasons on screen are re-read. */
  settingsChanged(): void {
    this.post();
  }

  /** What the panel shows now (tests). */
  get state(): { uri?: string; options?: SpectrumOptions; computing: boolean; tokens?: number; requests: number } {
    return { uri: this.uri, options: this.shown?.options, computing: this.computing !== undefined, tokens: this.shown?.geometry.tokens, requests: this.requests };
  }

  /** Opens (or brings forward) the panel for `uri`, in the heatmap's group, and shows its geometry. */
  show(uri: vscode.Uri): void {
    this.switchTo(uri.toString());
    const column = this.hooks.heatmapColumn() ?? vscode.ViewColumn.Beside;
    if (this.panel) this.panel.reveal(this.panel.viewColumn ?? column, false);
    else this.attach(vscode.window.createWebviewPanel(SPECTRUM_VIEW_TYPE, 'Markov Lens Spectrum', { viewColumn: column, preserveFocus: false }, this.options()));
    this.refresh();
  }

  /** Restores the panel VS Code kept across a reload, with the options of the data it showed. */
  revive(panel: vscode.WebviewPanel, state: unknown): void {
    const s = parseSpectrumState(state);
    this.hooks.log.info(`Restoring the spectrum panel${s ? ` for ${s.uri} (${s.options.kernel} kernel, ${s.options.side} side)` : ' (no saved state)'}`);
    this.panel?.dispose();
    panel.webview.options = this.options();
    if (s) { this.switchTo(s.uri); this.wanted = s.options; }
    this.attach(panel);
    if (this.uri && !this.store.get(this.uri) && !this.hooks.analysing(vscode.Uri.parse(this.uri))) this.hooks.rerun(vscode.Uri.parse(this.uri));
    this.refresh();
  }

  private switchTo(uri: string): void {
    if (uri === this.uri) return;
    this.uri = uri;
    this.shown = undefined;
    this.notice = undefined;
    this.error = undefined;
    this.computing?.controller.abort();
    this.computing = undefined;
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true, retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icon.png');
    panel.webview.html = spectrumHtml(panel.webview, this.extensionUri);
    const subscriptions = [
      panel.webview.onDidReceiveMessage(m => this.onMessage(m)),
      panel.onDidDispose(() => {
        for (const d of subscriptions) d.dispose();
        if (this.panel === panel) {
          this.panel = undefined;
          this.computing?.controller.abort();
          this.computing = undefined;
        }
      }),
    ];
  }

  /** The combinations this document's geometry can be computed for (the engine's list once it answered). */
  private choices(): KernelChoice[] {
    return this.shown?.geometry.choices ?? kernelChoices();
  }

  /**
   * Brings the panel up to date with the store: shows the geometry of the latest finished analysis
   * for the wanted options, computing it from the kept analysis when it is not there yet.
   */
  private refresh(): void {
    const result = this.uri ? this.store.get(this.uri) : undefined;
    if (!result || result.running) return this.post();
    const request = this.hooks.geometryOptions();
    if (this.shown?.result === result && same(this.shown.options, this.wanted) && sameRequest(this.shown.request, request)) return this.post();
    const held = result.geometry && result.geometryRequest;
    if (held && same(held as SpectrumOptions, this.wanted) && sameRequest(held, request)) {
      this.shown = { result, options: this.wanted, geometry: result.geometry!, request };
      this.version++;
      return this.post();
    }
    if (this.computing?.result === result && same(this.computing.options, this.wanted)) return this.post();
    void this.compute(result, this.wanted, request);
  }

  private async compute(result: DocumentResult, options: SpectrumOptions, request: GeometryRequest): Promise<void> {
    this.computing?.controller.abort();
    const controller = new AbortController();
    const computing = { options, controller, result };
    this.computing = computing;
    this.error = undefined;
    this.post();
    const started = performance.now();
    this.requests++;
    try {
      const geometry = await this.hooks.geometry(result, { ...request, ...options }, controller.signal);
      if (this.computing !== computing) return;
      this.hooks.log.info(`Spectrum of ${result.fileName}: ${options.kernel} kernel, ${options.side} side, computed from the kept analysis in ${(performance.now() - started).toFixed(0)} ms (no model run)`);
      this.store.setGeometry(result, geometry, { ...request, ...options });
      this.shown = { result, options, geometry, request };
      this.version++;
      this.notice = undefined;
    } catch (e) {
      if (this.computing !== computing || controller.signal.aborted) return;
      const message = e instanceof Error ? e.message : String(e);
      if (isInputError(e) && e.code === 'settings-invalid') {
        // The engine refused the combination: the data on screen and its options stay.
        this.notice = message;
        this.wanted = this.shown?.options ?? DEFAULT_OPTIONS;
      } else if (isInputError(e) && e.code === 'geometry-not-kept') {
        this.error = `The engine no longer holds what this spectrum needs from the analysis of ${result.fileName} (it keeps the most recent ones, and forgets them when it restarts or the model changes). Re-run the analysis to compute it.`;
      } else {
        this.error = `The spectrum could not be computed: ${message}`;
      }
      this.hooks.log.warn(`Spectrum of ${result.fileName} (${options.kernel}, ${options.side}): ${message}`);
    } finally {
      if (this.computing === computing) this.computing = undefined;
      this.post();
    }
  }

  private onMessage(raw: unknown): void {
    const result = this.uri ? this.store.get(this.uri) : undefined;
    const msg = parseSpectrumMessage(raw, this.shown?.result.tokens.length ?? 0);
    if (!msg) {
      this.hooks.log.warn(`Ignored an invalid message from the spectrum panel: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    switch (msg.type) {
      case 'spectrum/ready':
        this.post();
        return;
      case 'spectrum/options': {
        const refused = unavailableReason(this.choices(), msg.options.kernel, msg.options.side);
        if (refused) {
          // Never asked of the engine: the controls go back to the data on screen.
          this.notice = `${msg.options.kernel} kernel, ${msg.options.side} side: ${refused}.`;
          this.hooks.log.warn(`Spectrum: refused ${msg.options.kernel}/${msg.options.side}: ${refused}`);
          this.post();
          return;
        }
        this.wanted = msg.options;
        this.notice = undefined;
        this.refresh();
        return;
      }
      case 'spectrum/rerun':
        this.rerun(result);
        return;
      case 'docs/open':
        this.hooks.openDocs(msg.section);
        return;
      case 'token/reveal':
        if (this.shown) void this.hooks.reveal(this.shown.result.uri, msg.index);
        return;
      case 'export/image':
        this.images.answer(msg);
        return;
    }
  }

  /** The geometry again when the kept analysis is current; otherwise the analysis (then the geometry follows). */
  private rerun(result: DocumentResult | undefined): void {
    if (!this.uri) return;
    const current = result && !result.running && staleReasons(result).length === 0 && result.kept && 'id' in result.kept && !this.error;
    this.error = undefined;
    this.notice = undefined;
    if (current) {
      this.shown = undefined;
      void this.compute(result, this.wanted, this.hooks.geometryOptions());
    } else {
      this.hooks.rerun(vscode.Uri.parse(this.uri));
      this.post();
    }
  }

  /** Why the geometry on screen may differ from a fresh run, named. */
  private staleReasons(): string[] {
    const shown = this.shown;
    if (!shown) return [];
    const latest = this.uri ? this.store.get(this.uri) : undefined;
    const reasons = [...staleReasons(shown.result)];
    if (shown.result.settings) {
      for (const r of settingChanges(shown.result.settings, this.hooks.settings(), true)) if (!reasons.includes(r)) reasons.push(r);
    }
    if (latest && latest !== shown.result && !latest.running && reasons.length === 0) {
      reasons.push('the document was analysed again (live mode keeps nothing for the spectrum); it shows the analysis before');
    }
    return reasons;
  }

  private post(): void {
    if (!this.panel || !this.uri) return;
    const latest = this.store.get(this.uri);
    const shown = this.shown;
    const data = shown?.result;
    const running = (latest?.running ?? false) || this.hooks.analysing(vscode.Uri.parse(this.uri));
    const missing = !latest && !running ? 'No analysis of this document yet: run "Markov Lens: Analyze File" (or Re-run).' : undefined;
    const snapshot: SpectrumSnapshot = {
      uri: this.uri, fileName: latest?.fileName ?? data?.fileName ?? this.uri.split('/').pop() ?? this.uri,
      options: shown?.options ?? this.computing?.options ?? this.wanted,
      choices: this.choices(),
      tokenTexts: data ? data.tokens.map(t => data.text.slice(t.start, t.end)) : [],
      nll: data ? data.tokens.map(t => t.nll) : [],
      entropy: data ? data.tokens.map(t => t.entropy) : [],
      geometry: shown?.geometry,
      running,
      computing: this.computing?.options,
      staleReasons: this.staleReasons(),
      notice: this.notice,
      error: this.error ?? latest?.error ?? missing,
      canRerun: !running,
      version: this.version,
    };
    void this.panel.webview.postMessage({ type: 'spectrum/snapshot', snapshot });
  }

  dispose(): void {
    this.computing?.controller.abort();
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

function sameRequest(a: GeometryRequest, b: GeometryRequest): boolean {
  return (a.deepSurplus ?? 0) === (b.deepSurplus ?? 0) && (a.contextAblation ?? false) === (b.contextAblation ?? false);
}
