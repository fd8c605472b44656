/**
 * In-host scenarios of issue 21 (the API-level half; test/e2e/views*.mjs drive the same in the
 * browser): opening the spectrum after an analysis runs no analysis, repaints no decoration, brings
 * no panel forward and leaves the active editor as it was; live runs never reveal a panel; running
 * Analyze Live again turns live mode off; a change of settings marks the result stale, naming it.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, sleep, waitFor, workspaceFile, type Scenario } from './hostUtil';

const TIMEOUT_MS = 120_000;

export const viewsScenarios: Scenario[] = [
  ['views: the spectrum is computed from the kept analysis: no analysis, no decoration repaint, no reveal, the editor untouched', async () => {
    const lens = await api();
    const uri = workspaceFile('sample.txt');
    const document = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
    await vscode.commands.executeCommand('markovLens.analyzeFile', uri);
    const result = lens.result(uri)!;
    assert.ok(result && !result.running && result.kept && 'id' in result.kept, 'the analysis kept what the spectrum needs');
    await sleep(600); // decorations settle
    const before = { analyses: lens.analysisCount(), paints: lens.decorationPaints(), reveals: lens.panelState().reveals, requests: lens.spectrumState().requests };
    const visible = editor.visibleRanges[0];
    await vscode.commands.executeCommand('markovLens.showSpectrum', uri);
    const shown = await waitFor('the spectrum', () => { const s = lens.spectrumState(); return s.tokens === result.tokens.length && !s.computing ? s : undefined; }, TIMEOUT_MS);
    assert.equal(shown.options?.kernel, 'prototype');
    await sleep(600);
    assert.equal(lens.analysisCount(), before.analyses, 'no analysis ran');
    assert.equal(lens.decorationPaints(), before.paints, 'the decorations were not painted again');
    assert.equal(lens.panelState().reveals, before.reveals, 'the heatmap was not brought forward');
    assert.equal(lens.spectrumState().requests, before.requests + 1, 'one geometry request');
    assert.equal(lens.result(uri), result, 'the same analysis is held');
    assert.equal(vscode.window.visibleTextEditors.some(e => e.document === document), true, 'the editor is still visible');
    assert.deepEqual(editor.visibleRanges[0], visible, 'the editor did not scroll');
  }],

  ['views: live runs never bring a panel forward; Analyze Live again turns live mode off', async () => {
    const lens = await api();
    const uri = workspaceFile('sample.txt');
    const document = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
    await vscode.commands.executeCommand('markovLens.analyzeLive', uri);
    assert.equal(lens.isLive(uri), true);
    const reveals = lens.panelState().reveals;
    const analyses = lens.analysisCount();
    await editor.edit(b => b.insert(document.positionAt(document.getText().length), 'More words, typed live.\n'));
    await waitFor('the live run', () => { const r = lens.result(uri); return lens.analysisCount() > analyses && r && !r.running && r.text === document.getText() ? r : undefined; }, TIMEOUT_MS);
    assert.equal(lens.panelState().reveals, reveals, 'the live run revealed no panel');
    assert.equal(vscode.window.activeTextEditor?.document, document, 'the editor stays active');
    await vscode.commands.executeCommand('markovLens.analyzeLive', uri);
    assert.equal(lens.isLive(uri), false, 'running Analyze Live again turns it off');
    const runs = lens.analysisCount();
    await editor.edit(b => b.insert(document.positionAt(0), 'x'));
    await sleep(1500);
    assert.equal(lens.analysisCount(), runs, 'no live run after it was turned off');
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }],

  ['views: with the heatmap a tab in the editor\'s own group, Analyze Live and its live runs leave the editor in front', async () => {
    const lens = await api();
    const uri = workspaceFile('sample.txt');
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
    await vscode.commands.executeCommand('markovLens.analyzeFile', uri);
    await vscode.commands.executeCommand('workbench.action.joinAllGroups');
    const editor = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
    await waitFor('one editor group', () => vscode.window.tabGroups.all.length === 1 || undefined);
    const reveals = lens.panelState().reveals;
    try {
      await vscode.commands.executeCommand('markovLens.analyzeLive', uri);
      assert.equal(lens.isLive(uri), true);
      assert.equal(lens.panelState().reveals, reveals, 'Analyze Live did not bring the heatmap over the editor');
      assert.equal(vscode.window.activeTextEditor?.document, document, 'the editor is still in front');
      const analyses = lens.analysisCount();
      await editor.edit(b => b.insert(document.positionAt(document.getText().length), 'Typed in the joined layout.\n'));
      await waitFor('the live run', () => { const r = lens.result(uri); return lens.analysisCount() > analyses && r && !r.running && r.text === document.getText() ? r : undefined; }, TIMEOUT_MS);
      assert.equal(lens.panelState().reveals, reveals, 'the live run revealed no panel');
      assert.equal(vscode.window.activeTextEditor?.document, document, 'the editor is still in front');
    } finally {
      if (lens.isLive(uri)) await vscode.commands.executeCommand('markovLens.analyzeLive', uri);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
  }],

  ['views: a change of top-k or window marks the held analysis stale, naming the change', async () => {
    const lens = await api();
    const uri = workspaceFile('sample.txt');
    await vscode.commands.executeCommand('markovLens.analyzeFile', uri);
    const result = lens.result(uri)!;
    assert.deepEqual(result.outdated, []);
    const config = vscode.workspace.getConfiguration('markovLens');
    try {
      await config.update('topK', 7, vscode.ConfigurationTarget.Global);
      await waitFor('the stale reason', () => result.outdated.length > 0 || undefined);
      assert.deepEqual(result.outdated, ['markovLens.topK changed from 10 to 7']);
    } finally {
      await config.update('topK', undefined, vscode.ConfigurationTarget.Global);
    }
    await waitFor('current again', () => result.outdated.length === 0 || undefined);
  }],
];
