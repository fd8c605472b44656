/**
 * In-host comparison scenarios (issue 16), with the real vscode API and engine: the command on a
 * file with the model's twin (the bundled model's float16 twin, or gpt2-bytelevel's noisy twin when
 * the fixture model is in use), the inline heatmap on a comparison metric, the hover with both
 * top-k lists, live mode keeping both models in step, and a model folder that cannot be used. The
 * browser suite (test/e2e/compare.mjs) drives the same through the menus, the panel and the
 * status bar. Run by suite.ts after its tests.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CompareTokenRecord } from '../../src/core/compare/records';
import type { CompareOutcome } from '../../src/extension/compare';
import { api, sleep, waitFor, workspaceFile, type Scenario } from './hostUtil';

const TIMEOUT_MS = 60_000;

/** The model under test and its twin (repository paths; the development extension is the repository). */
export async function twin(): Promise<string> {
  const lens = await api();
  const root = vscode.extensions.getExtension('markov-lens.markov-lens')!.extensionPath;
  const model = lens.effectiveModelPath().path;
  const name = model.endsWith(path.join('models', 'default')) ? 'default-fp16' : 'gpt2-bytelevel-noisy';
  return path.join(root, 'test', 'fixtures', 'models', name);
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers.flatMap(h => h.contents).map(c => (typeof c === 'string' ? c : 'value' in c ? c.value : '')).join('\n');
}

export const compareScenarios: Scenario[] = [
  ['compare: Compare With Model on a file gives per-token KL, the inline heatmap on KL and a hover with both top-k lists', async () => {
    const lens = await api();
    const uri = workspaceFile('sample.txt');
    const against = await twin();
    const outcome = await vscode.commands.executeCommand<CompareOutcome>('markovLens.compareWithModel', uri, against);
    assert.ok(outcome, 'the command returns an outcome');
    assert.equal(outcome.sameTokenizer, true);
    assert.equal(outcome.against, path.basename(against));
    assert.ok(outcome.meanKld !== null && outcome.meanKld >= 0 && outcome.meanKld < 0.2, `mean KLD ${outcome.meanKld}`);
    const result = lens.result(uri)!;
    assert.ok(result.comparison?.summary && !result.running);
    assert.equal(result.comparison.metric, 'kl');
    const tokens = result.tokens as CompareTokenRecord[];
    assert.equal(tokens.length, outcome.tokens);
    assert.ok(tokens.every(t => t.kl !== null && t.against.top.length > 0), 'every token has KL and the other model\'s top-k');
    // The inline heatmap paints every token by KL (sequential buckets), the plain heatmap nothing.
    const painted = tokens.filter(t => t.end > t.start).length;
    const counts = await waitFor('the comparison decorations', () => {
      const c = lens.compareDecorationCounts(uri);
      return c && c.counts.reduce((a, b) => a + b, 0) === painted ? c : undefined;
    });
    assert.equal(counts.metric, 'kl');
    assert.equal((lens.decorationCounts(uri) ?? []).reduce((a, b) => a + b, 0), 0, 'the NLL heatmap steps aside');
    // The hover: the base model's lines, then the comparison with both models' top-k side by side.
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const token = tokens.find(t => t.end - t.start >= 3 && t.index > 3)!;
    const text = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, document.positionAt(token.start + 1)));
    assert.match(text, new RegExp(`Compared with ${path.basename(against)}`));
    assert.ok(text.includes(`| ${result.header!.model.name} | p | ${path.basename(against)} | p |`), `two top-k columns: ${text}`);
    assert.ok(text.includes(`ΔNLL **${token.dNll! > 0 ? '+' : ''}${(token.dNll! / Math.LN2).toFixed(2)} bits**`), text);
    assert.ok(text.includes(`same top-1: **${token.sameTop1 ? 'yes' : 'no'}**`));
  }],

  ['compare: live mode re-compares after an edit with both models in step, as a fresh comparison', async () => {
    const lens = await api();
    const uri = workspaceFile('live-compare.txt');
    await vscode.workspace.fs.writeFile(uri, Buffer.from('Two models read the same text and disagree here and there. '.repeat(60), 'utf8'));
    const document = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(document);
    await lens.compare(uri, await twin());
    await vscode.workspace.getConfiguration('markovLens').update('live', true, vscode.ConfigurationTarget.Global);
    try {
      await editor.edit(b => b.insert(document.positionAt(document.getText().length - 40), 'quite '));
      const edited = document.getText();
      const live = await waitFor('the live re-comparison', () => {
        const r = lens.result(uri);
        return r && !r.running && r.text === edited && r.comparison?.summary ? r : undefined;
      }, TIMEOUT_MS);
      const liveTokens = (live.tokens as CompareTokenRecord[]).map(t => [t.id, t.start, t.end, t.nll, t.against.nll, t.kl, t.tv]);
      await sleep(100);
      await lens.compare(uri, await twin());
      const fresh = lens.result(uri)!.tokens as CompareTokenRecord[];
      assert.deepEqual(liveTokens, fresh.map(t => [t.id, t.start, t.end, t.nll, t.against.nll, t.kl, t.tv]));
    } finally {
      await vscode.workspace.getConfiguration('markovLens').update('live', undefined, vscode.ConfigurationTarget.Global);
    }
  }],

  ['compare: a model folder inside the untrusted workspace, or one that is not a model, is refused and the result stays', async () => {
    const lens = await api();
    const uri = workspaceFile('sample.txt');
    const before = lens.result(uri);
    const inside = workspaceFile('models/copy');
    await vscode.workspace.fs.createDirectory(inside);
    assert.equal(await lens.compare(uri, inside.fsPath), undefined, 'untrusted workspace: not loaded');
    assert.equal(await lens.compare(uri, '/nonexistent/other-model'), undefined, 'no such model');
    assert.equal(lens.result(uri), before, 'the comparison on screen stays');
  }],
];
