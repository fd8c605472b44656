/**
 * The "Analyze File" command: resolve the document, refuse what is not text, run the engine under a
 * cancellable progress notification, stream records to the store, and explain failures. The latest
 * run wins: starting a run cancels the one before it.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TokenRecord } from '../core/analysis';
import { isEngineStopped, isInputError, type EngineStoppedError } from '../core/errors';
import type { Analysis } from '../model/api';
import { analysisSettings, readConfig } from './config';
import { checkDocumentBytes, checkDocumentText } from './documentCheck';
import type { EngineHost } from './engineHost';
import type { DocumentResult, ResultsStore } from './results';

/** What the command returns (for tests and other extensions): the figures, not the token array. */
export interface AnalyzeOutcome {
  uri: string;
  tokens: number;
  bitsPerByte: number | null;
  meanEntropyBits: number | null;
  model: string;
  elapsedMs: number;
}

export class Analyzer {
  private running?: AbortController;
  /** The last complete analysis per document: live runs re-score only what an edit changed. */
  private readonly previous = new Map<string, Analysis>();

  private readonly shownSettingProblems = new Set<string>();
  constructor(private readonly extensionPath: string, private readonly engines: EngineHost,
    private readonly store: ResultsStore, private readonly log: vscode.LogOutputChannel,
    private readonly onStarted: (uri: vscode.Uri, reveal: boolean) => void) {}

  /** Documents with an analysis under way (the spectrum panel waits for them instead of starting one). */
  private readonly inFlight = new Map<string, number>();

  isRunning(uri: vscode.Uri | string): boolean {
    return (this.inFlight.get(uri.toString()) ?? 0) > 0;
  }

  /**
   * Analyses the given file (context menus pass it) or the active editor's document, keeping in the
   * engine what the spectrum needs (so that opening it runs no model). `mode`:
   *  - 'command' (Analyze File): opens the document in an editor if needed and shows the heatmap;
   *  - 'quiet' (Re-run in a panel, a restored panel): the same analysis, no editor or panel brought forward;
   *  - 'live' (live mode, after typing): reuses the previous analysis, reports progress in the
   *    status bar only, and never brings an editor or a panel forward.
   */
  async run(target?: vscode.Uri, mode: 'command' | 'quiet' | 'live' = 'command'): Promise<AnalyzeOutcome | undefined> {
    const live = mode === 'live';
    const uri = target instanceof vscode.Uri ? target : vscode.window.activeTextEditor?.document.uri;
    if (!uri) {
      void vscode.window.showWarningMessage('Markov Lens: open a text file or pick one in the Explorer to analyse.');
      return undefined;
    }
    const config = readConfig(this.extensionPath);
    this.reportSettingProblems(config.settingProblems);
    const fileName = path.basename(uri.path) || uri.toString();
    let document: vscode.TextDocument;
    try {
      document = await this.openText(uri, fileName, config.maxFileSizeKB);
    } catch (e) {
      this.report(e, fileName);
      return undefined;
    }
    if (mode === 'command') await this.showBesidePanel(document);
    this.running?.abort();
    const controller = new AbortController();
    this.running = controller;
    const started = performance.now();
    const text = document.getText();
    let result: DocumentResult | undefined;
    const key = uri.toString();
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    try {
      const loaded = await this.engines.get(config);
      // Without a vocabulary lookup, top-k ids that occur in the document still get their text.
      const seenTexts = new Map<number, string>();
      const tokenText = (id: number) => loaded.tokenText?.(id) ?? seenTexts.get(id) ?? `#${id}`;
      const begin = (): DocumentResult => {
        const started = this.store.start(uri, fileName, text, tokenText, analysisSettings(config));
        this.onStarted(uri, mode === 'command');
        return (result = started);
      };
      // A live run keeps the previous result on screen (its spans follow the edits) until the new
      // records arrive: the kept prefix first, then the re-scored tail.
      if (!live) begin();
      const analysis = await vscode.window.withProgress({
        location: live ? vscode.ProgressLocation.Window : vscode.ProgressLocation.Notification, title: `Markov Lens: analysing ${fileName}`, cancellable: !live,
      }, async (progress, token) => {
        token.onCancellationRequested(() => controller.abort());
        let lastDone = 0;
        return loaded.engine.analyze({
          text, topK: config.topK, window: config.window || undefined, stride: config.stride || undefined, windowMemoryMB: config.windowMemoryMB,
          signal: controller.signal,
          // What the spectrum needs stays in the engine (live runs score only a tail: nothing to keep).
          ...(live ? { previous: this.previous.get(key) } : { keep: { deepSurplus: config.geometry.deepSurplus } }),
          onProgress: (done, total) => {
            progress.report({ message: `${done} / ${total} tokens`, increment: total ? ((done - lastDone) / total) * 100 : 0 });
            lastDone = done;
            if (result) result.totalTokens = total;
          },
          onRecords: (records: TokenRecord[]) => {
            for (const r of records) seenTexts.set(r.id, r.text);
            const target = result ?? begin();
            this.store.addRecords(target, records, Math.max(target.totalTokens, target.tokens.length + records.length));
          },
        });
      });
      const elapsedMs = performance.now() - started;
      this.previous.set(uri.toString(), analysis);
      result ??= begin();
      const kept = analysis.kept;
      result.kept = kept ? (kept.id !== null ? { id: kept.id, engine: loaded.engine } : { reason: kept.reason }) : undefined;
      if (kept && kept.id === null) this.log.info(`Nothing kept for the spectrum of ${fileName}: ${kept.reason}`);
      result.scoring = analysis.scoring;
      this.store.finish(result, analysis.tokens, headerOf(analysis, elapsedMs));
      this.logRun(fileName, analysis, elapsedMs);
      return outcome(uri, analysis, elapsedMs);
    } catch (e) {
      if (controller.signal.aborted) {
        this.log.info(`Analysis of ${fileName} cancelled`);
        if (result) this.store.fail(result, 'Cancelled.');
        return undefined;
      }
      const message = isEngineStopped(e) ? this.reportCrash(e, fileName) : this.report(e, fileName);
      if (result) this.store.fail(result, message);
      return undefined;
    } finally {
      if (this.running === controller) this.running = undefined;
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.inFlight.set(key, left); else this.inFlight.delete(key);
    }
  }

  /**
   * Opens the document (refusing, with a message, what is not text or too large) in an editor, so
   * the panel can go beside it; undefined when refused. The comparison command shares it.
   */
  async openBeside(uri: vscode.Uri, fileName: string, maxKB: number): Promise<vscode.TextDocument | undefined> {
    try {
      const document = await this.openText(uri, fileName, maxKB);
      await this.showBesidePanel(document);
      return document;
    } catch (e) {
      this.report(e, fileName);
      return undefined;
    }
  }

  /** The panel goes beside the editor, so the document must be in one (Explorer runs open it). */
  private async showBesidePanel(document: vscode.TextDocument): Promise<void> {
    if (vscode.window.visibleTextEditors.some(e => e.document === document)) return;
    await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One, preview: true, preserveFocus: false });
  }

  /** Opens the file as a text document after checking size and binary content on disk. */
  private async openText(uri: vscode.Uri, fileName: string, maxKB: number): Promise<vscode.TextDocument> {
    const open = vscode.workspace.textDocuments.find(d => d.uri.toString() === uri.toString());
    if (open) {
      checkDocumentBytes(fileName, Buffer.byteLength(open.getText(), 'utf8'), new Uint8Array(), maxKB);
      checkDocumentText(fileName, open.getText());
      return open;
    }
    const stat = await vscode.workspace.fs.stat(uri);
    if (stat.type & vscode.FileType.Directory) throw new Error(`${fileName} is a folder; pick a file.`);
    const bytes = stat.size > maxKB * 1024 ? new Uint8Array() : await vscode.workspace.fs.readFile(uri);
    checkDocumentBytes(fileName, stat.size, bytes, maxKB);
    const document = await vscode.workspace.openTextDocument(uri);
    checkDocumentText(fileName, document.getText());
    return document;
  }

  /** Each distinct bad setting is shown once per session (and logged), never silently clamped. */
  reportSettingProblems(problems: readonly string[]): void {
    for (const problem of problems) {
      if (this.shownSettingProblems.has(problem)) continue;
      this.shownSettingProblems.add(problem);
      this.log.warn(problem);
      void vscode.window.showWarningMessage(`Markov Lens: ${problem}.`);
    }
  }

  /**
   * The engine died under this analysis: say so, with how it stopped, and whether it was started
   * again. What was already shown stays (the store marks it incomplete).
   */
  reportCrash(e: EngineStoppedError, fileName: string): string {
    const how = e.signal ? `signal ${e.signal}` : `exit code ${e.exitCode}`;
    const halted = this.engines.supervisor.isHalted;
    const message = `the engine stopped (${how}) while analysing ${fileName}; ` +
      (halted ? 'it crashed too often to be restarted automatically' : 'it has been restarted');
    this.log.error(message);
    void vscode.window.showErrorMessage(`Markov Lens: ${message}.`, ...(halted ? ['Restart'] : []), 'Show Log').then(choice => {
      if (choice === 'Restart') this.engines.supervisor.restart();
      else if (choice) this.log.show();
    });
    return message;
  }

  /** Shows an error as the user should see it and returns the message (the comparison command shares it). */
  report(e: unknown, fileName: string): string {
    if (isInputError(e) && e.code === 'engine-halted') {
      void vscode.window.showErrorMessage(`Markov Lens: ${e.message}.`, 'Restart').then(choice => {
        if (choice) this.engines.supervisor.restart();
      });
      return e.message;
    }
    if (isInputError(e)) {
      this.log.warn(e.message);
      const isModel = e.code.startsWith('model-') || e.code.startsWith('tokenizer-');
      const button = isModel ? 'Open Setting' : undefined;
      void vscode.window.showErrorMessage(`Markov Lens: ${e.message}`, ...(button ? [button] : [])).then(choice => {
        if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'markovLens.modelPath');
      });
      return e.message;
    }
    const message = e instanceof Error ? e.message : String(e);
    this.log.error(`Analysis of ${fileName} failed: ${e instanceof Error ? e.stack ?? message : message}`);
    void vscode.window.showErrorMessage(`Markov Lens: analysing ${fileName} failed: ${message}`, 'Show Log').then(choice => {
      if (choice) this.log.show();
    });
    return message;
  }

  private logRun(fileName: string, a: Analysis, elapsedMs: number): void {
    const s = a.summary;
    this.log.info(`Analysed ${fileName}: ${s.tokens} tokens, ${s.bitsPerByte?.toFixed(4) ?? 'n/a'} bits/byte, ` +
      `tokenize ${a.timings.tokenizeMs.toFixed(0)} ms, inference ${a.timings.inferenceMs.toFixed(0)} ms, ` +
      `total ${elapsedMs.toFixed(0)} ms (window ${a.scoring.window}, stride ${a.scoring.stride})` +
      (a.reusedTokens ? `; live: ${a.reusedTokens} records kept from the previous run` : ''));
  }

  /** Drops the kept analysis of a closed document. */
  forget(uri: vscode.Uri): void {
    this.previous.delete(uri.toString());
  }

  dispose(): void {
    this.running?.abort();
    this.previous.clear();
  }
}

function headerOf(a: Analysis, elapsedMs: number) {
  return { model: a.model, summary: a.summary, utf8Bytes: a.utf8Bytes, window: a.scoring.window,
    stride: a.scoring.stride, topK: a.scoring.topK, elapsedMs, ...(a.scoring.windowCapped ? { windowCapped: a.scoring.windowCapped } : {}) };
}

function outcome(uri: vscode.Uri, a: Analysis, elapsedMs: number): AnalyzeOutcome {
  return {
    uri: uri.toString(), tokens: a.summary.tokens, bitsPerByte: a.summary.bitsPerByte,
    meanEntropyBits: a.summary.meanEntropy === null ? null : a.summary.meanEntropy / Math.LN2,
    model: a.model.name, elapsedMs,
  };
}
