/**
 * Owns the loaded model: opened lazily on the first analysis, reused while the model settings stay
 * the same, and disposed (worker terminated) when they change or the extension deactivates.
 */
import type * as vscode from 'vscode';
import { openModel } from '../model/engine';
import type { LanguageModelEngine } from '../model/api';
import type { MarkovLensConfig } from './config';

export interface LoadedEngine {
  engine: LanguageModelEngine;
  /** Display text for any token id (for top-k predictions), when the engine offers it. */
  tokenText?(id: number): string;
}

export class EngineHost implements vscode.Disposable {
  private current?: { key: string; loading: Promise<LoadedEngine> };

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** The engine for these settings; loads (and replaces the previous one) when they changed. */
  async get(config: MarkovLensConfig): Promise<LoadedEngine> {
    const key = JSON.stringify([config.modelPath, config.onnxVariant, config.executionProviders]);
    if (this.current?.key !== key) {
      this.release();
      const loading = this.load(config);
      this.current = { key, loading };
      // A failed load must not be cached: the next run retries (the user may have fixed the folder).
      loading.catch(() => { if (this.current?.loading === loading) this.current = undefined; });
    }
    return this.current.loading;
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
    // The contract has no vocabulary lookup yet; use one if the engine grows it.
    const withVocab = engine as LanguageModelEngine & { tokenText?(id: number): string };
    return typeof withVocab.tokenText === 'function' ? { engine, tokenText: id => withVocab.tokenText!(id) } : { engine };
  }

  private release(): void {
    const old = this.current;
    this.current = undefined;
    old?.loading.then(l => l.engine.dispose(), () => undefined).catch(e => this.log.warn(`Model dispose failed: ${e}`));
  }

  dispose(): void {
    this.release();
  }
}
