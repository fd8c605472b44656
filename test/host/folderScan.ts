/**
 * In-host scenarios of "Markov Lens: Analyze Folder": the panel's lines are exactly those of
 * `markov-lens scan` on the same folder and model (exported and compared byte for byte with the
 * CLI's merged output), and Cancel stops a scan keeping the rows so far.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, waitFor, workspaceFile, type Scenario } from './hostUtil';

/** Folder names in the host workspace (written by scripts/runHostTests.mjs). */
export const SCAN_FOLDER = 'corpus';
export const SCAN_FOLDER_LARGE = 'corpus-large';

function cli(...args: string[]): string {
  const root = vscode.extensions.getExtension('markov-lens.markov-lens')!.extensionPath;
  return execFileSync(process.execPath, [path.join(root, 'dist', 'cli.js'), ...args], { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
}

export const folderScanScenarios: Scenario[] = [
  ['Analyze Folder: one row per file (.gitignore respected), exported lines byte-equal to markov-lens scan + merge', async () => {
    const a = await api();
    const folder = workspaceFile(SCAN_FOLDER);
    await vscode.commands.executeCommand('markovLens.analyzeFolder', folder);
    const state = a.folderScanState();
    assert.equal(state.open, true);
    assert.equal(state.running, false);
    assert.equal(state.error, undefined);
    assert.equal(state.folder, folder.fsPath);
    const work = mkdtempSync(path.join(tmpdir(), 'ml-host-scan-'));
    try {
      const exported = path.join(work, 'panel.jsonl');
      assert.equal(await a.exportFolderScan(vscode.Uri.file(exported)), state.rows);
      const model = a.effectiveModelPath().path;
      const scanned = path.join(work, 'cli.jsonl');
      cli('scan', folder.fsPath, '--model', model, '--output', scanned);
      const expected = cli('merge', scanned);
      assert.equal(readFileSync(exported, 'utf8'), expected);
      const paths = expected.trim().split('\n').map(l => JSON.parse(l).path);
      assert.ok(!paths.includes('ignored.txt'), '.gitignore is respected');
      assert.ok(paths.includes('image.bin') && paths.includes('nested/deeper.md'), `paths: ${paths}`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }],

  ['Analyze Folder: Cancel stops the scan and keeps the rows so far', async () => {
    const a = await api();
    const large = workspaceFile(SCAN_FOLDER_LARGE);
    const run = vscode.commands.executeCommand('markovLens.analyzeFolder', large);
    await waitFor('the first rows', () => a.folderScanState().folder === large.fsPath && a.folderScanState().rows > 0, 120_000);
    a.cancelFolderScan();
    await run;
    const state = a.folderScanState();
    assert.equal(state.running, false);
    assert.equal(state.cancelled, true);
    assert.ok(state.rows > 0 && state.rows < state.total, `${state.rows} of ${state.total} rows`);
  }],
];
