/**
 * The Hot Spots view (Markov Lens activity bar): the active document's worst passages, ranked by mean
 * NLL over a sliding span (`markovLens.hotSpots.span`), each with its line, bits per token and first
 * words; a click selects the passage in the editor. It follows the active editor and the analysis.
 */
import * as vscode from 'vscode';
import type { HotSpot } from '../core/navigate/hotTokens';
import { hotSpotSettings, hotSpotsOf } from './hotSpotValues';
import type { DocumentResult, ResultsStore } from './results';

export const REVEAL_HOT_SPOT = 'markovLens.revealHotSpot';

export interface HotSpotNode { uri: string; spot: HotSpot; rank: number }

export class HotSpotsView implements vscode.TreeDataProvider<HotSpotNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[];
  private timer?: NodeJS.Timeout;
  /** The document shown: the active editor's when it has an analysis, else the last one shown. */
  private uri?: string;
  readonly view: vscode.TreeView<HotSpotNode>;

  constructor(private readonly store: ResultsStore) {
    this.view = vscode.window.createTreeView('markovLens.hotSpots', { treeDataProvider: this, showCollapseAll: false });
    this.disposables = [
      this.view,
      store.onDidChange(c => (c.kind === 'records' ? this.schedule() : this.refresh())),
      vscode.window.onDidChangeActiveTextEditor(() => this.refresh()),
      vscode.workspace.onDidChangeConfiguration(e => { if (e.affectsConfiguration('markovLens.hotSpots')) this.refresh(); }),
    ];
    this.refresh();
  }

  /** The result the view lists. */
  current(): DocumentResult | undefined {
    const active = vscode.window.activeTextEditor?.document.uri.toString();
    if (active && this.store.get(active)) this.uri = active;
    return this.uri ? this.store.get(this.uri) : undefined;
  }

  /** The hot spots listed now (tests, the status-bar quick pick). */
  spots(): HotSpotNode[] {
    const result = this.current();
    if (!result || result.tokens.length === 0) return [];
    return hotSpotsOf(result, hotSpotSettings()).map((spot, i) => ({ uri: result.uri, spot, rank: i + 1 }));
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => { this.timer = undefined; this.refresh(); }, 500);
  }

  private refresh(): void {
    const result = this.current();
    this.view.message = !result ? undefined
      : result.running ? `Analysing ${result.fileName}…`
        : result.error ? `${result.fileName}: ${result.error}`
          : `${result.fileName}${result.stale ? ' (stale)' : ''}: worst passages of ${hotSpotSettings().span} tokens`;
    this.changed.fire();
  }

  getChildren(node?: HotSpotNode): HotSpotNode[] {
    return node ? [] : this.spots();
  }

  getTreeItem(node: HotSpotNode): vscode.TreeItem {
    const { spot } = node;
    const item = new vscode.TreeItem(`${spot.bitsPerToken.toFixed(2)} bits/token`, vscode.TreeItemCollapsibleState.None);
    item.description = `line ${spot.line} · ${spot.text.slice(0, 60)}`;
    item.tooltip = new vscode.MarkdownString().appendMarkdown(`**#${node.rank}** line ${spot.line}, mean NLL ${spot.bitsPerToken.toFixed(2)} bits over ${spot.count} tokens\n\n`).appendCodeblock(spot.text, 'text');
    item.iconPath = new vscode.ThemeIcon('flame', new vscode.ThemeColor('charts.orange'));
    item.accessibilityInformation = { label: `Line ${spot.line}, ${spot.bitsPerToken.toFixed(2)} bits per token: ${spot.text.slice(0, 60)}` };
    item.command = { command: REVEAL_HOT_SPOT, title: 'Reveal Hot Spot', arguments: [node.uri, spot.first, spot.first + spot.count - 1] };
    return item;
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
  }
}
