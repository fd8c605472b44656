/**
 * In-host tests: this module's run() executes inside a real VS Code extension host (code-server,
 * loaded through the `extensionTestsPath` payload) with the real vscode API and the real engine.
 * The workspace is untrusted on purpose, and its .vscode/settings.json points markovLens.modelPath
 * at a folder that does not exist: the trust rule must ignore it. Results go to a JSON file next to
 * the workspace folder, which scripts/runHostTests.mjs polls for.
 */
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, waitFor, workspaceFile } from './hostUtil';
import type { AnalyzeOutcome } from '../../src/extension/analyze';
import { hostileScenarios } from './hostile';
import { layerLensScenarios } from './layerLens';
import { liveScenarios } from './live';
import { folderScanScenarios } from './folderScan';
import { compareScenarios } from './compare';
import { viewsScenarios } from './views';
import { shareScenarios } from './share';
import { navigateScenarios } from './navigate';

interface Outcome { name: string; ok: boolean; ms: number; error?: string }


function hoverText(hovers: vscode.Hover[]): string {
  return hovers.flatMap(h => h.contents).map(c => (typeof c === 'string' ? c : 'value' in c ? c.value : '')).join('\n');
}

const tests: Array<[string, () => Promise<void>]> = [
  ['untrusted workspace: the workspace modelPath is ignored, the user setting is used', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the test workspace opens in restricted mode');
    const settingsFile = Buffer.from(await vscode.workspace.fs.readFile(workspaceFile('.vscode/settings.json'))).toString();
    assert.match(settingsFile, /workspace-chosen-model/, 'the workspace does set markovLens.modelPath');
    const userValue = vscode.workspace.getConfiguration('markovLens').inspect<string>('modelPath')?.globalValue;
    assert.ok(userValue && !userValue.includes('workspace-chosen-model'));
    const effective = (await api()).effectiveModelPath();
    assert.equal(effective.path, userValue, 'the user setting wins');
    assert.equal(effective.workspaceValueIgnored, true, 'the extension knows (and says) the workspace value is ignored');
  }],

  ['analyze command on a file returns results and opens the panel', async () => {
    const uri = workspaceFile('sample.txt');
    const outcome = await vscode.commands.executeCommand<AnalyzeOutcome>('markovLens.analyzeFile', uri);
    assert.ok(outcome, 'the command returns an outcome');
    const text = Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
    assert.ok(outcome.tokens > 10 && outcome.tokens <= Buffer.byteLength(text), `token count ${outcome.tokens}`);
    assert.ok(outcome.bitsPerByte !== null && outcome.bitsPerByte > 0 && outcome.bitsPerByte < 12, `bits/byte ${outcome.bitsPerByte}`);
    const a = await api();
    const result = a.result(uri);
    assert.ok(result && !result.running && result.tokens.length === outcome.tokens);
    // Spans tile the document exactly (DESIGN.md "Offsets").
    assert.equal(result.tokens[0].start, 0);
    assert.equal(result.tokens.at(-1)!.end, text.length);
    for (let i = 1; i < result.tokens.length; i++) assert.equal(result.tokens[i].start, result.tokens[i - 1].end);
    assert.equal(a.panelState().open, true);
    const render = await waitFor('the panel to report its render', () => a.panelState().lastRender);
    assert.equal(render.tokens, outcome.tokens);
  }],

  ['executeHoverProvider at a token returns its entropy in bits', async () => {
    const uri = workspaceFile('sample.txt');
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const result = (await api()).result(uri)!;
    const token = result.tokens.find(t => t.end - t.start >= 3 && t.entropy !== null && t.index > 3)!;
    const position = document.positionAt(token.start + 1);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position);
    const text = hoverText(hovers);
    assert.match(text, /Markov Lens/);
    const expected = (token.entropy! / Math.LN2).toFixed(2);
    assert.ok(text.includes(`entropy **${expected} bits**`), `hover shows entropy ${expected}: ${text}`);
    assert.ok(text.includes(`NLL **${(token.nll! / Math.LN2).toFixed(2)} bits**`));
    assert.ok(text.includes(`context ${token.context} tokens`));
  }],

  ['decorations are set after analysis and cleared where the text is edited', async () => {
    const uri = workspaceFile('sample.txt');
    const a = await api();
    const document = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(document);
    const result = a.result(uri)!;
    const painted = result.tokens.filter(t => t.end > t.start && t.nll !== null).length;
    const sum = (c: number[] | undefined) => (c ?? []).reduce((x, y) => x + y, 0);
    await waitFor('decorations on every token', () => sum(a.decorationCounts(uri)) === painted || undefined);
    // Type inside a token: that token's decoration goes, later tokens move with the text.
    const target = result.tokens.find(t => t.end - t.start >= 3 && t.index > 5)!;
    const after = result.tokens[target.index + 1];
    const [afterStart, afterEnd] = [after.start, after.end];
    await editor.edit(b => b.insert(document.positionAt(target.start + 1), 'XYZ'));
    await waitFor('the edited token to lose its decoration', () => sum(a.decorationCounts(uri)) === painted - 1 || undefined);
    assert.equal(result.spans.alive[target.index], 0);
    assert.equal(result.spans.starts[after.index], afterStart + 3);
    assert.equal(result.spans.ends[after.index], afterEnd + 3);
    assert.equal(result.stale, true);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, document.positionAt(target.start + 2));
    assert.doesNotMatch(hoverText(hovers), /Markov Lens/, 'no hover on edited text');
    const moved = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, document.positionAt(after.start + 3));
    assert.match(hoverText(moved), /Markov Lens/, 'the hover follows the shifted token');
    // The toggle command (through the setting) turns the inline heatmap off and on again.
    await vscode.commands.executeCommand('markovLens.toggleDecorations');
    await waitFor('decorations cleared by the toggle', () => sum(a.decorationCounts(uri)) === 0 || undefined);
    assert.equal(vscode.workspace.getConfiguration('markovLens').get('decorations.enabled'), false);
    await vscode.commands.executeCommand('markovLens.toggleDecorations');
    await waitFor('decorations back after toggling again', () => sum(a.decorationCounts(uri)) === painted - 1 || undefined);
    await vscode.workspace.getConfiguration('markovLens').update('decorations.enabled', undefined, vscode.ConfigurationTarget.Global);
    const userValue = vscode.workspace.getConfiguration('markovLens').inspect<string>('modelPath')?.globalValue;
    assert.equal(a.effectiveModelPath().path, userValue, 'changing another setting keeps the model folder');
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }],

  ['the latest run wins: starting another analysis cancels the running one', async () => {
    const a = await api();
    const long = workspaceFile('long.txt');
    const first = vscode.commands.executeCommand<AnalyzeOutcome | undefined>('markovLens.analyzeFile', long);
    await waitFor('the long run to stream its first records', () => ((a.result(long)?.tokens.length ?? 0) > 0) || undefined);
    const second = await vscode.commands.executeCommand<AnalyzeOutcome>('markovLens.analyzeFile', workspaceFile('sample.txt'));
    assert.equal(await first, undefined, 'the cancelled run returns nothing');
    const cancelled = a.result(long)!;
    assert.equal(cancelled.running, false);
    assert.equal(cancelled.error, 'Cancelled.');
    assert.ok(cancelled.tokens.length < cancelled.totalTokens, 'it stopped before the end');
    assert.ok(second && second.tokens > 10);
  }],

  ['an unsaved Untitled document is analysed from the active editor', async () => {
    const document = await vscode.workspace.openTextDocument({ content: 'Untitled text is text too.\nIt has no file.\n' });
    await vscode.window.showTextDocument(document);
    const outcome = await vscode.commands.executeCommand<AnalyzeOutcome>('markovLens.analyzeFile');
    assert.ok(outcome && outcome.tokens > 3, 'the command used the active editor');
    assert.equal(outcome.uri, document.uri.toString());
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }],

  ['a binary file is refused without running the model', async () => {
    const uri = workspaceFile('image.bin');
    const outcome = await vscode.commands.executeCommand<AnalyzeOutcome | undefined>('markovLens.analyzeFile', uri);
    assert.equal(outcome, undefined);
    assert.equal((await api()).result(uri), undefined);
  }],
  ['the threads setting (issue 15): 0 by default; another value reloads the model, the numbers and their freshness stay', async () => {
    const config = vscode.workspace.getConfiguration('markovLens');
    assert.equal(config.inspect<number>('threads')?.defaultValue, 0, 'contributed, 0 = by model size');
    const uri = workspaceFile('sample.txt');
    const a = await api();
    await vscode.commands.executeCommand<AnalyzeOutcome>('markovLens.analyzeFile', uri);
    const before = a.result(uri)!.tokens.map(t => [t.nll, t.entropy]);
    await config.update('threads', 2, vscode.ConfigurationTarget.Global);
    try {
      await new Promise(resolve => setTimeout(resolve, 300)); // the settings listener runs
      assert.deepEqual(a.result(uri)!.outdated, [], 'threads change no number: the result is not marked outdated');
      await vscode.commands.executeCommand<AnalyzeOutcome>('markovLens.analyzeFile', uri);
      assert.deepEqual(a.result(uri)!.tokens.map(t => [t.nll, t.entropy]), before, 'the same numbers with 2 threads');
    } finally {
      await config.update('threads', undefined, vscode.ConfigurationTarget.Global);
    }
  }],
];

export async function run(): Promise<void> {
  const outcomes: Outcome[] = [];
  // MARKOV_LENS_HOST_ONLY: a regular expression of scenario names to run (focused local runs).
  const only = process.env.MARKOV_LENS_HOST_ONLY ? new RegExp(process.env.MARKOV_LENS_HOST_ONLY, 'i') : undefined;
  for (const [name, fn] of [...tests, ...hostileScenarios, ...liveScenarios, ...folderScanScenarios, ...compareScenarios, ...layerLensScenarios, ...viewsScenarios, ...shareScenarios, ...navigateScenarios].filter(([n]) => !only || only.test(n))) {
    const started = Date.now();
    try {
      await fn();
      outcomes.push({ name, ok: true, ms: Date.now() - started });
    } catch (e) {
      outcomes.push({ name, ok: false, ms: Date.now() - started, error: e instanceof Error ? e.stack ?? e.message : String(e) });
    }
  }
  const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
  writeFileSync(path.join(path.dirname(folder), 'host-results.json'), JSON.stringify(outcomes, null, 2));
}
