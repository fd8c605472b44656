/**
 * "Markov Lens: Select Model…" and the compare command's model question: one quick pick of the
 * catalog's folders (bundled, recent, Hugging Face cache, workspace) and Browse…. Each entry shows the
 * model's family, layers, width, vocabulary, context and size; a folder that is not a usable model is
 * listed with the engine's reason and cannot be chosen.
 */
import * as vscode from 'vscode';
import { inspectModelFolder } from '../model/load/inspect';
import type { ModelCatalog, ModelEntry, ModelSource } from './modelCatalog';

interface ModelItem extends vscode.QuickPickItem { entry?: ModelEntry; browse?: true }

const SECTIONS: Record<ModelSource, string> = {
  bundled: 'Bundled', recent: 'Recently used', huggingface: 'Hugging Face cache', workspace: 'In this workspace',
};

export interface PickOptions {
  title: string;
  placeholder: string;
  /** Label of the folder dialog's button (Browse…). */
  openLabel: string;
}

/** The chosen folder, or undefined when the user cancelled. */
export async function pickModel(catalog: ModelCatalog, options: PickOptions): Promise<string | undefined> {
  const quickPick = vscode.window.createQuickPick<ModelItem>();
  quickPick.title = options.title;
  quickPick.placeholder = options.placeholder;
  quickPick.matchOnDescription = true;
  quickPick.matchOnDetail = true;
  quickPick.busy = true;
  quickPick.items = [browseItem()];
  quickPick.show();
  const loaded = catalog.entries().then(entries => {
    quickPick.items = [...itemsOf(entries, catalog.hubDir), browseItem()];
    quickPick.busy = false;
    const current = quickPick.items.find(i => i.entry?.current);
    if (current) quickPick.activeItems = [current];
  }, (e: unknown) => {
    quickPick.busy = false;
    quickPick.placeholder = `Could not list the models: ${e instanceof Error ? e.message : e}`;
  });
  const picked = await new Promise<ModelItem | undefined>(resolve => {
    quickPick.onDidAccept(() => {
      const item = quickPick.selectedItems[0];
      if (item?.entry && !item.entry.info.usable) {
        // Not usable: the picker stays open and says why.
        quickPick.placeholder = `${item.entry.name} cannot be used: ${item.entry.info.reason}`;
        return;
      }
      resolve(item);
      quickPick.hide();
    });
    quickPick.onDidHide(() => resolve(undefined));
  });
  await loaded;
  quickPick.dispose();
  if (!picked) return undefined;
  if (picked.entry) return picked.entry.dir;
  return browse(options);
}

async function browse(options: PickOptions): Promise<string | undefined> {
  const chosen = await vscode.window.showOpenDialog({
    canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: options.openLabel, title: `${options.title} (a model folder)`,
  });
  const dir = chosen?.[0]?.fsPath;
  if (!dir) return undefined;
  const info = inspectModelFolder(dir);
  if (!info.usable) {
    void vscode.window.showErrorMessage(`Markov Lens: ${info.reason}`);
    return undefined;
  }
  return dir;
}

function itemsOf(entries: readonly ModelEntry[], hubDir: string): ModelItem[] {
  const items: ModelItem[] = [];
  let section: ModelSource | undefined;
  for (const entry of entries) {
    if (entry.source !== section) {
      section = entry.source;
      items.push({ label: section === 'huggingface' ? `${SECTIONS[section]} (${hubDir})` : SECTIONS[section], kind: vscode.QuickPickItemKind.Separator });
    }
    items.push(itemOf(entry));
  }
  return items;
}

export function itemOf(entry: ModelEntry): ModelItem {
  const usable = entry.info.usable;
  return {
    label: `${usable ? (entry.current ? '$(check)' : '$(symbol-constant)') : '$(circle-slash)'} ${entry.name}`,
    description: `${entry.current ? '(current) ' : ''}${entry.source === 'bundled' ? '' : entry.dir}`,
    detail: usable ? entry.info.description : `Not usable: ${entry.info.reason}`,
    entry,
  };
}

function browseItem(): ModelItem {
  return { label: '$(folder-opened) Browse…', detail: 'Choose a model folder on disk', browse: true, alwaysShow: true };
}
