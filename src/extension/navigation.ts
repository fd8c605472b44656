/**
 * The Markov Lens activity-bar views (Hot Spots, Analyses, Models), the hot-spot commands and the
 * model picker, wired in one place; activation calls `registerNavigation` once.
 */
import * as vscode from 'vscode';
import type { HeatMetric } from '../core/heat';
import { AnalysesView } from './analysesView';
import { HotNavigation } from './hotNavigation';
import { revealTokens } from './hotSpotValues';
import { type HotSpotNode, HotSpotsView, REVEAL_HOT_SPOT } from './hotSpotsView';
import { ModelCatalog, type ModelEntry } from './modelCatalog';
import { pickModel } from './modelPicker';
import { ModelsView, SELECT_MODEL, selectModel } from './modelsView';
import type { ResultsStore } from './results';
import type { HeatScaleKind } from '../core/heatScale';

/** What the tests (and other extensions) can read of these views. */
export interface NavigationApi {
  /** The Hot Spots view's rows now. */
  hotSpots(): HotSpotNode[];
  /** Token indices the overview ruler marks in a document. */
  rulerTokens(uri: vscode.Uri): number[] | undefined;
  /** The model picker's entries. */
  modelEntries(): Promise<ModelEntry[]>;
}

export interface Navigation {
  api: NavigationApi;
  /** The model picker, for commands that ask for a model (Compare With Model…). */
  pickModel(title: string, openLabel: string): Promise<string | undefined>;
  /** The heat metric changed: repaint the ruler marks. */
  refresh(): void;
}

export function registerNavigation(context: vscode.ExtensionContext, store: ResultsStore, metric: () => HeatMetric, scale: () => HeatScaleKind): Navigation {
  const catalog = new ModelCatalog(context.extensionPath, context.globalState);
  const hotSpots = new HotSpotsView(store);
  const navigation = new HotNavigation(store, metric, scale);
  const models = new ModelsView(catalog);
  context.subscriptions.push(hotSpots, navigation, models, new AnalysesView(store),
    vscode.commands.registerCommand('markovLens.nextHotSpot', () => navigation.go(1)),
    vscode.commands.registerCommand('markovLens.previousHotSpot', () => navigation.go(-1)),
    vscode.commands.registerCommand('markovLens.pickHotSpot', () => navigation.pickHotSpot(hotSpots)),
    vscode.commands.registerCommand(REVEAL_HOT_SPOT, (uri: string, first: number, last: number) => {
      const result = store.get(uri);
      return result ? revealTokens(result, first, last, true) : undefined;
    }),
    // Menus pass their own arguments (a resource, a webview's context): only a folder path and a
    // scope name given by a caller are taken.
    vscode.commands.registerCommand(SELECT_MODEL, (dir?: unknown, scope?: unknown) =>
      selectModel(context.extensionPath, catalog, typeof dir === 'string' ? dir : undefined,
        scope === 'user' || scope === 'workspace' ? scope : undefined)),
    vscode.commands.registerCommand('markovLens.refreshModels', () => models.refresh()),
  );
  return {
    api: {
      hotSpots: () => hotSpots.spots(),
      rulerTokens: uri => navigation.rulerTokens(uri.toString()),
      modelEntries: () => catalog.entries(),
    },
    pickModel: async (title, openLabel) => {
      const dir = await pickModel(catalog, { title, placeholder: 'The model to compare with', openLabel });
      if (dir) await catalog.remember(dir);
      return dir;
    },
    refresh: () => navigation.refresh(),
  };
}
