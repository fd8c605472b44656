/**
 * In-host live-mode scenarios (issue 6): "Markov Lens: Analyze Live" follows a document; typing
 * near the end re-analyses it after a pause, re-scoring only the tail (far faster than the first
 * run), and the result equals a fresh analysis of the edited text. Run by suite.ts after its tests.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, sleep, waitFor, type Scenario } from './hostUtil';

/** Multi-window analyses of the bundled model on a loaded machine. */
const LIVE_TIMEOUT_MS = 60_000;
import type { TokenRecord } from '../../src/core/analysis';
import type { MarkovLensApi } from '../../src/extension/extension';
import type { DocumentResult } from '../../src/extension/results';



/** A finished result for exactly this text. */
const finishedOn = (lens: MarkovLensApi, uri: vscode.Uri, text: string) => (): DocumentResult | undefined => {
  const r = lens.result(uri);
  return r && !r.running && r.header && r.text === text ? r : undefined;
};

const paragraph = 'Live mode re-scores the tail of a document after an edit; the windows before it keep their records. ';

export const liveScenarios: Scenario[] = [
  ['live: typing near the end re-scores only the tail and equals a fresh analysis', async () => {
    const lens = await api();
    const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'live.txt');
    await vscode.workspace.fs.writeFile(uri, Buffer.from(paragraph.repeat(200), 'utf8')); // several 1,024-token windows
    const document = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('markovLens.analyzeFile', uri); // loads the model: the timed run below is warm
    await vscode.commands.executeCommand('markovLens.analyzeLive', uri);
    const first = await waitFor('the first analysis', finishedOn(lens, uri, document.getText()), LIVE_TIMEOUT_MS);
    const firstTokens = first.tokens.map(t => ({ ...t }));
    const firstMs = first.header!.elapsedMs;

    // Three quick keystrokes near the end: one debounced re-analysis of the final text.
    const at = document.positionAt(document.getText().length - 150);
    for (const ch of 'xyz') {
      await editor.edit(b => b.insert(at, ch));
      await sleep(60);
    }
    const live = await waitFor('the live re-analysis', finishedOn(lens, uri, document.getText()), LIVE_TIMEOUT_MS);
    const liveMs = live.header!.elapsedMs;
    assert.ok(liveMs < firstMs * 0.6, `live re-analysis took ${liveMs.toFixed(0)} ms vs ${firstMs.toFixed(0)} ms for the whole document`);
    // The tokens well before the edit kept their figures.
    assert.deepEqual(live.tokens.slice(0, 1000).map(t => t.nll), firstTokens.slice(0, 1000).map(t => t.nll));
    const liveTokens = live.tokens.map(t => ({ ...t }));

    await vscode.commands.executeCommand('markovLens.analyzeFile', uri);
    const fresh = await waitFor('the fresh analysis', () => {
      const r = finishedOn(lens, uri, document.getText())();
      return r && r.header!.elapsedMs !== liveMs ? r : undefined;
    }, LIVE_TIMEOUT_MS);
    const figures = (tokens: readonly TokenRecord[]) => tokens.map(t => [t.id, t.start, t.end, t.nll, t.entropy, t.rank]);
    assert.deepEqual(figures(liveTokens), figures(fresh.tokens));

    // A deletion in the middle: the records before its window are kept, its window resumes from the
    // worker's KV checkpoint (records from mid-window on), the rest is re-scored; still exact.
    const freshMs = fresh.header!.elapsedMs;
    const middle = document.getText().length * 0.4;
    await editor.edit(b => b.delete(new vscode.Range(document.positionAt(middle), document.positionAt(middle + 1))));
    const midLive = await waitFor('the live re-analysis of a middle edit', () => {
      const r = finishedOn(lens, uri, document.getText())();
      return r && r.header!.elapsedMs !== freshMs ? r : undefined;
    }, LIVE_TIMEOUT_MS);
    const midLiveTokens = figures(midLive.tokens);
    const midLiveMs = midLive.header!.elapsedMs;
    await vscode.commands.executeCommand('markovLens.analyzeFile', uri);
    const midFresh = await waitFor('the fresh analysis after the middle edit', () => {
      const r = finishedOn(lens, uri, document.getText())();
      return r && r.header!.elapsedMs !== midLiveMs ? r : undefined;
    }, LIVE_TIMEOUT_MS);
    assert.deepEqual(midLiveTokens, figures(midFresh.tokens));
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }],
];
