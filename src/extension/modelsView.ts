/**
 * The Models view (Markov Lens activity bar) and "Markov Lens: Select Model…": the catalog's folders
 * with the current one marked; choosing one writes markovLens.modelPath (user or workspace settings,
 * as the user picks; an untrusted workspace's settings are not offered, since they would be ignored)
 * and marks the results on screen stale, since they came from another model.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { bundledModelPath, readConfig, SECTION } from './config';
import type { ModelCatalog, ModelEntry } from './modelCatalog';
import { pickModel } from './modelPicker';

export const SELECT_MODEL = 'markovLens.selectModel';

export type SettingScope = 'user' | 'workspace';

export class ModelsView implements vscode.TreeDataProvider<ModelEntry>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly catalog: ModelCatalog) {
    this.disposables = [
      vscode.window.registerTreeDataProvider('markovLens.models', this),
      vscode.workspace.onDidChangeConfiguration(e => { if (e.affectsConfiguration(`${SECTION}.modelPath`)) this.refresh(); }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.refresh()),
    ];
  }

  refresh(): void {
    this.changed.fire();
  }

  getChildren(entry?: ModelEntry): Promise<ModelEntry[]> | ModelEntry[] {
    return entry ? [] : this.catalog.entries();
  }

  getTreeItem(entry: ModelEntry): vscode.TreeItem {
    const item = new vscode.TreeItem(entry.name, vscode.TreeItemCollapsibleState.None);
    const { info } = entry;
    item.description = `${entry.current ? 'current · ' : ''}${info.usable ? info.description : 'not usable'}`;
    item.tooltip = `${entry.dir}\n${info.usable ? info.description : `Not usable: ${info.reason}`}`;
    item.iconPath = new vscode.ThemeIcon(!info.usable ? 'circle-slash' : entry.current ? 'pass-filled' : entry.source === 'huggingface' ? 'cloud' : 'symbol-constant');
    item.contextValue = info.usable ? 'usableModel' : 'unusableModel';
    if (info.usable && !entry.current) item.command = { command: SELECT_MODEL, title: 'Use This Model', arguments: [entry.dir] };
    return item;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
  }
}

/**
 * Select Model…: `dir` and `scope` skip the questions (the Models view passes the folder; tests pass
 * both). Returns what was written, or undefined when the user cancelled.
 */
export async function selectModel(extensionPath: string, catalog: ModelCatalog, dir?: string, scope?: SettingScope): Promise<{ dir: string; scope: SettingScope } | undefined> {
  dir ??= await pickModel(catalog, { title: 'Markov Lens: Select Model', placeholder: 'The model that analyses your documents', openLabel: 'Use This Model' });
  if (!dir) return undefined;
  scope ??= await pickScope();
  if (!scope) return undefined;
  const before = readConfig(extensionPath).modelPath;
  const bundled = path.resolve(dir) === path.resolve(bundledModelPath(extensionPath));
  await vscode.workspace.getConfiguration(SECTION).update('modelPath', bundled ? '' : dir,
    scope === 'workspace' ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
  await catalog.remember(dir);
  const after = readConfig(extensionPath).modelPath;
  // Results of the previous model are marked outdated, naming the change, by the settings listener (results.ts).
  if (path.resolve(after) === path.resolve(before) && path.resolve(after) !== path.resolve(dir)) {
    void vscode.window.showWarningMessage(`Markov Lens: ${dir} was written to your ${scope} settings, but ${after} is still used (a workspace or folder setting takes precedence).`);
  }
  return { dir, scope };
}

async function pickScope(): Promise<SettingScope | undefined> {
  if (!vscode.workspace.workspaceFolders?.length || !vscode.workspace.isTrusted) return 'user';
  const picked = await vscode.window.showQuickPick([
    { label: 'User settings', description: 'every window', scope: 'user' as const },
    { label: 'Workspace settings', description: 'this workspace only', scope: 'workspace' as const },
  ], { title: 'Markov Lens: Use the model for', placeHolder: 'Where to save markovLens.modelPath' });
  return picked?.scope;
}
