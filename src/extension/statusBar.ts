/**
 * Status bar items: bits per byte of the active document's last analysis (a comparison: its mean
 * KLD; click: a quick pick of its hot spots, and the panel), and "Live" while live mode is on for the
 * active document (click: turn it off).
 */
import * as vscode from 'vscode';
import { comparisonStatus } from './compareStatus';
import type { LiveMode } from './liveMode';
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
        ? `${compared.text}${result.stale || result.outdated.length ? ' (stale)' : ''}`
        : `$(pulse) ${bpb === null || bpb === undefined ? 'n/a' : bpb.toFixed(3)} bits/byte${result.stale || result.outdated.length ? ' (stale)' : ''}`;
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

/** "Live" while live mode re-analyses the active document after typing pauses; clicking turns it off. */
export class LiveStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('markovLens.live', vscode.StatusBarAlignment.Right, 99);
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly live: LiveMode) {
    this.item.name = 'Markov Lens Live';
    this.item.command = 'markovLens.toggleLive';
    this.disposables = [
      live.onDidChange(() => this.update()),
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
    ];
    this.update();
  }

  /** Re-reads the state (also after the setting or the analyses change). */
  update(): void {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || !this.live.isLive(doc.uri)) {
      this.item.hide();
      return;
    }
    this.item.text = '$(broadcast) Live';
    this.item.tooltip = `Markov Lens live mode: ${doc.uri.path.split('/').pop()} is re-analysed when you pause typing. Click to turn it off.`;
    this.item.accessibilityInformation = { label: 'Markov Lens live mode is on; activate to turn it off', role: 'button' };
    this.item.show();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.item.dispose();
  }
}
