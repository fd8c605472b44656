/**
 * "Markov Lens: Analyze Folder": a panel with the folder's files ranked by bits per byte (sortable,
 * filterable), filled in as files finish, with progress and Cancel, Export (the scan@1 JSON Lines,
 * ranked) and a click that opens a file beside the table with its heatmap (and selects a hot span).
 * One panel; a new scan replaces the running one. Messages from the webview are validated.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { rankLines } from '../core/scan/merge';
import { formatLine, type ScanLine } from '../core/scan/record';
import { parseScanPanelMessage, type HostToScanPanelMessage, type ScanPanelHeader, type ScanProgressState } from '../protocol/scanPanel';
import type { EngineHost } from './engineHost';
import { scanFolder } from './folderScan';
import { folderScanHtml } from './folderScanHtml';

export const FOLDER_SCAN_VIEW_TYPE = 'markovLens.folderScan';

export interface FolderScanHooks {
  log: vscode.LogOutputChannel;
  /** Opens a file beside the table (in `tableColumn`), selects `range` (UTF-16 offsets) and analyses it. */
  openWithHeatmap(uri: vscode.Uri, range: [number, number] | undefined, tableColumn: vscode.ViewColumn | undefined): Promise<void>;
}

/** What the in-host tests read. */
export interface FolderScanState {
  open: boolean;
  folder?: string;
  running: boolean;
  cancelled: boolean;
  rows: number;
  done: number;
  total: number;
  error?: string;
}

const FLUSH_MS = 200;

export class FolderScanPanel implements vscode.Disposable {
  private panel?: vscode.WebviewPanel;
  private folder?: vscode.Uri;
  private lines: ScanLine[] = [];
  private readonly byPath = new Map<string, ScanLine>();
  private pending: ScanLine[] = [];
  private flushTimer?: ReturnType<typeof setTimeout>;
  private running?: AbortController;
  private run?: Promise<void>;
  private header: ScanPanelHeader = { folder: '', model: '', running: false, cancelled: false, elapsedSeconds: 0 };
  private progress: ScanProgressState = { done: 0, total: 0, tokensPerSecond: 0, secondsLeft: null };

  constructor(private readonly extensionUri: vscode.Uri, private readonly engines: EngineHost, private readonly hooks: FolderScanHooks) {}

  /** Opens the panel and scans `folder` (cancelling a scan still running); resolves when the scan ends. */
  async scan(folder: vscode.Uri): Promise<void> {
    this.running?.abort();
    await this.run?.catch(() => undefined);
    this.folder = folder;
    this.lines = [];
    this.byPath.clear();
    this.pending = [];
    const controller = new AbortController();
    this.running = controller;
    this.header = { folder: path.basename(folder.fsPath) || folder.fsPath, model: '', running: true, cancelled: false, elapsedSeconds: 0 };
    this.progress = { done: 0, total: 0, tokensPerSecond: 0, secondsLeft: null };
    this.ensurePanel();
    this.postSnapshot();
    this.run = this.execute(folder, controller);
    return this.run;
  }

  private async execute(folder: vscode.Uri, controller: AbortController): Promise<void> {
    const started = performance.now();
    try {
      const result = await scanFolder(folder.fsPath, this.extensionUri.fsPath, this.engines, {
        started: (model, total) => {
          this.header = { ...this.header, model };
          this.progress = { ...this.progress, total };
          this.post({ type: 'scan/header', header: this.header, progress: this.progress });
        },
        line: (line, progress) => {
          this.lines.push(line);
          this.byPath.set(line.path, line);
          this.pending.push(line);
          this.progress = progress;
          this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
        },
      }, controller.signal, this.hooks.log);
      this.header = { ...this.header, running: false, cancelled: result.cancelled, elapsedSeconds: result.elapsedSeconds };
      this.hooks.log.info(`Folder scan of ${folder.fsPath} ${result.cancelled ? 'cancelled' : 'done'}: ${result.lines.length} files in ${result.elapsedSeconds.toFixed(1)} s`);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.header = { ...this.header, running: false, error: message, elapsedSeconds: (performance.now() - started) / 1000 };
      this.hooks.log.error(`Folder scan of ${folder.fsPath} failed: ${message}`);
      void vscode.window.showErrorMessage(`Markov Lens: the folder scan stopped: ${message}`);
    } finally {
      if (this.running === controller) this.running = undefined;
      this.flush();
      this.post({ type: 'scan/header', header: this.header, progress: this.progress });
    }
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (!this.pending.length) return;
    const rows = this.pending;
    this.pending = [];
    this.post({ type: 'scan/rows', rows, progress: this.progress });
  }

  cancel(): void {
    this.running?.abort();
  }

  /** Writes the ranked lines (one per file) to `target`. */
  async exportTo(target: vscode.Uri): Promise<number> {
    const ranked = rankLines(this.lines);
    await vscode.workspace.fs.writeFile(target, Buffer.from(ranked.map(formatLine).join(''), 'utf8'));
    this.hooks.log.info(`Folder scan exported to ${target.fsPath} (${ranked.length} lines)`);
    return ranked.length;
  }

  get state(): FolderScanState {
    return { open: this.panel !== undefined, folder: this.folder?.fsPath, running: this.header.running, cancelled: this.header.cancelled, rows: this.lines.length,
      done: this.progress.done, total: this.progress.total, ...(this.header.error ? { error: this.header.error } : {}) };
  }

  private ensurePanel(): void {
    if (this.panel) {
      this.panel.reveal(undefined, false);
      return;
    }
    const panel = vscode.window.createWebviewPanel(FOLDER_SCAN_VIEW_TYPE, 'Markov Lens: Folder', { viewColumn: vscode.ViewColumn.One, preserveFocus: false }, {
      enableScripts: true, retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    });
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icon.png');
    panel.webview.html = folderScanHtml(panel.webview, this.extensionUri);
    const subscriptions = [
      panel.webview.onDidReceiveMessage(m => void this.onMessage(m)),
      panel.onDidDispose(() => {
        for (const d of subscriptions) d.dispose();
        this.panel = undefined;
        this.cancel();
      }),
    ];
  }

  private async onMessage(raw: unknown): Promise<void> {
    const message = parseScanPanelMessage(raw, p => this.byPath.has(p));
    if (!message) return;
    switch (message.type) {
      case 'panel/ready':
        return this.postSnapshot();
      case 'scan/cancel':
        return this.cancel();
      case 'scan/rerun':
        if (this.folder) await this.scan(this.folder);
        return;
      case 'scan/export': {
        if (!this.folder) return;
        const target = await vscode.window.showSaveDialog({
          defaultUri: vscode.Uri.joinPath(this.folder, 'markov-lens-scan.jsonl'), filters: { 'JSON Lines': ['jsonl'] }, title: 'Export the folder scan (JSON Lines)',
        });
        if (target) await this.exportTo(target);
        return;
      }
      case 'file/open': {
        if (!this.folder) return;
        const line = this.byPath.get(message.path)!;
        const hot = message.hot !== undefined && 'hot' in line ? line.hot[message.hot] : undefined;
        const uri = vscode.Uri.joinPath(this.folder, ...message.path.split('/'));
        await this.hooks.openWithHeatmap(uri, hot ? [hot.start, hot.end] : undefined, this.panel?.viewColumn);
        return;
      }
    }
  }

  private postSnapshot(): void {
    this.flush();
    this.post({ type: 'scan/snapshot', header: this.header, progress: this.progress, rows: this.lines });
  }

  private post(message: HostToScanPanelMessage): void {
    void this.panel?.webview.postMessage(message);
  }

  dispose(): void {
    this.cancel();
    clearTimeout(this.flushTimer);
    this.panel?.dispose();
  }
}
