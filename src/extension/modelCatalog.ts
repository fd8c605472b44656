/**
 * The model folders a user can choose from: the bundled model, the recently used folders, the models
 * in the Hugging Face cache and those under the workspace, each described from its config.json (the
 * engine's own checks; nothing is loaded). In an untrusted workspace the workspace's models are
 * listed as not usable, because nothing from it is loaded as a model.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { findHubModels, hubCacheDir } from '../model/load/hubCache';
import { inspectModelFolder, type ModelFolderInfo } from '../model/load/inspect';
import { bundledModelPath, readConfig } from './config';

export type ModelSource = 'bundled' | 'recent' | 'huggingface' | 'workspace';

export interface ModelEntry {
  dir: string;
  source: ModelSource;
  /** A short name: the folder's, or "org/name" for the Hugging Face cache. */
  name: string;
  info: ModelFolderInfo;
  /** The folder markovLens.modelPath resolves to now. */
  current: boolean;
}

const RECENT_KEY = 'markovLens.recentModels';
const RECENT_MAX = 8;
/** The folder the compare command's dialog last opened (before the picker), kept as a recent one. */
const LEGACY_COMPARE_KEY = 'markovLens.compare.lastFolder';
const WORKSPACE_SCAN_LIMIT = 200;

export class ModelCatalog {
  constructor(private readonly extensionPath: string, private readonly memento: vscode.Memento, private readonly env: NodeJS.ProcessEnv = process.env) {}

  get hubDir(): string {
    return hubCacheDir(this.env, os.homedir());
  }

  recent(): string[] {
    const list = this.memento.get<string[]>(RECENT_KEY, []);
    const legacy = this.memento.get<string>(LEGACY_COMPARE_KEY);
    return [...list, ...(legacy && !list.includes(legacy) ? [legacy] : [])].slice(0, RECENT_MAX);
  }

  async remember(dir: string): Promise<void> {
    if (path.resolve(dir) === path.resolve(bundledModelPath(this.extensionPath))) return;
    await this.memento.update(RECENT_KEY, [dir, ...this.recent().filter(d => d !== dir)].slice(0, RECENT_MAX));
  }

  /** Every entry, by source (bundled, recent, Hugging Face cache, workspace), each folder once. */
  async entries(): Promise<ModelEntry[]> {
    const current = path.resolve(readConfig(this.extensionPath).modelPath);
    const seen = new Set<string>();
    const out: ModelEntry[] = [];
    const add = (dir: string, source: ModelSource, name: string, info?: ModelFolderInfo) => {
      const key = path.resolve(dir);
      if (seen.has(key)) return;
      seen.add(key);
      out.push({ dir, source, name, info: info ?? inspectModelFolder(dir), current: key === current });
    };
    add(bundledModelPath(this.extensionPath), 'bundled', 'Bundled model');
    for (const dir of this.recent()) add(dir, 'recent', path.basename(dir) || dir);
    for (const snap of findHubModels(this.hubDir)) add(snap.dir, 'huggingface', snap.ref && snap.ref !== 'main' ? `${snap.repo} (${snap.ref})` : snap.repo);
    for (const dir of await workspaceModelDirs()) {
      add(dir, 'workspace', vscode.workspace.asRelativePath(dir), vscode.workspace.isTrusted ? undefined : untrusted(dir));
    }
    // The current folder, when it is none of the above (typed into the setting).
    if (!seen.has(current)) add(current, 'recent', path.basename(current) || current);
    return out;
  }
}

/** Folders under the workspace holding a tokenizer.json (the graph is checked by the inspection). */
async function workspaceModelDirs(): Promise<string[]> {
  if (!vscode.workspace.workspaceFolders?.length) return [];
  const files = await vscode.workspace.findFiles('**/tokenizer.json', '**/{node_modules,.git}/**', WORKSPACE_SCAN_LIMIT);
  return [...new Set(files.filter(f => f.scheme === 'file').map(f => path.dirname(f.fsPath)))].sort();
}

function untrusted(dir: string): ModelFolderInfo {
  const reason = 'this workspace is not trusted, and models are not loaded from an untrusted workspace';
  return { dir, usable: false, reason, description: reason };
}
