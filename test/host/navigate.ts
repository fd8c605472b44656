/**
 * In-host scenarios for the activity-bar views and the model picker (issue 18): the Hot Spots view's
 * passages and their reveal, Next / Previous Hot Spot, the overview ruler's hottest 1 %, the Analyses
 * view's source, the keybindings against VS Code's defaults, and the picker finding a model in the
 * fake Hugging Face cache (HF_HOME, set by scripts/runHostTests.mjs) and writing the setting.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, type Scenario, waitFor, workspaceFile } from './hostUtil';
import { makeHeatScale } from '../../src/core/heatScale';

const FILE = 'hotspots.txt';
const bits = (nll: number | null) => (nll === null ? NaN : nll / Math.LN2);

async function analysed() {
  const a = await api();
  const uri = workspaceFile(FILE);
  const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  if (!a.result(uri) || a.result(uri)!.running || a.result(uri)!.stale) assert.ok(await a.analyze(uri), 'the analysis ran');
  await vscode.window.showTextDocument(editor.document);
  return { a, uri, editor, result: a.result(uri)! };
}

export const navigateScenarios: Scenario[] = [
  ['hot spots view: the worst 32-token passages by mean NLL, worst first; a click selects the passage', async () => {
    const { a, uri, result } = await analysed();
    const spots = await waitFor('the hot spots of the document', () => { const s = a.hotSpots(); return s.length > 0 && s[0].uri === uri.toString() ? s : undefined; });
    const { tokens, text } = result;
    const w = Math.min(32, tokens.length);
    // Every listed spot's figure is its tokens' mean NLL in bits, recomputed here from the records.
    for (const { spot } of spots) {
      assert.equal(spot.count, w);
      const nll = tokens.slice(spot.first, spot.first + w).map(t => t.nll).filter((v): v is number => v !== null);
      assert.ok(Math.abs(spot.bitsPerToken - nll.reduce((s, v) => s + v, 0) / nll.length / Math.LN2) < 1e-9);
      assert.equal(spot.start, tokens[spot.first].start);
      assert.equal(spot.line, text.slice(0, spot.start).split('\n').length);
    }
    for (let i = 1; i < spots.length; i++) assert.ok(spots[i - 1].spot.bitsPerToken >= spots[i].spot.bitsPerToken, 'ranked worst first');
    // No window of 32 tokens is worse than the first spot (brute force over the records).
    let worst = -Infinity;
    for (let i = 0; i + w <= tokens.length; i++) {
      const nll = tokens.slice(i, i + w).map(t => t.nll).filter((v): v is number => v !== null);
      worst = Math.max(worst, nll.reduce((s, v) => s + v, 0) / nll.length / Math.LN2);
    }
    assert.ok(Math.abs(spots[0].spot.bitsPerToken - worst) < 1e-9, `the first spot is the worst window (${spots[0].spot.bitsPerToken} vs ${worst})`);
    // The document is predictable prose around one line of noise (line 3): the worst passage is in it.
    const noise = { start: text.split('\n').slice(0, 2).join('\n').length + 1, end: text.split('\n').slice(0, 3).join('\n').length };
    const overlap = Math.min(spots[0].spot.end, noise.end) - Math.max(spots[0].spot.start, noise.start);
    assert.ok(overlap > (spots[0].spot.end - spots[0].spot.start) / 2, `the worst passage [${spots[0].spot.start}, ${spots[0].spot.end}) is mostly the noise [${noise.start}, ${noise.end})`);
    // The row's click command selects the passage in the editor.
    const { spot } = spots[1];
    await vscode.commands.executeCommand('markovLens.revealHotSpot', uri.toString(), spot.first, spot.first + spot.count - 1);
    const editor = vscode.window.activeTextEditor!;
    assert.equal(editor.document.uri.toString(), uri.toString());
    assert.equal(editor.document.offsetAt(editor.selection.start), spot.start);
    assert.equal(editor.document.offsetAt(editor.selection.end), spot.end);
    assert.equal(editor.document.offsetAt(editor.selection.active), spot.start, 'the cursor at the start of the passage');
  }],

  ['next / previous hot spot move the cursor to the tokens at or above bucket 6 of the scale on screen (the document\'s quantiles by default), wrapping', async () => {
    const { uri, editor, result } = await analysed();
    const values = Float64Array.from(result.tokens, t => (t.nll === null ? NaN : bits(t.nll)));
    const threshold = makeHeatScale('quantile', 'nll', values).bounds[5];
    const hot = result.tokens.filter(t => bits(t.nll) >= threshold).map(t => t.index);
    assert.ok(hot.length >= 2, `the noise gives hot tokens (${hot.length})`);
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    const visited: number[] = [];
    for (let k = 0; k < hot.length + 1; k++) {
      const index = await vscode.commands.executeCommand<number>('markovLens.nextHotSpot');
      visited.push(index);
      assert.equal(editor.document.offsetAt(editor.selection.active), result.spans.starts[index], 'the cursor is at the token');
    }
    assert.deepEqual(visited, [...hot, hot[0]], 'every hot token in order, then around to the first');
    const back = await vscode.commands.executeCommand<number>('markovLens.previousHotSpot');
    assert.equal(back, hot.at(-1), 'previous from the first wraps to the last');
    const back2 = await vscode.commands.executeCommand<number>('markovLens.previousHotSpot');
    assert.equal(back2, hot.at(-2));
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), uri.toString());
  }],

  ['overview ruler marks the hottest 1 % of the tokens', async () => {
    const { a, uri, result } = await analysed();
    const marked = await waitFor('ruler marks', () => a.rulerTokens(uri)?.length ? a.rulerTokens(uri) : undefined);
    const values = result.tokens.map(t => bits(t.nll));
    const known = values.filter(v => !Number.isNaN(v)).length;
    assert.equal(marked.length, Math.ceil(known / 100));
    const cut = Math.min(...marked.map(i => values[i]));
    const unmarkedMax = Math.max(...values.filter((v, i) => !marked.includes(i) && !Number.isNaN(v)));
    assert.ok(cut >= unmarkedMax, `marked ≥ ${cut} bits, unmarked ≤ ${unmarkedMax}`);
  }],

  ['the hot-spot keybindings do not clash with VS Code\'s defaults', async () => {
    await vscode.commands.executeCommand('workbench.action.openDefaultKeybindingsFile');
    const doc = await waitFor('the default keybindings', () => vscode.window.activeTextEditor?.document.uri.toString().includes('keybindings') ? vscode.window.activeTextEditor.document : undefined);
    const defaults = JSON.parse(doc.getText().replace(/^\s*\/\/.*$/gm, '')) as Array<{ key: string; command: string }>;
    assert.ok(defaults.length > 100, `${defaults.length} default keybindings read`);
    const ours = vscode.extensions.getExtension('markov-lens.markov-lens')!.packageJSON.contributes.keybindings as Array<{ key: string; command: string }>;
    for (const k of ours) {
      const clash = defaults.filter(d => d.key === k.key && !d.command.startsWith('markovLens.'));
      assert.deepEqual(clash.map(c => c.command), [], `${k.key} is free`);
    }
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  }],

  ['select model: the picker finds the model in the Hugging Face cache (HF_HOME); choosing it writes the setting and marks results outdated, naming the change', async () => {
    const { a, uri } = await analysed();
    assert.ok(process.env.HF_HOME, 'the host runs with a fake HF_HOME');
    const entries = await a.modelEntries();
    const hub = entries.filter(e => e.source === 'huggingface');
    assert.deepEqual(hub.map(e => e.name), ['test-org/tiny-lm'], 'the cached model, not the repository without a tokenizer');
    const entry = hub[0];
    assert.ok(entry.dir.startsWith(path.join(process.env.HF_HOME, 'hub')));
    assert.ok(entry.info.usable);
    assert.match(entry.info.description, /^gpt2 · \d+ layers × \d+ · vocab [\d,]+ · context [\d,]+ · [\d.]+ [kM]B$/);
    assert.equal(entries.filter(e => e.current).length, 1, 'one current model');
    assert.equal(entries.find(e => e.current)!.dir, a.effectiveModelPath().path);
    assert.equal(entries[0].source, 'bundled');
    // The workspace is untrusted: its model folders are listed as not usable, with the reason.
    for (const e of entries.filter(x => x.source === 'workspace')) assert.match(e.info.reason ?? '', /not trusted/);

    const config = vscode.workspace.getConfiguration('markovLens');
    const before = config.inspect<string>('modelPath')?.globalValue;
    try {
      const written = await vscode.commands.executeCommand<{ dir: string; scope: string }>('markovLens.selectModel', entry.dir, 'user');
      assert.deepEqual(written, { dir: entry.dir, scope: 'user' });
      assert.equal(vscode.workspace.getConfiguration('markovLens').inspect<string>('modelPath')?.globalValue, entry.dir);
      assert.equal(a.effectiveModelPath().path, entry.dir);
      // The shown result came from the previous model: it is marked outdated, naming the change.
      const outdated = await waitFor('the result marked outdated by the model change', () => {
        const reasons = a.result(uri)!.outdated;
        return reasons.length > 0 ? reasons : undefined;
      });
      assert.ok(outdated.some(r => r.startsWith('the model changed') && r.includes(entry.dir)), `outdated: ${JSON.stringify(outdated)}`);
      const now = await a.modelEntries();
      assert.equal(now.find(e => e.current)?.dir, entry.dir, 'the picked model is marked current');
      // And it analyses: the cached copy is the test model, so the figures are the same.
      const outcome = await a.analyze(uri);
      assert.ok(outcome && outcome.tokens > 0);
    } finally {
      await config.update('modelPath', before, vscode.ConfigurationTarget.Global);
    }
  }],
];
