/**
 * In-host layer-lens scenarios (issue 17), with the real engine: "Show Layer Lens" on a short
 * document computes every token's lens, and the prediction-depth colouring underlines the tokens;
 * on a document longer than 4,096 tokens only what the editor shows is computed, and moving the
 * editor computes the new part. Run by suite.ts after its tests.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, waitFor, workspaceFile, type Scenario } from './hostUtil';

const TIMEOUT_MS = 120_000;
const covered = (ranges: Array<[number, number]> | undefined) => (ranges ?? []).reduce((n, [a, b]) => n + b - a, 0);

export const layerLensScenarios: Scenario[] = [
  ['layer lens: every token of a short document; the depth colouring underlines each of them', async () => {
    const a = await api();
    const uri = workspaceFile('sample.txt');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    await vscode.commands.executeCommand('markovLens.showLayerLens', uri);
    const result = await waitFor('the analysis', () => { const r = a.result(uri); return r && !r.running && r.header ? r : undefined; }, TIMEOUT_MS);
    const T = result.tokens.length;
    const state = await waitFor('the lens of every token', () => { const s = a.layerLensState(); return covered(s.ranges) === T ? s : undefined; }, TIMEOUT_MS);
    assert.equal(state.open, true);
    assert.equal(state.uri, uri.toString());
    assert.equal(state.count, result.header!.model.layers + 1);
    assert.deepEqual(state.ranges, [[0, T]]);
    const sum = (c: number[] | undefined) => (c ?? []).reduce((x, y) => x + y, 0);
    const visible = result.tokens.filter(t => t.end > t.start).length;
    await vscode.commands.executeCommand('markovLens.toggleDepthColouring', true);
    const counts = await waitFor('depth underlines on every token', () => { const c = a.layerLensState().depthCounts; return sum(c) === visible ? c : undefined; });
    assert.equal(counts.length, 5);
    await vscode.commands.executeCommand('markovLens.toggleDepthColouring');
    await waitFor('the depth colouring cleared', () => sum(a.layerLensState().depthCounts) === 0 || undefined);
  }],

  ['layer lens of a long document: only the tokens on screen, then the ones scrolled to', async () => {
    const a = await api();
    const uri = workspaceFile('lens-long.txt');
    const line = 'The layer lens decodes every layer of the residual stream with the final norm and the head. ';
    await vscode.workspace.fs.writeFile(uri, Buffer.from(Array.from({ length: 360 }, (_, i) => `${i}: ${line}`).join('\n'), 'utf8'));
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    await vscode.commands.executeCommand('markovLens.analyzeFile', uri);
    const result = a.result(uri)!;
    const T = result.tokens.length;
    assert.ok(T > 4096, `${T} tokens: the document must be longer than 4,096 tokens`);
    await vscode.commands.executeCommand('markovLens.showLayerLens', uri);
    const first = await waitFor('the lens of the top of the document', () => { const s = a.layerLensState(); return covered(s.ranges) > 0 ? s : undefined; }, TIMEOUT_MS);
    assert.ok(covered(first.ranges) <= 1024 + 256, `${covered(first.ranges)} tokens computed at once`);
    assert.equal(first.ranges![0][0], 0);
    const end = editor.document.positionAt(editor.document.getText().length);
    editor.revealRange(new vscode.Range(end, end), vscode.TextEditorRevealType.InCenter);
    editor.selection = new vscode.Selection(end, end);
    const later = await waitFor('the lens of the end of the document', () => {
      const s = a.layerLensState();
      return (s.ranges ?? []).some(([, b]) => b === T) ? s : undefined;
    }, TIMEOUT_MS);
    assert.ok(covered(later.ranges) < T, 'not the whole document');
  }],
];
