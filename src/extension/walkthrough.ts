/**
 * The first-run walkthrough's commands (the steps themselves are `contributes.walkthroughs` in
 * package.json): Get Started opens it, Analyze the Sample opens the bundled sample text as an
 * untitled document and analyses it with the current (by default the bundled) model.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export const WALKTHROUGH_ID = 'markov-lens.markov-lens#markovLens.start';

export function registerWalkthrough(context: vscode.ExtensionContext, analyze: (uri: vscode.Uri) => Promise<unknown>): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('markovLens.showWalkthrough', () =>
      vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, false)),
    vscode.commands.registerCommand('markovLens.analyzeSample', async () => {
      const content = readFileSync(path.join(context.extensionPath, 'media', 'walkthrough', 'sample.txt'), 'utf8');
      const document = await vscode.workspace.openTextDocument({ content, language: 'plaintext' });
      await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One, preview: false });
      return analyze(document.uri);
    }),
  );
}
