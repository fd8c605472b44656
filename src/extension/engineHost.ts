/**
 * Owns the loaded model: opened lazily on the first analysis, reused while the model settings stay
 * the same, and disposed (worker terminated) when they change or the extension deactivates.
 */
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

export class EngineHost implements vscode.Disposable {
  private current?: { key: string; loading: Promise<LoadedEngine> };

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** The engine for these settings; loads (and replaces the previous one) when they changed. */
  async get(config: MarkovLensConfig): Promise<LoadedEngine> {
    const key = JSON.stringify([config.modelPath, config.onnxVariant, config.executionProviders]);
    if (this.current?.key !== key) {
      this.release();
      const loading = this.load(config).then(loaded => this.droppedOnInternalFailure(loaded, key));
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
      try {
        return await engine.analyze(request);
      } catch (e) {
        if (!isInputError(e) && this.current?.key === key) {
          this.log.warn(`Restarting the model worker after: ${e instanceof Error ? e.message : e}`);
          this.release();
        }
        throw e;
      }
    };
    return { ...loaded, engine: guarded };
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
