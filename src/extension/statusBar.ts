/**
 * Status bar item: bits per byte of the active document's last analysis (a comparison: its mean
 * KLD); click opens a quick pick of its hot spots (and the panel).
 */
import * as vscode from 'vscode';
import { comparisonStatus } from './compareStatus';
import type { ResultsStore } from './results';

export class BitsPerByteStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('markovLens.bitsPerByte', vscode.StatusBarAlignment.Right, 100);
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly store: ResultsStore) {
    this.item.name = 'Markov Lens';
    this.item.command = 'markovLens.pickHotSpot';
    this.disposables = [
      store.onDidChange(() => this.update()),
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
    ];
    this.update();
  }

  private update(): void {
    const doc = vscode.window.activeTextEditor?.document;
    const result = doc && this.store.get(doc.uri);
    const bpb = result?.header?.summary.bitsPerByte;
    if (!result || (bpb === undefined && !result.running)) {
      this.item.hide();
      return;
    }
    const compared = result.comparison && !result.running ? comparisonStatus(result.comparison, result.header?.model.name ?? 'base') : undefined;
    this.item.text = result.running
      ? '$(loading~spin) Markov Lens'
      : compared
        ? `${compared.text}${result.stale ? ' (stale)' : ''}`
        : `$(pulse) ${bpb === null || bpb === undefined ? 'n/a' : bpb.toFixed(3)} bits/byte${result.stale ? ' (stale)' : ''}`;
    this.item.tooltip = compared?.tooltip ?? (result.header
      ? `Markov Lens: ${result.header.model.name}, ${result.header.summary.tokens} tokens. Click for its hot spots.`
      : 'Markov Lens: analysing…');
    this.item.show();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.item.dispose();
  }
}
