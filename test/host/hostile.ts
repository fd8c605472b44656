/**
 * In-host hostile-input and fault scenarios (issue 7), run by suite.ts after its own tests: bad
 * settings, a document edited or closed while it is being analysed, and results that must never be
 * shown on the wrong text or as complete when they are not.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, waitFor, workspaceFile, type Scenario } from './hostUtil';
import { bundledModelPath, readConfig, resolveModelPath } from '../../src/extension/config';
import type { AnalyzeOutcome } from '../../src/extension/analyze';



const analyze = (uri?: vscode.Uri) => vscode.commands.executeCommand<AnalyzeOutcome | undefined>('markovLens.analyzeFile', uri);

async function setUser(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('markovLens').update(key, value, vscode.ConfigurationTarget.Global);
}

export const hostileScenarios: Scenario[] = [
  ['untrusted workspace: a relative model path (which would name a folder inside the workspace) is not honoured', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const extensionPath = vscode.extensions.getExtension('markov-lens.markov-lens')!.extensionPath;
    // readConfig passes vscode.workspace.isTrusted (false here) as the third argument.
    assert.equal(resolveModelPath('shipped-model', extensionPath, vscode.workspace.isTrusted), bundledModelPath(extensionPath));
    assert.equal(resolveModelPath('shipped-model', extensionPath, true), path.join(root, 'shipped-model'), 'trusted: workspace-relative as before');
    assert.ok(!(await api()).effectiveModelPath().path.startsWith(root), 'the model in use is not from the workspace');
  }],

  ['settings: window smaller than stride gives a message naming the setting, no result shown as complete; fixing it works', async () => {
    const uri = workspaceFile('sample.txt');
    const a = await api();
    try {
      await setUser('window', 8);
      await setUser('stride', 16);
      assert.equal(await analyze(uri), undefined, 'no outcome for bad settings');
      const held = a.result(uri);
      assert.ok(!held || (held.running === false && /stride/.test(held.error ?? '') && held.header === undefined), `held result: ${held?.error}`);
    } finally {
      for (const key of ['window', 'stride', 'topK']) await setUser(key, undefined);
    }
    const outcome = await analyze(uri);
    assert.ok(outcome && outcome.tokens > 10, 'the next run with fixed settings works');
    assert.equal(a.result(uri)?.error, undefined);
  }],

  ['settings of the wrong type are replaced by something valid and named in a warning, never passed on raw', async () => {
    const uri = workspaceFile('sample.txt');
    try {
      await setUser('topK', 1e6);
      await setUser('maxFileSizeKB', 'huge');
      const outcome = await analyze(uri);
      assert.ok(outcome && outcome.tokens > 10);
      const held = (await api()).result(uri)!;
      assert.ok(held.tokens.every(t => t.top.length <= 100), 'top-k clamped to the schema maximum of 100');
      // ... and said so, naming each setting (shown once as a warning and logged, never silent).
      const problems = readConfig(vscode.extensions.getExtension('markov-lens.markov-lens')!.extensionPath).settingProblems;
      assert.ok(problems.some(p => p.startsWith('markovLens.topK: 1000000 is not a whole number')), problems.join('; '));
      assert.ok(problems.some(p => p.startsWith('markovLens.maxFileSizeKB: "huge" is not a number; using 1024')), problems.join('; '));
    } finally {
      await setUser('topK', undefined);
      await setUser('maxFileSizeKB', undefined);
    }
  }],

  ['a document edited during its analysis: every shown span still covers the text it was scored on', async () => {
    const uri = workspaceFile('long.txt');
    const a = await api();
    const document = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(document);
    const run = analyze(uri);
    await waitFor('the first streamed records', () => (a.result(uri)?.tokens.length ?? 0) > 0);
    // Insert at the start and delete a little in the middle while windows are still running.
    await editor.edit(b => b.insert(new vscode.Position(0, 0), 'INSERTED <b>during</b> the run\n'));
    const middle = document.positionAt(Math.floor(document.getText().length / 2));
    await editor.edit(b => b.delete(new vscode.Range(middle, middle.translate(0, 5))));
    await run;
    const result = a.result(uri)!;
    assert.equal(result.stale, true, 'the result knows the document changed');
    const now = document.getText();
    let alive = 0;
    for (let i = 0; i < result.tokens.length; i++) {
      if (!result.spans.alive[i]) continue;
      alive++;
      const t = result.tokens[i];
      assert.equal(now.slice(result.spans.starts[i], result.spans.ends[i]), result.text.slice(t.start, t.end), `token ${i} is shown on other text`);
    }
    // By design the editor then shows nothing from this run (results.ts: spans built from records
    // that predate an edit cannot be trusted); what it does show must be exact.
    assert.ok(alive < result.tokens.length, `${alive} of ${result.tokens.length} spans alive after edits`);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }],

  ['a document closed during its analysis: the run ends cleanly and the next one works', async () => {
    const a = await api();
    const document = await vscode.workspace.openTextDocument({ content: 'Closed while running. '.repeat(400) });
    await vscode.window.showTextDocument(document);
    const run = analyze();
    await waitFor('the run to start', () => (a.result(document.uri)?.tokens.length ?? 0) > 0 || a.result(document.uri)?.header !== undefined);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    const outcome = await run;
    const held = a.result(document.uri);
    if (outcome) assert.equal(outcome.tokens, held?.tokens.length ?? outcome.tokens, 'a completed run is complete');
    else assert.ok(!held || held.running === false, 'a stopped run is not left running');
    const next = await analyze(workspaceFile('sample.txt'));
    assert.ok(next && next.tokens > 10);
  }],

  ['a document with lone surrogates in the editor buffer is analysed with spans that tile it', async () => {
    const text = 'broken pair \ud800 here and \udc00 there, then a real one 😀.\n';
    const document = await vscode.workspace.openTextDocument({ content: text });
    await vscode.window.showTextDocument(document);
    const outcome = await analyze();
    assert.ok(outcome && outcome.tokens > 5);
    const held = (await api()).result(document.uri)!;
    const buffer = document.getText();
    assert.equal(held.tokens[0].start, 0);
    assert.equal(held.tokens.at(-1)!.end, buffer.length);
    for (let i = 1; i < held.tokens.length; i++) assert.equal(held.tokens[i].start, held.tokens[i - 1].end);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }],
];
