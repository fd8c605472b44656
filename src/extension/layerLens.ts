/**
 * "Markov Lens: Show Layer Lens" (issue 17): a panel with the layers × tokens grid of the analysed
 * document around where the editor is. Documents up to 4,096 tokens get the lens of every token at
 * once (a cancellable notification counts the tokens); longer ones get the tokens the editor and the
 * panel show, computed on demand as they scroll (progress in the panel and the status bar). The grid
 * follows the editor's and the heatmap panel's scrolling and the editor's selection; clicking a cell
 * reveals its token. Also: the editor colouring by prediction depth, and the per-layer alignment.
 * Every message from the webview is validated first.
 */
import * as vscode from 'vscode';
import { isLensOff, type LayerLensOutcome } from '../core/lens/types';
import {
  type HostToLensMessage, type LensFocus, type LensMetric, type LensSnapshot, type LensStatus, parseLensMessage, parseLensPanelState,
} from '../protocol/layerLensPanel';
import type { LensComputer } from './layerLensCompute';
import { DepthDecorations } from './layerLensDecorations';
import { layerLensHtml } from './layerLensHtml';
import { DocumentLens, PAGE_TOKENS, tokensIn, WHOLE_DOCUMENT_TOKENS } from './layerLensPages';
import type { DocumentResult, ResultsStore } from './results';

export const LAYER_LENS_VIEW_TYPE = 'markovLens.layerLens';
/** Most tokens one on-demand request decodes (the visible range of a long document, and a margin). */
const RANGE_LIMIT = 1024;
/** Tokens of margin around what the editor shows when a long document's range is computed. */
const MARGIN = 64;

export interface LayerLensHooks {
  log: vscode.LogOutputChannel;
  reveal(uri: string, index: number): Promise<void>;
  /** Runs the analysis of a document that has none yet. */
  analyze(uri: vscode.Uri): Promise<unknown>;
}

interface Held {
  result: DocumentResult;
  lens: DocumentLens;
}

export class LayerLensPanel implements vscode.Disposable {
  private panel?: vscode.WebviewPanel;
  private uri?: string;
  private metric: LensMetric = 'entropy';
  private readonly held = new Map<string, Held>();
  private focus: LensFocus = { first: 0, last: 0 };
  private page = { from: 0, to: 0 };
  private running?: { controller: AbortController; from: number; to: number };
  private status: LensStatus = { computing: false, done: 0, total: 0 };
  private demandTimer?: ReturnType<typeof setTimeout>;
  readonly decorations = new DepthDecorations();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly extensionUri: vscode.Uri, private readonly store: ResultsStore, private readonly computer: LensComputer,
    private readonly hooks: LayerLensHooks) {
    this.disposables.push(
      this.decorations,
      store.onDidChange(c => this.onResultChange(c.uri, c.kind)),
      vscode.window.onDidChangeTextEditorVisibleRanges(e => {
        if (e.textEditor.document.uri.toString() !== this.uri || !e.visibleRanges.length) return;
        const doc = e.textEditor.document;
        this.showTokens(doc.offsetAt(e.visibleRanges[0].start), doc.offsetAt(e.visibleRanges[e.visibleRanges.length - 1].end));
      }),
      vscode.window.onDidChangeTextEditorSelection(e => {
        if (e.textEditor.document.uri.toString() !== this.uri) return;
        const result = this.result();
        const index = result ? result.spans.tokenAt(e.textEditor.document.offsetAt(e.selections[0].start)) : -1;
        if (index >= 0) this.moveFocus({ ...this.focus, selected: index }, false);
      }),
      vscode.window.onDidChangeVisibleTextEditors(() => this.paintDecorations()),
    );
  }

  get isOpen(): boolean { return this.panel !== undefined; }
  get currentUri(): string | undefined { return this.uri; }
  /** The lens held for a document (for tests and other extensions). */
  lensOf(uri: string): DocumentLens | undefined { return this.held.get(uri)?.lens; }

  /** Opens (or reveals) the panel for `uri` and computes what it needs. */
  async show(uri: vscode.Uri): Promise<void> {
    this.setDocument(uri.toString());
    // The analysis first: its run brings the heatmap panel forward, which may share this panel's group.
    if (!this.store.get(uri)) await this.hooks.analyze(uri);
    if (uri.toString() !== this.uri) return; // another document was asked for meanwhile
    if (this.panel) this.panel.reveal(vscode.ViewColumn.Beside, true);
    else this.attach(vscode.window.createWebviewPanel(LAYER_LENS_VIEW_TYPE, 'Markov Lens Layers', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, this.webviewOptions()));
    this.focusFromEditor();
    this.postSnapshot();
    this.demand(0);
  }

  /** Restores a panel VS Code kept across a reload; it fills in once the document is analysed. */
  revive(panel: vscode.WebviewPanel, state: unknown): void {
    const s = parseLensPanelState(state);
    if (s) { this.setDocument(s.uri); this.metric = s.metric; }
    panel.webview.options = this.webviewOptions();
    this.panel?.dispose();
    this.attach(panel);
  }

  /** The heatmap panel scrolled to show these tokens of `uri`. */
  followHeatmap(uri: string, first: number, last: number): void {
    if (uri !== this.uri || !this.panel) return;
    this.moveFocus({ first, last, selected: this.focus.selected }, true);
  }

  setDepthColouring(on: boolean): void {
    this.decorations.setEnabled(on);
    this.paintDecorations();
    this.postSnapshot();
    if (on) this.demand(0);
  }

  private setDocument(uri: string): void {
    if (uri === this.uri) return;
    this.running?.controller.abort();
    this.uri = uri;
    this.focus = { first: 0, last: 0 };
    this.page = { from: 0, to: 0 };
    this.status = { computing: false, done: 0, total: 0 };
  }

  private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')] };
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icon.png');
    panel.webview.html = layerLensHtml(panel.webview, this.extensionUri);
    const subscriptions = [
      panel.webview.onDidReceiveMessage(m => this.onMessage(m)),
      panel.onDidDispose(() => {
        for (const d of subscriptions) d.dispose();
        if (this.panel === panel) {
          this.panel = undefined;
          this.running?.controller.abort();
        }
      }),
    ];
  }

  private result(): DocumentResult | undefined {
    return this.uri ? this.store.get(this.uri) : undefined;
  }

  /** The lens of the current analysis of the document (a new analysis starts a new lens). */
  private heldFor(result: DocumentResult): Held {
    let h = this.held.get(result.uri);
    if (!h || h.result !== result) {
      h = { result, lens: new DocumentLens(result.tokens.length) };
      this.held.set(result.uri, h);
    }
    return h;
  }

  private onResultChange(uri: string, kind: string): void {
    if (kind === 'removed') this.held.delete(uri);
    if (uri !== this.uri) return;
    if (kind === 'started') this.running?.controller.abort();
    if (kind === 'finished' || kind === 'stale' || kind === 'failed') {
      this.postSnapshot();
      this.paintDecorations();
      if (kind === 'finished' && this.panel) this.demand(0);
    }
  }

  private onMessage(raw: unknown): void {
    const result = this.result();
    const msg = parseLensMessage(raw, result?.tokens.length ?? 0);
    if (!msg) {
      this.hooks.log.warn(`Ignored an invalid message from the layer-lens panel: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    switch (msg.type) {
      case 'lens/ready':
        this.postSnapshot();
        this.demand(0);
        return;
      case 'lens/metric':
        this.metric = msg.metric;
        return;
      case 'token/reveal':
        if (result) void this.hooks.reveal(result.uri, msg.index);
        return;
      case 'lens/visible':
        this.moveFocus({ first: msg.first, last: msg.last, selected: this.focus.selected }, true, false);
        return;
      case 'lens/depthColouring':
        void vscode.commands.executeCommand('markovLens.toggleDepthColouring', msg.on);
        return;
      case 'lens/alignment':
        void this.computeAlignment();
        return;
      case 'lens/recompute':
        if (result) this.held.delete(result.uri);
        this.postSnapshot();
        this.demand(0);
        return;
    }
  }

  /** The tokens of document offsets [start, end) are on screen in the editor. */
  private showTokens(start: number, end: number): void {
    const result = this.result();
    if (!result) return;
    const { first, last } = tokensIn(result.spans.starts, result.spans.ends, start, end);
    if (first < 0) return;
    this.moveFocus({ first, last, selected: this.focus.selected }, true);
  }

  private focusFromEditor(): void {
    const editor = vscode.window.visibleTextEditors.find(e => e.document.uri.toString() === this.uri);
    const result = this.result();
    if (!editor || !result || !editor.visibleRanges.length) return;
    const doc = editor.document;
    const { first, last } = tokensIn(result.spans.starts, result.spans.ends, doc.offsetAt(editor.visibleRanges[0].start), doc.offsetAt(editor.visibleRanges[editor.visibleRanges.length - 1].end));
    const selected = result.spans.tokenAt(doc.offsetAt(editor.selection.start));
    if (first >= 0) this.focus = { first, last, ...(selected >= 0 ? { selected } : {}) };
  }

  /** New focus: a new page when it left the current one, else just the focus; then what it needs. */
  private moveFocus(focus: LensFocus, fromScroll: boolean, tellPanel = true): void {
    // A selection scrolled out of view no longer anchors the grid.
    if (fromScroll && focus.selected !== undefined && (focus.selected < focus.first || focus.selected > focus.last)) {
      focus = { first: focus.first, last: focus.last };
    }
    this.focus = focus;
    const anchor = fromScroll ? focus.first : focus.selected ?? focus.first;
    const total = this.result()?.tokens.length ?? 0;
    const margin = 16;
    const inside = anchor >= this.page.from + (this.page.from > 0 ? margin : 0) && anchor < this.page.to - (this.page.to < total ? margin : 0);
    if (!inside || this.page.to === 0) this.postSnapshot();
    else if (tellPanel) this.post({ type: 'lens/focus', uri: this.uri!, focus });
    this.demand(250);
  }

  private pageFor(total: number): { from: number; to: number } {
    const anchor = this.focus.selected ?? this.focus.first;
    const from = Math.max(0, Math.min(anchor - 48, total - PAGE_TOKENS));
    return { from, to: Math.min(total, from + PAGE_TOKENS) };
  }

  /** Computes, after `delay` ms of quiet, the part of the lens the panel and the editor show that is missing. */
  private demand(delay: number): void {
    clearTimeout(this.demandTimer);
    this.demandTimer = setTimeout(() => void this.computeMissing(), delay);
  }

  private async computeMissing(): Promise<void> {
    const result = this.result();
    if (!this.panel || !result || result.running || !result.header || result.tokens.length === 0) return;
    const { lens } = this.heldFor(result);
    if (lens.off) return;
    const total = result.tokens.length;
    let from: number;
    let to: number;
    if (total <= WHOLE_DOCUMENT_TOKENS) {
      [from, to] = [0, total];
    } else {
      const page = this.pageFor(total);
      from = Math.max(0, Math.min(page.from, this.focus.first - MARGIN));
      to = Math.min(total, Math.max(page.to, this.focus.last + 1 + MARGIN), from + RANGE_LIMIT);
    }
    const missing = lens.firstMissing(from, to);
    if (missing < 0) return;
    if (total > WHOLE_DOCUMENT_TOKENS) from = missing;
    if (this.running && this.running.from <= from && this.running.to >= to) return;
    this.running?.controller.abort();
    const controller = new AbortController();
    this.running = { controller, from, to };
    const whole = total <= WHOLE_DOCUMENT_TOKENS;
    const what = whole ? `the layer lens of ${result.fileName}` : `the layer lens of tokens ${from}–${to - 1}`;
    this.setStatus({ computing: true, done: 0, total: to - from, message: `Computing ${what}` });
    try {
      const outcome = await this.withProgress(what, controller, whole, options => this.computer.range(result, from, to, options));
      this.accept(result, outcome);
      this.setStatus({ computing: false, done: 0, total: 0 });
    } catch (e) {
      if (controller.signal.aborted) {
        if (this.running?.controller === controller) this.setStatus({ computing: false, done: 0, total: 0, message: 'Cancelled.' });
      } else {
        const message = e instanceof Error ? e.message : String(e);
        this.hooks.log.warn(`Layer lens of ${result.fileName} failed: ${message}`);
        this.setStatus({ computing: false, done: 0, total: 0, error: `The layer lens failed: ${message}` });
      }
    } finally {
      if (this.running?.controller === controller) this.running = undefined;
    }
    this.postSnapshot();
    this.paintDecorations();
    // The editor may have moved on while this range was computed.
    if (this.running === undefined && !controller.signal.aborted) this.demand(0);
  }

  /**
   * Runs `work` with progress in a notification (cancellable: `notify`) or the status bar, and in the
   * panel's status line; cancelling aborts `controller`.
   */
  private withProgress<T>(what: string, controller: AbortController, notify: boolean,
    work: (options: { signal: AbortSignal; onProgress: (done: number, total: number) => void }) => Promise<T>): Thenable<T> {
    return vscode.window.withProgress({
      location: notify ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window,
      title: `Markov Lens: ${what}`, cancellable: notify,
    }, (progress, token) => {
      token.onCancellationRequested(() => controller.abort());
      let last = 0;
      return work({
        signal: controller.signal,
        onProgress: (done, n) => {
          progress.report({ message: `${done} / ${n} tokens`, increment: n ? ((done - last) / n) * 100 : 0 });
          last = done;
          this.setStatus({ computing: true, done, total: n, message: `Computing ${what}` });
        },
      });
    });
  }

  private async computeAlignment(): Promise<void> {
    const result = this.result();
    if (!result || result.running) return;
    this.running?.controller.abort();
    const controller = new AbortController();
    this.running = { controller, from: 0, to: result.tokens.length };
    const what = `the per-layer alignment of ${result.fileName}`;
    this.setStatus({ computing: true, done: 0, total: result.tokens.length, message: `Computing ${what} (the analysis with the geometry and the lens)` });
    try {
      const outcome = await this.withProgress(what, controller, true, options => this.computer.alignment(result, options));
      this.accept(result, outcome);
      this.setStatus({ computing: false, done: 0, total: 0 });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.setStatus(controller.signal.aborted ? { computing: false, done: 0, total: 0, message: 'Cancelled.' } : { computing: false, done: 0, total: 0, error: `The per-layer alignment failed: ${message}` });
    } finally {
      if (this.running?.controller === controller) this.running = undefined;
    }
    this.postSnapshot();
    this.paintDecorations();
  }

  private accept(result: DocumentResult, outcome: LayerLensOutcome): void {
    const { lens } = this.heldFor(result);
    if (isLensOff(outcome)) lens.off = outcome.reason;
    else lens.add(outcome);
  }

  private setStatus(status: LensStatus): void {
    this.status = status;
    if (this.uri) this.post({ type: 'lens/progress', uri: this.uri, status });
  }

  private paintDecorations(): void {
    const result = this.result();
    this.decorations.paint(result, result ? this.held.get(result.uri)?.lens : undefined);
  }

  private snapshot(): LensSnapshot | undefined {
    const result = this.result();
    if (!this.uri || !result) return undefined;
    const total = result.tokens.length;
    const ready = !result.running && result.header !== undefined;
    const { lens } = this.heldFor(result);
    this.page = ready && !lens.empty ? this.pageFor(total) : { from: 0, to: 0 };
    const status = !ready && !this.status.computing
      ? { ...this.status, message: result.running ? 'Waiting for the analysis to finish…' : result.error ? `The analysis did not finish: ${result.error}` : 'No analysis yet.' }
      : this.status;
    return {
      uri: result.uri, fileName: result.fileName, modelName: result.header?.model.name ?? '', totalTokens: total,
      count: lens.count, labels: lens.labels, metric: this.metric,
      page: this.page.to > this.page.from ? lens.page(result.tokens, this.page.from, this.page.to, result.tokenText) : undefined,
      focus: this.focus, status, off: lens.off, alignment: lens.alignment, alignmentOff: lens.alignmentOff,
      depthColouring: this.decorations.enabled, stale: result.stale,
    };
  }

  private postSnapshot(): void {
    const snapshot = this.snapshot();
    if (snapshot) this.post({ type: 'lens/snapshot', snapshot });
  }

  private post(message: HostToLensMessage): void {
    void this.panel?.webview.postMessage(message);
  }

  dispose(): void {
    clearTimeout(this.demandTimer);
    this.running?.controller.abort();
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
