/**
 * Owns the loaded model: opened lazily on the first analysis, kept warm across analyses and files
 * while the model settings and the model folder's files (sizes, modification times) stay the same,
 * released after an idle time, and disposed (worker terminated) when the extension deactivates.
 * Analyses that start together share one load.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type * as vscode from 'vscode';
import { isInputError } from '../core/errors';
import { readModelConfig } from '../model/config';
import { openModel } from '../model/engine';
import { loadTokenizerSync } from '../model/tokenizer';
import type { LanguageModelEngine } from '../model/api';
import type { MarkovLensConfig } from './config';

export interface LoadedEngine {
  engine: LanguageModelEngine;
  /** Display text for any token id (for top-k predictions), when the engine offers it. */
  tokenText?(id: number): string;
}

/** Default idle time before a loaded model is released (its worker and memory freed). */
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
  private current?: { key: string; loading: Promise<LoadedEngine> };
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Analyses running on the current engine; the idle release waits for them. */
  private running = 0;

  /** idleMs: release the model after this long without an analysis (0 = keep until disposed). */
  constructor(private readonly log: vscode.LogOutputChannel, private idleMs = DEFAULT_MODEL_IDLE_MS) {}

  /** Changes the idle time (e.g. from a setting); applies from the next analysis. */
  setIdleTime(ms: number): void {
    this.idleMs = ms;
  }

  /** True while a model is loaded or loading (for tests and the status bar). */
  get warm(): boolean {
    return this.current !== undefined;
  }

  /** The engine for these settings; loads (and replaces the previous one) when they or the files changed. */
  async get(config: MarkovLensConfig): Promise<LoadedEngine> {
    const key = JSON.stringify([config.modelPath, config.onnxVariant, config.executionProviders, modelFolderStamp(config.modelPath)]);
    // The idle clock stops while loading and analysing, so a slow load is never released midway.
    clearTimeout(this.idleTimer);
    if (this.current?.key !== key) {
      this.release();
      const loading = this.load(config).then(loaded => this.droppedOnInternalFailure(loaded, key));
      this.current = { key, loading };
      // A failed load must not be cached: the next run retries (the user may have fixed the folder).
      loading.catch(() => { if (this.current?.loading === loading) this.current = undefined; });
    }
    const loaded = await this.current.loading;
    if (this.running === 0) this.restartIdleTimer();
    return loaded;
  }

  private async load(config: MarkovLensConfig): Promise<LoadedEngine> {
    const started = performance.now();
    this.log.info(`Loading model ${config.modelPath} (variant '${config.onnxVariant}', providers ${config.executionProviders.join(',')})`);
    const engine = await openModel(config.modelPath, {
      variant: config.onnxVariant || undefined,
      executionProviders: config.executionProviders.length ? config.executionProviders : undefined,
    });
    const i = engine.info;
    this.log.info(`Model loaded in ${(performance.now() - started).toFixed(0)} ms: ${i.name} (${i.modelType}, ` +
      `${i.layers} layers, hidden ${i.hiddenSize}, vocab ${i.vocabSize}, context ${i.contextLength}, ${i.dtype})`);
    return { engine, tokenText: this.vocabulary(i.path) };
  }

  /**
   * Text for any token id, for top-k predictions. The engine contract has no vocabulary lookup, so
   * the host loads the same tokenizer.json once more (pure JS, no ONNX). Without it, ids show as #id.
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

  /**
   * A worker that crashed or was killed fails every later request, so after an internal (non-input)
   * failure the engine is dropped and the next run starts a fresh worker instead of failing forever.
   */
  private droppedOnInternalFailure(loaded: LoadedEngine, key: string): LoadedEngine {
    const { engine } = loaded;
    const guarded = Object.create(engine) as LanguageModelEngine;
    guarded.analyze = async request => {
      this.running++;
      try {
        return await engine.analyze(request);
      } catch (e) {
        if (!isInputError(e) && this.current?.key === key) {
          this.log.warn(`Restarting the model worker after: ${e instanceof Error ? e.message : e}`);
          this.release();
        }
        throw e;
      } finally {
        this.running--;
        this.restartIdleTimer();
      }
    };
    return { ...loaded, engine: guarded };
  }

  private restartIdleTimer(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.idleMs <= 0) return;
    this.idleTimer = setTimeout(() => {
      if (this.running > 0) return this.restartIdleTimer();
      if (this.current) this.log.info(`Releasing the model after ${Math.round(this.idleMs / 1000)} s without analyses`);
      this.release();
    }, this.idleMs);
    this.idleTimer.unref?.(); // never keeps a process (CLI tests, test hosts) alive
  }

  private release(): void {
    const old = this.current;
    this.current = undefined;
    old?.loading.then(l => l.engine.dispose(), () => undefined).catch(e => this.log.warn(`Model dispose failed: ${e}`));
  }

  dispose(): void {
    clearTimeout(this.idleTimer);
    this.release();
  }
}
