/**
 * Wires "Markov Lens: Analyze Folder": the command (Explorer context menu on a folder, or the palette,
 * which asks for a folder), the panel, and opening a file from it with its heatmap.
 */
import * as vscode from 'vscode';
import type { Analyzer } from './analyze';
import type { EngineHost } from './engineHost';
import { FolderScanPanel, type FolderScanState } from './folderScanPanel';
import { PANEL_VIEW_TYPE } from './panel';

export interface FolderScanApi {
  folderScanState(): FolderScanState;
  exportFolderScan(target: vscode.Uri): Promise<number>;
  cancelFolderScan(): void;
}

/**
 * The column to open a scanned file in: neither the table's nor the heatmap panel's (the heatmap
 * would cover it there), so the table, the file and its heatmap are all in view.
 */
function documentColumn(tableColumn: vscode.ViewColumn | undefined): vscode.ViewColumn {
  const taken = new Set<number>();
  if (tableColumn) taken.add(tableColumn);
  for (const group of vscode.window.tabGroups.all) {
    if (group.tabs.some(t => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(PANEL_VIEW_TYPE))) taken.add(group.viewColumn);
  }
  let column = 1;
  while (taken.has(column)) column++;
  return column as vscode.ViewColumn;
}

async function pickFolder(): Promise<vscode.Uri | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 1) return folders[0].uri;
  if (folders.length > 1) return (await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Folder to analyse' }))?.uri;
  return (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Analyze Folder' }))?.[0];
}

export function registerFolderScan(context: vscode.ExtensionContext, engines: EngineHost, analyzer: Analyzer, log: vscode.LogOutputChannel): FolderScanApi {
  const panel = new FolderScanPanel(context.extensionUri, engines, {
    log,
    async openWithHeatmap(uri, range, tableColumn) {
      try {
        const document = await vscode.workspace.openTextDocument(uri);
        const selection = range ? new vscode.Range(document.positionAt(range[0]), document.positionAt(range[1])) : undefined;
        await vscode.window.showTextDocument(document, { viewColumn: documentColumn(tableColumn), preview: true, preserveFocus: false, selection });
      } catch (e) {
        void vscode.window.showErrorMessage(`Markov Lens: cannot open ${vscode.workspace.asRelativePath(uri)}: ${e instanceof Error ? e.message : e}`);
        return;
      }
      await analyzer.run(uri);
    },
  });
  context.subscriptions.push(panel, vscode.commands.registerCommand('markovLens.analyzeFolder', async (target?: vscode.Uri) => {
    const folder = target instanceof vscode.Uri ? target : await pickFolder();
    if (!folder) return;
    if (folder.scheme !== 'file') {
      void vscode.window.showWarningMessage('Markov Lens: only folders on the file system can be analysed.');
      return;
    }
    await panel.scan(folder);
  }));
  return { folderScanState: () => panel.state, exportFolderScan: target => panel.exportTo(target), cancelFolderScan: () => panel.cancel() };
}
