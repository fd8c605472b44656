/** Helpers the in-host scenario files share (they run inside the real extension host). */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { MarkovLensApi } from '../../src/extension/extension';

export type Scenario = [string, () => Promise<void>];

export const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** Polls `probe` until it gives a value (not undefined/false) or the time runs out. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

export function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder');
  return vscode.Uri.joinPath(folder.uri, name);
}

export async function api(): Promise<MarkovLensApi> {
  const ext = vscode.extensions.getExtension<MarkovLensApi>('markov-lens.markov-lens');
  assert.ok(ext, 'the extension under development is loaded');
  return ext.activate();
}
