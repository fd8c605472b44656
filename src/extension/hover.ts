/** Hovers over analysed tokens in the editor: NLL and entropy in bits, rank, top-k, context length. */
import * as vscode from 'vscode';
import type { ResultsStore } from './results';
import { comparisonMarkdown, withComparison } from './compareDetails';
import { hoverMarkdown, tokenDetails } from './tokenDetails';

/** Context key set once a token hover was shown (the walkthrough's completion event). */
export const HOVERED_CONTEXT = 'markovLens.tokenHovered';

export function registerTokenHover(store: ResultsStore): vscode.Disposable {
  let hovered = false;
  return vscode.languages.registerHoverProvider({ pattern: '**' }, {
    provideHover(document, position) {
      const result = store.get(document.uri);
      if (!result || result.tokens.length === 0) return undefined;
      const index = result.spans.tokenAt(document.offsetAt(position));
      if (index < 0) return undefined;
      const details = withComparison(tokenDetails(result.tokens, result.text, index, result.tokenText), result);
      if (!details) return undefined;
      const range = new vscode.Range(document.positionAt(result.spans.starts[index]), document.positionAt(result.spans.ends[index]));
      // A comparison leads with both models' predictions side by side instead of the base model's alone.
      const markdown = details.comparison && !details.comparison.segment
        ? `${hoverMarkdown({ ...details, top: [] }, result.stale)}\n\n${comparisonMarkdown(details, result.header?.model.name ?? 'base model')}`
        : hoverMarkdown(details, result.stale) + (details.comparison ? `\n\n---\n\n${comparisonMarkdown(details, result.header?.model.name ?? 'base model')}` : '');
      // The walkthrough's "hover a token" step is done once a token's hover has been shown.
      if (!hovered) { hovered = true; void vscode.commands.executeCommand('setContext', HOVERED_CONTEXT, true); }
      return new vscode.Hover(new vscode.MarkdownString(markdown), range);
    },
  });
}
