/**
 * The Analyses view (Markov Lens activity bar): the files analysed in this window, with bits per byte
 * and the model (a comparison: both models); a click opens the file.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ResultsStore } from './results';

export class AnalysesView implements vscode.TreeDataProvider<string>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly store: ResultsStore) {
    this.disposables = [
      vscode.window.registerTreeDataProvider('markovLens.analyses', this),
      store.onDidChange(c => { if (c.kind !== 'records') this.changed.fire(); }),
    ];
  }

  getChildren(uri?: string): string[] {
    return uri ? [] : this.store.all().map(r => r.uri);
  }

  getTreeItem(uri: string): vscode.TreeItem {
    const result = this.store.get(uri);
    const resource = vscode.Uri.parse(uri);
    const item = new vscode.TreeItem(resource, vscode.TreeItemCollapsibleState.None);
    if (!result) return item;
    const header = result.header;
    const bpb = header?.summary.bitsPerByte;
    const model = header ? (header.comparison ? `${header.model.name} vs ${header.comparison.against.name}` : header.model.name) : '';
    item.description = result.running ? 'analysing…'
      : result.error ? `failed: ${result.error}`
        : `${bpb === null || bpb === undefined ? 'n/a' : bpb.toFixed(3)} bits/byte · ${model}${result.stale ? ' (stale)' : ''}`;
    item.tooltip = `${resource.scheme === 'file' ? resource.fsPath : uri}\n${header ? `${header.summary.tokens} tokens, ${model}` : ''}`;
    item.command = { command: 'vscode.open', title: 'Open', arguments: [resource] };
    item.label = path.basename(resource.path) || uri;
    return item;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
  }
}
