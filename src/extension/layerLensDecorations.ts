/**
 * The editor colouring by prediction depth (issue 17): each token whose lens is computed gets a
 * bottom border in one of five theme colours, `markovLens.depth0` (the embedding already predicts
 * what the model finally predicts: the answer was obvious early) to `markovLens.depth4` (only the
 * last block settles it). A border, so it sits beside the inline heatmap's backgrounds.
 */
import * as vscode from 'vscode';
import { depthBucket, DEPTH_BUCKETS, type DocumentLens } from './layerLensPages';
import type { DocumentResult } from './results';

export class DepthDecorations implements vscode.Disposable {
  private readonly types: vscode.TextEditorDecorationType[];
  private on = false;
  /** Ranges per bucket last set on a document, for tests. */
  private readonly applied = new Map<string, number[]>();

  constructor() {
    this.types = Array.from({ length: DEPTH_BUCKETS }, (_, b) => vscode.window.createTextEditorDecorationType({
      borderStyle: 'none none solid none',
      borderWidth: '0 0 3px 0',
      borderColor: new vscode.ThemeColor(`markovLens.depth${b}`),
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    }));
  }

  get enabled(): boolean { return this.on; }

  setEnabled(on: boolean): void {
    this.on = on;
  }

  /** Paints (or clears) every visible editor of `result`'s document. */
  paint(result: DocumentResult | undefined, lens: DocumentLens | undefined): void {
    if (!result) return;
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.toString() !== result.uri) continue;
      const buckets: vscode.Range[][] = Array.from({ length: DEPTH_BUCKETS }, () => []);
      if (this.on && lens && !lens.empty && !result.stale) {
        const layers = lens.count - 1;
        const n = Math.min(result.spans.length, result.tokens.length);
        for (let t = 0; t < n; t++) {
          const depth = lens.depthOf(t);
          if (depth === null || !result.spans.alive[t] || result.spans.starts[t] === result.spans.ends[t]) continue;
          const range = new vscode.Range(editor.document.positionAt(result.spans.starts[t]), editor.document.positionAt(result.spans.ends[t]));
          buckets[depthBucket(depth, layers)].push(range);
        }
      }
      this.types.forEach((type, b) => editor.setDecorations(type, buckets[b]));
      this.applied.set(result.uri, buckets.map(b => b.length));
    }
  }

  appliedCounts(uri: string): number[] | undefined {
    return this.applied.get(uri);
  }

  dispose(): void {
    for (const t of this.types) t.dispose();
  }
}
