/**
 * "Markov Lens: Compare With Model…": pick another model (the model picker; callers may pass the
 * folder), then score the document with both, the current model
 * (markovLens.modelPath) as the base P and the picked one as Q, and show the comparison in the
 * heatmap panel, the inline heatmap, hovers and the status bar. Live mode re-compares after edits
 * (only the windows from the edit on are scored again). A model that fails to load is named.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { summarize, type TokenRecord } from '../core/analysis';
import type { Comparison } from '../core/compare/comparison';
import { compareColumns, CROSS_TOKENIZER_METRICS, emptyCompareColumns, isCompareHeatMetric, segmentColumns } from '../core/compare/heat';
import type { CompareTokenRecord } from '../core/compare/records';
import { isEngineStopped, isInputError, InputError } from '../core/errors';
import type { Analyzer } from './analyze';
import { readConfig } from './config';
import { appendColumns, type ComparisonView } from './compareView';
import type { EngineHost, LoadedEngine } from './engineHost';
import type { DocumentResult, ResultsStore } from './results';

/** What the command returns (tests, other extensions): the headline figures. */
export interface CompareOutcome {
  uri: string;
  model: string;
  against: string;
  sameTokenizer: boolean;
  tokens: number;
  meanKld: number | null;
  pplRatio: number | null;
  elapsedMs: number;
}

export class Comparer implements vscode.Disposable {
  private running?: AbortController;

  constructor(private readonly extensionPath: string, private readonly engines: EngineHost, private readonly store: ResultsStore,
    private readonly analyzer: Analyzer, private readonly log: vscode.LogOutputChannel, private readonly pickModel: () => Promise<string | undefined>,
    private readonly onStarted: (uri: vscode.Uri) => void) {}

  /**
   * Compares the given file (context menus pass it) or the active editor's document with the model
   * in `against` (a folder path or URI), or one picked in the model picker. A `live` run re-compares
   * with the document's previous comparison partner and keeps its results on screen meanwhile.
   */
  async run(target?: vscode.Uri, against?: vscode.Uri | string, live = false): Promise<CompareOutcome | undefined> {
    const uri = target instanceof vscode.Uri ? target : vscode.window.activeTextEditor?.document.uri;
    if (!uri) {
      void vscode.window.showWarningMessage('Markov Lens: open a text file or pick one in the Explorer to compare models on.');
      return undefined;
    }
    const previous = this.store.get(uri)?.comparison;
    const againstDir = typeof against === 'string' ? against : against?.fsPath ?? (live ? previous?.againstDir : await this.pickModel());
    if (!againstDir) return undefined;
    const config = readConfig(this.extensionPath);
    this.analyzer.reportSettingProblems(config.settingProblems);
    const fileName = path.basename(uri.path) || uri.toString();
    try {
      refuseUntrustedFolder(againstDir);
    } catch (e) {
      this.analyzer.report(e, fileName);
      return undefined;
    }
    const document = await this.analyzer.openBeside(uri, fileName, config.maxFileSizeKB);
    if (!document) return undefined;
    this.running?.abort();
    const controller = (this.running = new AbortController());
    const started = performance.now();
    const text = document.getText();
    let result: DocumentResult | undefined;
    try {
      const base = await this.engines.get(config).catch((e: unknown) => { throw named(e, `the base model (${config.modelPath})`); });
      const other = await this.engines.getAgainst(againstDir, config).catch((e: unknown) => { throw new AgainstLoadError(named(e, `the model to compare with (${againstDir})`)); });
      const view: ComparisonView = {
        against: other.engine.info, againstDir, columns: emptyCompareColumns(), metric: previous?.metric ?? 'kl',
        againstTokenText: id => other.tokenText?.(id) ?? `#${id}`,
      };
      const begin = (): DocumentResult => {
        result = this.store.start(uri, fileName, text, id => base.tokenText?.(id) ?? `#${id}`);
        result.comparison = view;
        this.onStarted(uri);
        return result;
      };
      // A live run keeps the previous comparison on screen until the new records arrive.
      if (!live) begin();
      const comparison = await vscode.window.withProgress({
        location: live ? vscode.ProgressLocation.Window : vscode.ProgressLocation.Notification,
        title: `Markov Lens: comparing ${base.engine.info.name} with ${other.engine.info.name} on ${fileName}`, cancellable: !live,
      }, async (progress, token) => {
        token.onCancellationRequested(() => controller.abort());
        let lastDone = 0;
        return compareOn(base, other, {
          text, topK: config.topK, window: config.window || undefined, stride: config.stride || undefined, windowMemoryMB: config.windowMemoryMB, signal: controller.signal,
          ...(live && previous?.result ? { previous: previous.result } : {}),
          onProgress: (done, total) => {
            progress.report({ message: `${done} / ${total} tokens`, increment: total ? ((done - lastDone) / total) * 100 : 0 });
            lastDone = done;
            if (result) result.totalTokens = total;
          },
          onRecords: (records, side) => {
            if (side !== 'model') return;
            const target = result ?? begin();
            if ('against' in records[0]) appendColumns(view.columns, compareColumns(records as CompareTokenRecord[]));
            this.store.addRecords(target, records, Math.max(target.totalTokens, target.tokens.length + records.length));
          },
        });
      });
      const elapsedMs = performance.now() - started;
      result ??= begin();
      this.finish(result, view, comparison, elapsedMs);
      this.log.info(`Compared ${base.engine.info.name} with ${other.engine.info.name} on ${fileName}: ${comparison.tokenizer.same ? `mean KLD ${comparison.summary.kld?.mean.toExponential(3)}` : `${comparison.summary.segments} common segments`}, ${elapsedMs.toFixed(0)} ms`);
      return {
        uri: uri.toString(), model: comparison.models.model.name, against: comparison.models.against.name, sameTokenizer: comparison.tokenizer.same,
        tokens: comparison.tokens.length, meanKld: comparison.summary.kld?.mean ?? null, pplRatio: comparison.summary.pplRatio, elapsedMs,
      };
    } catch (e) {
      if (controller.signal.aborted) {
        this.log.info(`Comparison on ${fileName} cancelled`);
        if (result) this.store.fail(result, 'Cancelled.');
        return undefined;
      }
      const message = isEngineStopped(e) ? this.analyzer.reportCrash(e, fileName)
        : e instanceof AgainstLoadError ? this.reportAgainst(e.error, uri) : this.analyzer.report(e, fileName);
      if (result) this.store.fail(result, message);
      return undefined;
    } finally {
      if (this.running === controller) this.running = undefined;
    }
  }

  private finish(result: DocumentResult, view: ComparisonView, c: Comparison, elapsedMs: number): void {
    view.tokenizer = c.tokenizer;
    view.summary = c.summary;
    view.result = c;
    if (c.kind === 'same-tokenizer') {
      view.columns = compareColumns(c.tokens);
    } else {
      view.segments = c.segments;
      view.columns = segmentColumns(c.tokens.length, c.segments);
      // Only ΔNLL exists across tokenizers.
      if (isCompareHeatMetric(view.metric) && !CROSS_TOKENIZER_METRICS.includes(view.metric)) view.metric = 'dNll';
    }
    const scoring = c.kind === 'same-tokenizer' ? c.scoring : c.scoring.model;
    this.store.finish(result, c.tokens as TokenRecord[], {
      model: c.models.model, summary: summarize(c.tokens, c.utf8Bytes), utf8Bytes: c.utf8Bytes, window: scoring.window, stride: scoring.stride,
      topK: scoring.topK, elapsedMs,
      comparison: { against: c.models.against, sameTokenizer: c.tokenizer.same, tokenizerReason: c.tokenizer.reason, summary: c.summary },
    });
  }

  /** The other model failed to load: say so, and offer to pick another one (not the base model's setting). */
  private reportAgainst(e: unknown, uri: vscode.Uri): string {
    const message = e instanceof Error ? e.message : String(e);
    this.log.warn(message);
    void vscode.window.showErrorMessage(`Markov Lens: ${message}`, 'Pick Another Model').then(choice => {
      if (choice) void this.run(uri);
    });
    return message;
  }

  dispose(): void {
    this.running?.abort();
  }
}

function compareOn(base: LoadedEngine, other: LoadedEngine, request: Parameters<NonNullable<LoadedEngine['engine']['compare']>>[1]): Promise<Comparison> {
  if (!base.engine.compare) throw new Error('this engine cannot compare models');
  return base.engine.compare(other.engine, request);
}

/** The other model's load failed (reported with its own button). */
class AgainstLoadError extends Error {
  constructor(readonly error: unknown) {
    super(error instanceof Error ? error.message : String(error));
  }
}

/** A load failure said to belong to one of the two models (the engine's message names the file). */
function named(e: unknown, which: string): unknown {
  if (!isInputError(e)) return e;
  return new InputError(`${which}: ${e.message}`, e.code, e.subject);
}

/**
 * In an untrusted workspace nothing from the workspace is loaded as a model (README, "Security and
 * limits"): a picked folder inside a workspace folder is refused until the workspace is trusted.
 */
function refuseUntrustedFolder(dir: string): void {
  if (vscode.workspace.isTrusted) return;
  const inside = (vscode.workspace.workspaceFolders ?? []).some(f => {
    const rel = path.relative(f.uri.fsPath, dir);
    return f.uri.scheme === 'file' && !rel.startsWith('..') && !path.isAbsolute(rel);
  });
  if (inside) {
    throw new InputError(`${dir}: is inside this untrusted workspace, and models are not loaded from an untrusted workspace; trust the workspace or pick a folder outside it`, 'settings-invalid', dir);
  }
}
