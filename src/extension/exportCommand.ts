/**
 * Export… and Copy summary: the held analysis of a document as the CLI's JSON or CSV, the heatmap
 * panel's view or a spectrum chart as PNG (a save dialog, then a notification with Open), and its
 * figures as Markdown on the clipboard. With a format and a target (tests, other extensions) there
 * is no dialog.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SPECTRUM_CHARTS, type SpectrumChart } from '../protocol/spectrumPanel';
import { type DataFormat, exportText, inputPathOf, notExportable, summaryText } from './exportContent';
import type { HeatmapPanel } from './panel';
import type { ResultsStore } from './results';
import type { SpectrumPanel } from './spectrumPanel';

export type ExportFormat = DataFormat | 'heatmap-png' | `${SpectrumChart}-png`;

interface ExportKind { label: string; detail: string; suffix: string; filter: [string, string[]] }

const CHART_NAMES: Record<SpectrumChart, string> = { spectrum: 'Spectrum', scatter: 'Token scatter', calibration: 'Calibration' };

function kindOf(format: ExportFormat, comparing: boolean): ExportKind {
  switch (format) {
    case 'json':
      return comparing
        ? { label: 'Comparison as JSON', detail: 'markov-lens/comparison@1, as `markov-lens compare FILE --against DIR --format json` writes it', suffix: '.markov-lens-compare.json', filter: ['JSON', ['json']] }
        : { label: 'Analysis as JSON', detail: 'markov-lens/analysis@1, as `markov-lens analyze FILE --format json` writes it', suffix: '.markov-lens.json', filter: ['JSON', ['json']] };
    case 'csv':
      return comparing
        ? { label: 'Comparison as CSV', detail: 'one row per token, as `markov-lens compare … --format csv` writes it', suffix: '.markov-lens-compare.csv', filter: ['CSV', ['csv']] }
        : { label: 'Tokens as CSV', detail: 'one row per token, as `markov-lens analyze FILE --format csv` writes it', suffix: '.markov-lens.csv', filter: ['CSV', ['csv']] };
    case 'heatmap-png':
      return { label: 'Heatmap as PNG', detail: 'the heatmap panel as it shows now, at its resolution', suffix: '.heatmap.png', filter: ['PNG image', ['png']] };
    default: {
      const chart = format.replace(/-png$/, '') as SpectrumChart;
      return { label: `${CHART_NAMES[chart]} chart as PNG`, detail: 'from the spectrum panel (chart.js\'s own image export)', suffix: `.${chart}.png`, filter: ['PNG image', ['png']] };
    }
  }
}

export class Exporter {
  constructor(private readonly store: ResultsStore, private readonly panel: HeatmapPanel,
    private readonly spectrum: SpectrumPanel, private readonly log: vscode.LogOutputChannel) {}

  /** The document a command means: the one given, else the heatmap panel's, else the active editor's. */
  private documentOf(target: unknown): vscode.Uri | undefined {
    // A title-bar action passes its editor's resource: for the heatmap panel that is the webview's
    // own URI (not a document), so a target is taken when it is an analysed or a text document.
    if (target instanceof vscode.Uri && (this.store.get(target) || vscode.workspace.textDocuments.some(d => d.uri.toString() === target.toString()) || target.scheme === 'file')) return target;
    const editor = vscode.window.activeTextEditor?.document.uri;
    if (editor && this.store.get(editor)) return editor;
    return this.panel.currentUri ? vscode.Uri.parse(this.panel.currentUri) : editor;
  }

  /** Export…: returns the written file's URI (undefined when cancelled or refused). */
  async export(target?: unknown, format?: ExportFormat, to?: vscode.Uri): Promise<string | undefined> {
    const uri = this.documentOf(target);
    const result = uri && this.store.get(uri);
    const refused = notExportable(result);
    if (!uri || !result || refused) {
      void vscode.window.showInformationMessage(`Markov Lens: nothing to export: ${refused ?? 'open an analysed document'}.`);
      return undefined;
    }
    const comparing = result.comparison?.result !== undefined;
    const chosen = format ?? await this.pickFormat(uri, comparing);
    if (!chosen) return undefined;
    const kind = kindOf(chosen, comparing);
    const file = to ?? await vscode.window.showSaveDialog({
      defaultUri: this.defaultTarget(uri, kind.suffix), filters: { [kind.filter[0]]: kind.filter[1] },
      title: `Markov Lens: Export ${kind.label}`, saveLabel: 'Export',
    });
    if (!file) return undefined;
    try {
      const bytes = await this.contentOf(uri, chosen);
      await vscode.workspace.fs.writeFile(file, bytes);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.log.warn(`Export of ${result.fileName} (${chosen}) failed: ${message}`);
      void vscode.window.showErrorMessage(`Markov Lens: exporting ${kind.label.toLowerCase()} failed: ${message}`);
      return undefined;
    }
    this.log.info(`Exported ${kind.label.toLowerCase()} of ${result.fileName} to ${file.toString(true)}`);
    if (!to) {
      void vscode.window.showInformationMessage(`Markov Lens: exported ${kind.label.toLowerCase()} to ${path.basename(file.path)}.`, 'Open').then(choice => {
        if (choice) void vscode.commands.executeCommand('vscode.open', file);
      });
    }
    return file.toString();
  }

  /** Copy summary: the Markdown text put on the clipboard (undefined when there is nothing to copy). */
  async copySummary(target?: unknown): Promise<string | undefined> {
    const uri = this.documentOf(target);
    const result = uri && this.store.get(uri);
    const refused = notExportable(result);
    if (!result || refused) {
      void vscode.window.showInformationMessage(`Markov Lens: no summary to copy: ${refused ?? 'open an analysed document'}.`);
      return undefined;
    }
    const text = summaryText(result);
    await vscode.env.clipboard.writeText(text);
    void vscode.window.showInformationMessage(`Markov Lens: summary of ${result.fileName} copied as Markdown.`);
    return text;
  }

  private async contentOf(uri: vscode.Uri, format: ExportFormat): Promise<Uint8Array> {
    const result = this.store.get(uri);
    if (!result) throw new Error('the analysis is gone');
    if (format === 'json' || format === 'csv') return Buffer.from(exportText(result, format, inputPathOf(uri)), 'utf8');
    if (format === 'heatmap-png') {
      // The panel must show this document (and have drawn it) before it is captured.
      if (this.panel.currentUri !== uri.toString() || !this.panel.isOpen) this.panel.show(uri, true);
      return this.panel.capture();
    }
    if (this.spectrum.currentUri !== uri.toString()) throw new Error('the spectrum panel does not show this document; run "Markov Lens: Show Spectrum" first');
    return this.spectrum.capture(format.replace(/-png$/, '') as SpectrumChart);
  }

  private async pickFormat(uri: vscode.Uri, comparing: boolean): Promise<ExportFormat | undefined> {
    const formats: ExportFormat[] = ['json', 'csv', 'heatmap-png'];
    if (this.spectrum.currentUri === uri.toString()) formats.push(...SPECTRUM_CHARTS.map(c => `${c}-png` as const));
    const items = formats.map(f => ({ ...kindOf(f, comparing), format: f }));
    const picked = await vscode.window.showQuickPick(items, { title: 'Markov Lens: Export', placeHolder: `Export the analysis of ${path.basename(uri.path)} as…` });
    return picked?.format;
  }

  /** Next to the document (its name plus the kind's suffix); untitled documents go to the first workspace folder. */
  private defaultTarget(uri: vscode.Uri, suffix: string): vscode.Uri | undefined {
    const base = path.basename(uri.path).replace(/\.[^.]*$/, '') || 'document';
    if (uri.scheme === 'file') return vscode.Uri.joinPath(uri, '..', `${base}${suffix}`);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    return folder && vscode.Uri.joinPath(folder, `${base}${suffix}`);
  }
}

export function registerExport(context: vscode.ExtensionContext, exporter: Exporter): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('markovLens.export', (target?: unknown, format?: ExportFormat, to?: vscode.Uri) => exporter.export(target, format, to)),
    vscode.commands.registerCommand('markovLens.copySummary', (target?: unknown) => exporter.copySummary(target)),
  );
}
