/**
 * Activation: wires the commands, the heatmap panel (and its serializer), hovers, decorations, the
 * status bar item and settings together. Activation errors are shown, because VS Code itself only
 * logs them.
 */
import * as vscode from 'vscode';
import { type AnalyzeOutcome, Analyzer } from './analyze';
import { analysisSettings, MODEL_KEYS, readConfig, SECTION } from './config';
import { Comparer, type CompareOutcome } from './compare';
import { CompareDecorations } from './compareDecorations';
import { HeatDecorations } from './decorations';
import { EngineHost } from './engineHost';
import { Exporter, registerExport } from './exportCommand';
import { MAX_CRASHES_PER_MINUTE } from './engineSupervisor';
import { type FolderScanApi, registerFolderScan } from './folderScanCommand';
import { registerTokenHover } from './hover';
import { LiveMode } from './liveMode';
import { type NavigationApi, registerNavigation } from './navigation';
import { LAYER_LENS_VIEW_TYPE, LayerLensPanel } from './layerLens';
import { LensComputer } from './layerLensCompute';
import { HeatmapPanel, PANEL_VIEW_TYPE } from './panel';
import { type DocumentResult, ResultsStore } from './results';
import { SPECTRUM_VIEW_TYPE, SpectrumPanel } from './spectrumPanel';
import { BitsPerByteStatus, LiveStatus } from './statusBar';
import { InputError } from '../core/errors';
import { registerWalkthrough } from './walkthrough';

/** What `activate` returns: a small API the in-host tests (and other extensions) can read. */
export interface MarkovLensApi extends FolderScanApi, NavigationApi {
  analyze(uri?: vscode.Uri): Promise<AnalyzeOutcome | undefined>;
  /** The held analysis of a document (tokens as analysed, spans as they follow edits). */
  result(uri: vscode.Uri): DocumentResult | undefined;
  decorationCounts(uri: vscode.Uri): number[] | undefined;
  /** Compare With Model… on a file, with a model folder (no dialog). */
  compare(uri: vscode.Uri, against: string): Promise<CompareOutcome | undefined>;
  /** The comparison metric and token count per bucket the inline heatmap last set (undefined: none). */
  compareDecorationCounts(uri: vscode.Uri): { metric: string; counts: number[] } | undefined;
  /** Times inline decorations were set on an editor (views that change no number must not repaint). */
  decorationPaints(): number;
  panelState(): { open: boolean; uri?: string; lastRender?: { tokens: number; ms: number }; reveals: number };
  spectrumState(): SpectrumPanel['state'] & { open: boolean };
  /** Analyses run so far (tests: the spectrum never runs one). */
  analysisCount(): number;
  isLive(uri: vscode.Uri): boolean;
  effectiveModelPath(): { path: string; workspaceValueIgnored: boolean };
  /** The engine process's id while one runs (tests kill it to check recovery). */
  enginePid(): number | undefined;
  /**
   * The layer lens: whether its panel is open and for which document, the token ranges whose lens
   * is held, the layer count (L + 1), why it is off, and the depth colouring's counts per bucket.
   */
  layerLensState(): { open: boolean; uri?: string; ranges?: Array<[number, number]>; count?: number; off?: string; depthCounts?: number[] };
}

export function activate(context: vscode.ExtensionContext): MarkovLensApi {
  const log = vscode.window.createOutputChannel('Markov Lens', { log: true });
  context.subscriptions.push(log);
  try {
    return wire(context, log);
  } catch (e) {
    log.error(`Activation failed: ${e instanceof Error ? e.stack : e}`);
    void vscode.window.showErrorMessage(`Markov Lens failed to start: ${e instanceof Error ? e.message : e}`);
    throw e;
  }
}

function wire(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): MarkovLensApi {
  const extensionPath = context.extensionPath;
  let config = readConfig(extensionPath);
  const store = new ResultsStore();
  const engines = new EngineHost(log);
  const decorations = new HeatDecorations(store, { enabled: config.decorations, metric: config.heatmapMetric, scale: config.heatmapScale });
  const setting = () => vscode.workspace.getConfiguration(SECTION);
  // Minutes a loaded model stays warm without analyses (0 = until the window closes).
  const applyIdleTime = () => engines.setIdleTime(Math.max(0, Number(setting().get<number>('modelIdleMinutes', 10)) || 0) * 60_000);
  applyIdleTime();
  let analyses = 0;
  const compareDecorations = new CompareDecorations(store, config.decorations);
  // A comparison shown in the panel is re-run (and re-run live) as a comparison.
  const againstOf = (uri: vscode.Uri) => store.get(uri)?.comparison?.againstDir;
  const panel = new HeatmapPanel(context.extensionUri, store, config.heatmapMetric, config.heatmapScale, {
    log,
    rerun: uri => void (againstOf(uri) ? comparer.run(uri, againstOf(uri)) : analyzer.run(uri, 'quiet')),
    comparisonMetricChanged: uri => { decorations.refreshAll(); compareDecorations.refresh(uri); },
    metricChanged: metric => void setting().update('heatmapMetric', metric, vscode.ConfigurationTarget.Global),
    scaleChanged: scale => void setting().update('heatmapScale', scale, vscode.ConfigurationTarget.Global),
    showSpectrum: uri => spectrum.show(uri),
    export: uri => void vscode.commands.executeCommand('markovLens.export', uri),
  });
  const analyzer = new Analyzer(extensionPath, engines, store, log, (uri, reveal) => {
    analyses++;
    // Only the user's own Analyze File brings the heatmap forward; live and quiet runs update it in place,
    // and so does Analyze Live when the heatmap is a tab in the editor's own group (it would hide the editor).
    if (reveal && !(live.isLive(uri) && panel.sharesGroupWith(uri))) panel.show(uri); else panel.update(uri);
  });
  const navigation = registerNavigation(context, store, () => config.heatmapMetric, () => config.heatmapScale);
  const comparer = new Comparer(extensionPath, engines, store, analyzer, log, () => navigation.pickModel('Markov Lens: Compare With Model', 'Compare With This Model'), uri => panel.show(uri));
  const live = new LiveMode({
    analyze: uri => (againstOf(uri) ? comparer.run(uri, undefined, true) : analyzer.run(uri, 'live')),
    liveSetting: () => setting().get<boolean>('live', false),
    analysed: uri => store.get(uri) !== undefined,
    closed: uri => analyzer.forget(uri),
  });
  const liveStatus = new LiveStatus(live);
  const spectrum = new SpectrumPanel(context.extensionUri, store, {
    log,
    geometry: async (result, options, signal) => {
      const kept = result.kept;
      if (!kept || !('id' in kept)) throw new InputError(kept ? `nothing was kept: ${kept.reason}` : 'the analysis kept nothing for the spectrum', 'geometry-not-kept');
      if (!engines.isCurrent(kept.engine) || !kept.engine.geometry) throw new InputError('the engine that ran the analysis is gone', 'geometry-not-kept');
      return (await kept.engine.geometry(kept.id, options, signal)).geometry;
    },
    rerun: uri => void analyzer.run(uri, 'quiet'),
    analysing: uri => analyzer.isRunning(uri),
    settings: () => analysisSettings(config),
    geometryOptions: () => ({ ...config.geometry }),
    heatmapColumn: () => panel.viewColumn,
    reveal: (uri, index) => panel.reveal(uri, index),
    openDocs: section => void vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.joinPath(context.extensionUri, 'README.md').with({ fragment: section })),
  });
  const layerLens = new LayerLensPanel(context.extensionUri, store, new LensComputer(extensionPath, engines, log), {
    log, reveal: (uri, index) => panel.reveal(uri, index), analyze: uri => analyzer.run(uri),
  });
  context.subscriptions.push(store, engines, decorations, compareDecorations, comparer, panel, spectrum, analyzer, live, liveStatus, new BitsPerByteStatus(store), registerTokenHover(store));
  store.onDidChange(() => liveStatus.update());
  const folderScan = registerFolderScan(context, engines, analyzer, log);
  registerExport(context, new Exporter(store, panel, spectrum, log));
  registerWalkthrough(context, uri => analyzer.run(uri));
  context.subscriptions.push(layerLens, panel.onDidShowTokens(e => layerLens.followHeatmap(e.uri, e.first, e.last)));

  // A crash under an analysis is reported by the Analyzer, naming the file; one while idle is reported here.
  engines.onCrash(crash => {
    if (engines.busy && !crash.halted) return;
    const message = crash.halted
      ? `Markov Lens: ${crash.message}; it crashed more than ${MAX_CRASHES_PER_MINUTE} times in a minute, so it is not restarted automatically.`
      : `Markov Lens: ${crash.message}; it has been restarted.`;
    void vscode.window.showErrorMessage(message, ...(crash.halted ? ['Restart'] : [])).then(choice => {
      if (choice) engines.supervisor.restart();
    });
  });

  warnIfWorkspaceModelIgnored(config.workspaceModelPathIgnored, log);
  log.info(`Activated; model folder ${config.modelPath}${vscode.workspace.isTrusted ? '' : ' (restricted mode)'}`);

  /** Turns live mode off for a document (and the setting off when it is what keeps it on). */
  const stopLive = (uri: vscode.Uri): void => {
    if (live.unfollow(uri)) void setting().update('live', false, vscode.ConfigurationTarget.Global);
    log.info(`Live mode off for ${uri.toString()}`);
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('markovLens.analyzeFile', (uri?: vscode.Uri) => analyzer.run(uri)),
    // (file, model folder): the model picker and tests pass the folder; menus pass the file only.
    vscode.commands.registerCommand('markovLens.compareWithModel', (uri?: vscode.Uri, against?: vscode.Uri | string) => comparer.run(uri, against)),
    vscode.commands.registerCommand('markovLens.analyzeLive', (target?: vscode.Uri) => {
      const uri = target instanceof vscode.Uri ? target : vscode.window.activeTextEditor?.document.uri;
      // Running it again on a live document turns live mode off.
      if (uri && live.isLive(uri)) { stopLive(uri); return undefined; }
      if (uri) live.follow(uri);
      return analyzer.run(uri);
    }),
    vscode.commands.registerCommand('markovLens.toggleLive', (target?: vscode.Uri) => {
      const uri = target instanceof vscode.Uri ? target : vscode.window.activeTextEditor?.document.uri;
      if (!uri) return undefined;
      if (live.isLive(uri)) { stopLive(uri); return undefined; }
      live.follow(uri);
      return store.get(uri) ? undefined : analyzer.run(uri);
    }),
    vscode.commands.registerCommand('markovLens.showPanel', () => {
      const uri = vscode.window.activeTextEditor?.document.uri;
      const target = uri && store.get(uri) ? uri.toString() : panel.currentUri;
      if (target) panel.show(target, false);
      else void vscode.window.showInformationMessage('Markov Lens: no analysis yet. Run "Markov Lens: Analyze File" first.');
    }),
    vscode.commands.registerCommand('markovLens.showSpectrum', (target?: vscode.Uri) => {
      const uri = target instanceof vscode.Uri ? target : vscode.window.activeTextEditor?.document.uri
        ?? (panel.currentUri ? vscode.Uri.parse(panel.currentUri) : undefined);
      if (uri) return spectrum.show(uri);
      void vscode.window.showInformationMessage('Markov Lens: open a text file to see its spectrum.');
      return undefined;
    }),
    vscode.commands.registerCommand('markovLens.showLayerLens', (target?: vscode.Uri) => {
      const uri = target instanceof vscode.Uri ? target : vscode.window.activeTextEditor?.document.uri
        ?? (panel.currentUri ? vscode.Uri.parse(panel.currentUri) : undefined);
      if (uri) return layerLens.show(uri);
      void vscode.window.showInformationMessage('Markov Lens: open a text file to see its layer lens.');
      return undefined;
    }),
    vscode.commands.registerCommand('markovLens.toggleDepthColouring', (on?: boolean) =>
      layerLens.setDepthColouring(typeof on === 'boolean' ? on : !layerLens.decorations.enabled)),
    vscode.window.registerWebviewPanelSerializer(LAYER_LENS_VIEW_TYPE, {
      async deserializeWebviewPanel(webviewPanel, state) { layerLens.revive(webviewPanel, state); },
    }),
    vscode.commands.registerCommand('markovLens.restartEngine', () => {
      engines.supervisor.restart();
      log.info('Engine restarted on request');
    }),
    vscode.commands.registerCommand('markovLens.toggleDecorations', () =>
      setting().update('decorations.enabled', !readConfig(extensionPath).decorations, vscode.ConfigurationTarget.Global)),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      async deserializeWebviewPanel(webviewPanel, state) { panel.revive(webviewPanel, state); },
    }),
    vscode.window.registerWebviewPanelSerializer(SPECTRUM_VIEW_TYPE, {
      async deserializeWebviewPanel(webviewPanel, state) { spectrum.revive(webviewPanel, state); },
    }),
    vscode.workspace.onDidChangeConfiguration(e => {
      if (!e.affectsConfiguration(SECTION)) return;
      const previous = config;
      config = readConfig(extensionPath);
      decorations.configure({ enabled: config.decorations, metric: config.heatmapMetric, scale: config.heatmapScale });
      compareDecorations.setEnabled(config.decorations);
      applyIdleTime();
      if (config.heatmapMetric !== previous.heatmapMetric) { panel.setMetric(config.heatmapMetric); navigation.refresh(); }
      if (config.heatmapScale !== previous.heatmapScale) { panel.setScale(config.heatmapScale); navigation.refresh(); }
      // Shown numbers that a fresh run would now give differently are marked stale, naming the change.
      store.refreshOutdated(analysisSettings(config));
      spectrum.settingsChanged();
      if (e.affectsConfiguration(`${SECTION}.live`)) live.settingChanged();
      if (MODEL_KEYS.some(k => JSON.stringify(config[k]) !== JSON.stringify(previous[k]))) {
        log.info(`Model settings changed; model folder now ${config.modelPath}`);
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      config = readConfig(extensionPath);
      store.refreshOutdated(analysisSettings(config));
    }),
  );

  return {
    ...folderScan,
    ...navigation.api,
    analyze: uri => analyzer.run(uri),
    result: uri => store.get(uri),
    decorationCounts: uri => decorations.appliedCounts(uri.toString()),
    compare: (uri, against) => comparer.run(uri, against),
    compareDecorationCounts: uri => compareDecorations.appliedCounts(uri.toString()),
    decorationPaints: () => decorations.paints,
    panelState: () => ({ open: panel.isOpen, uri: panel.currentUri, lastRender: panel.lastRender, reveals: panel.reveals }),
    spectrumState: () => ({ ...spectrum.state, open: spectrum.isOpen }),
    analysisCount: () => analyses,
    isLive: uri => live.isLive(uri),
    enginePid: () => engines.supervisor.pid,
    layerLensState: () => {
      const uri = layerLens.currentUri;
      const lens = uri ? layerLens.lensOf(uri) : undefined;
      return { open: layerLens.isOpen, uri, ranges: lens?.covered(), count: lens?.count, off: lens?.off,
        depthCounts: uri ? layerLens.decorations.appliedCounts(uri) : undefined };
    },
    effectiveModelPath: () => {
      const c = readConfig(extensionPath);
      return { path: c.modelPath, workspaceValueIgnored: c.workspaceModelPathIgnored };
    },
  };
}

function warnIfWorkspaceModelIgnored(ignored: boolean, log: vscode.LogOutputChannel): void {
  if (!ignored) return;
  const message = 'Markov Lens: this workspace is not trusted, so its markovLens.modelPath setting is ignored; ' +
    'the model from your user settings (or the bundled one) is used.';
  log.warn(message);
  void vscode.window.showWarningMessage(message, 'Manage Workspace Trust').then(choice => {
    if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
  });
}

export function deactivate(): void {
  // Everything is in context.subscriptions; the engine process is stopped there.
}
