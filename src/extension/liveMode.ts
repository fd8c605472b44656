/**
 * Live mode: documents analysed with "Markov Lens: Analyze Live" (or every analysed document when
 * the `markovLens.live` setting is on) are re-analysed once the user stops typing (debounced). The
 * re-analysis passes the previous analysis to the engine, which keeps the records of the windows
 * before the first changed token, resumes the window holding it from the worker's KV checkpoint at
 * the last chunk boundary before the change, and scores only the rest (AnalyzeRequest.previous,
 * exact). The kept records arrive first, then the re-scored tail, in order.
 */
import * as vscode from 'vscode';

/** Pause in typing after which a live document is re-analysed. */
export const LIVE_DELAY_MS = 500;

export interface LiveModeHooks {
  /** Re-analyses the document as a live run. */
  analyze(uri: vscode.Uri): Promise<unknown>;
  /** True when `markovLens.live` is on (read on every edit, so the setting applies at once). */
  liveSetting(): boolean;
  /** True when the document has an analysis (the setting only follows analysed documents). */
  analysed(uri: vscode.Uri): boolean;
  /** The document closed: drop what is kept for it. */
  closed(uri: vscode.Uri): void;
}

export class LiveMode implements vscode.Disposable {
  private readonly liveDocuments = new Set<string>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly subscriptions: vscode.Disposable[];
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  /** Fires when a document starts or stops being followed (the status bar item shows it). */
  readonly onDidChange = this.changeEmitter.event;

  constructor(private readonly hooks: LiveModeHooks, private readonly delayMs = LIVE_DELAY_MS) {
    this.subscriptions = [
      vscode.workspace.onDidChangeTextDocument(e => {
        if (e.contentChanges.length > 0) this.changed(e.document.uri);
      }),
      vscode.workspace.onDidCloseTextDocument(d => this.stop(d.uri)),
    ];
  }

  /** Follows this document from now on (the Analyze Live command). */
  follow(uri: vscode.Uri): void {
    this.liveDocuments.add(uri.toString());
    this.changeEmitter.fire();
  }

  /**
   * Stops following this document (a second Analyze Live, or the status bar item). Returns true when
   * live mode stays on for it through the `markovLens.live` setting, which the caller then turns off.
   */
  unfollow(uri: vscode.Uri): boolean {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.liveDocuments.delete(key);
    this.changeEmitter.fire();
    return this.hooks.liveSetting() && this.hooks.analysed(uri);
  }

  /** The setting changed (its value is read on every edit; the status bar item follows). */
  settingChanged(): void {
    this.changeEmitter.fire();
  }

  isLive(uri: vscode.Uri): boolean {
    return this.liveDocuments.has(uri.toString()) || (this.hooks.liveSetting() && this.hooks.analysed(uri));
  }

  private changed(uri: vscode.Uri): void {
    if (!this.isLive(uri)) return;
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      void this.hooks.analyze(uri);
    }, this.delayMs));
  }

  private stop(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    if (this.liveDocuments.delete(key)) this.changeEmitter.fire();
    this.hooks.closed(uri);
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const s of this.subscriptions) s.dispose();
    this.changeEmitter.dispose();
  }
}
