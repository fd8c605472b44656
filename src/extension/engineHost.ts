/**
 * Owns the loaded model: opened lazily on the first analysis in the engine process (kept by
 * EngineSupervisor), kept warm across analyses and files while the model settings and the model
 * folder's files (sizes, modification times) stay the same, and released after an idle time by
 * stopping the engine process (which frees all of its memory). Analyses that start together share
 * one load. When the engine dies, the loaded model is forgotten and the next analysis loads it in
 * the fresh engine.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type * as vscode from 'vscode';
import { readModelConfig } from '../model/load/config';
import { loadRemoteModel } from '../model/client/engineClient';
import { loadTokenizerSync } from '../model/tokenizer';
import type { LanguageModelEngine } from '../model/api';
import type { MarkovLensConfig } from './config';
import { EngineSupervisor, type EngineCrash } from './engineSupervisor';

export interface LoadedEngine {
  engine: LanguageModelEngine;
  /** Display text for any token id (for top-k predictions), when the engine offers it. */
  tokenText?(id: number): string;
}

/** Default idle time before a loaded model is released (the engine process stopped, its memory freed). */
export const DEFAULT_MODEL_IDLE_MS = 10 * 60 * 1000;

/**
 * Sizes and modification times of the model folder's files (and its onnx/ subfolder), so a model
 * re-exported in place is reloaded. Unreadable entries count as missing; the load reports why.
 */
export function modelFolderStamp(dir: string): string {
  const stamp = (folder: string): string[] => {
    try {
      return readdirSync(folder).sort().map(name => {
        try {
          const s = statSync(join(folder, name));
          return s.isDirectory() ? (name === 'onnx' ? stamp(join(folder, name)).join(',') : name) : `${name}:${s.size}:${s.mtimeMs}`;
        } catch {
          return `${name}:?`;
        }
      });
    } catch {
      return ['(unreadable)'];
    }
  };
  return stamp(dir).join('|');
}

export class EngineHost implements vscode.Disposable {
  private current?: { key: string; loading: Promise<LoadedEngine>; loaded?: LanguageModelEngine };
  /** The model a comparison is against (Compare With Model…), in the same engine as `current`. */
  private against?: { key: string; loading: Promise<LoadedEngine> };
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Analyses running on the current engine; the idle release waits for them. */
  private running = 0;
  readonly supervisor: EngineSupervisor;

  /** idleMs: release the model after this long without an analysis (0 = keep until disposed). */
  constructor(private readonly log: vscode.LogOutputChannel, private idleMs = DEFAULT_MODEL_IDLE_MS, supervisor?: EngineSupervisor) {
    this.supervisor = supervisor ?? new EngineSupervisor(log);
    // A model loaded in a dead engine is gone with it.
    this.supervisor.onCrash(() => { this.current = undefined; this.against = undefined; });
  }

  /** Changes the idle time (e.g. from a setting); applies from the next analysis. */
  setIdleTime(ms: number): void {
    this.idleMs = ms;
  }

  /** True while a model is loaded or loading (for tests and the status bar). */
  get warm(): boolean {
    return this.current !== undefined;
  }

  /** True while an analysis runs on the engine (a crash then belongs to that analysis). */
  get busy(): boolean {
    return this.running > 0;
  }

  /** Whether `engine` (as `get` gave it) is still the loaded model: a kept analysis lives only there. */
  isCurrent(engine: LanguageModelEngine): boolean {
    return this.current?.loaded === engine;
  }

  onCrash(listener: (crash: EngineCrash) => void): void {
    this.supervisor.onCrash(listener);
  }

  /** The engine for these settings; loads (and replaces the previous one) when they or the files changed. */
  async get(config: MarkovLensConfig): Promise<LoadedEngine> {
    const key = JSON.stringify([config.modelPath, config.onnxVariant, config.executionProviders, config.threads, modelFolderStamp(config.modelPath)]);
    // The idle clock stops while loading and analysing, so a slow load is never released midway.
    clearTimeout(this.idleTimer);
    if (this.current?.key !== key) {
      this.releaseModel();
      const loading = this.load(config).then(loaded => this.counted(loaded));
      const current: NonNullable<EngineHost['current']> = { key, loading };
      this.current = current;
      loading.then(l => { current.loaded = l.engine; }, () => undefined);
      // A failed load must not be cached: the next run retries (the user may have fixed the folder).
      loading.catch(() => { if (this.current?.loading === loading) this.current = undefined; });
    }
    const loaded = await this.current.loading;
    if (this.running === 0) this.restartIdleTimer();
    return loaded;
  }

  /**
   * The model to compare the current one against: loaded in the same engine (a comparison needs both
   * there), kept warm like the current one, replaced when another folder is asked for. Its variant
   * and providers are the current settings'; `get(config)` must have been called first or alongside.
   */
  async getAgainst(modelDir: string, config: MarkovLensConfig): Promise<LoadedEngine> {
    const key = JSON.stringify([modelDir, config.onnxVariant, config.executionProviders, config.threads, modelFolderStamp(modelDir)]);
    clearTimeout(this.idleTimer);
    if (this.against?.key !== key) {
      const old = this.against;
      old?.loading.then(l => l.engine.dispose(), () => undefined).catch(e => this.log.warn(`Model dispose failed: ${e}`));
      const loading = this.load({ ...config, modelPath: modelDir }).then(loaded => this.counted(loaded));
      this.against = { key, loading };
      loading.catch(() => { if (this.against?.loading === loading) this.against = undefined; });
    }
    const loaded = await this.against.loading;
    if (this.running === 0) this.restartIdleTimer();
    return loaded;
  }

  private async load(config: MarkovLensConfig): Promise<LoadedEngine> {
    const started = performance.now();
    this.log.info(`Loading model ${config.modelPath} (variant '${config.onnxVariant}', providers ${config.executionProviders.join(',')}, threads ${config.threads > 0 ? config.threads : 'by model size'})`);
    const engine = await loadRemoteModel(this.supervisor.current().channel, config.modelPath, {
      variant: config.onnxVariant || undefined,
      executionProviders: config.executionProviders.length ? config.executionProviders : undefined,
      intraOpThreads: config.threads > 0 ? config.threads : undefined,
    });
    const i = engine.info;
    this.log.info(`Model loaded in ${(performance.now() - started).toFixed(0)} ms: ${i.name} (${i.modelType}, ` +
      `${i.layers} layers, hidden ${i.hiddenSize}, vocab ${i.vocabSize}, context ${i.contextLength}, ${i.dtype})`);
    return { engine, tokenText: this.vocabulary(i.path) };
  }

  /**
   * Text for any token id, for top-k predictions. The host keeps its own copy of the tokenizer
   * (pure JS, no ONNX) so hovers never wait on the engine. Without it, ids show as #id.
   */
  private vocabulary(modelDir: string): ((id: number) => string) | undefined {
    try {
      const started = performance.now();
      const tokenizer = loadTokenizerSync(modelDir, readModelConfig(modelDir).raw);
      this.log.info(`Vocabulary for hovers loaded in ${(performance.now() - started).toFixed(0)} ms`);
      const cache = new Map<number, string>();
      return id => {
        let text = cache.get(id);
        if (text === undefined) cache.set(id, (text = tokenizer.tokenText(id)));
        return text;
      };
    } catch (e) {
      this.log.warn(`No vocabulary for top-k texts (${e instanceof Error ? e.message : e}); showing ids`);
      return undefined;
    }
  }

  /** Counts running analyses (the idle release waits for them). */
  private counted(loaded: LoadedEngine): LoadedEngine {
    const { engine } = loaded;
    const counted = Object.create(engine) as LanguageModelEngine;
    const count = async <T>(work: () => Promise<T>): Promise<T> => {
      clearTimeout(this.idleTimer);
      this.running++;
      try {
        return await work();
      } finally {
        this.running--;
        this.restartIdleTimer();
      }
    };
    counted.analyze = request => count(() => engine.analyze(request));
    if (engine.compare) counted.compare = (against, request) => count(() => engine.compare!.call(counted, against, request));
    if (engine.geometry) counted.geometry = (kept, options, signal) => count(() => engine.geometry!(kept, options, signal));
    return { ...loaded, engine: counted };
  }

  private restartIdleTimer(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.idleMs <= 0) return;
    this.idleTimer = setTimeout(() => {
      if (this.running > 0) return this.restartIdleTimer();
      if (this.current) this.log.info(`Releasing the model after ${Math.round(this.idleMs / 1000)} s without analyses`);
      this.current = undefined;
      this.against = undefined;
      void this.supervisor.stop();
    }, this.idleMs);
    this.idleTimer.unref?.(); // never keeps a process (CLI tests, test hosts) alive
  }

  /** Frees the current model in the engine (the engine keeps running for the next one). */
  private releaseModel(): void {
    const old = this.current;
    this.current = undefined;
    old?.loading.then(l => l.engine.dispose(), () => undefined).catch(e => this.log.warn(`Model dispose failed: ${e}`));
  }

  dispose(): void {
    clearTimeout(this.idleTimer);
    this.current = undefined;
    this.against = undefined;
    void this.supervisor.stop();
  }
}
