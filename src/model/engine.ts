/**
 * The host side of the engine: starts the inference worker, loads the model in it, and turns the
 * streamed record batches back into an Analysis. Implements LanguageModelEngine (api.ts).
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { summarize, type ModelInfo, type ScoringInfo, type TokenRecord } from '../core/analysis';
import { InputError } from '../core/errors';
import { expandBatch } from '../core/records';
import { utf8Length } from '../core/document';
import type { HostToWorker, RequestFailedReply, WorkerToHost } from '../protocol/worker';
import type { Analysis, AnalyzeRequest, LanguageModelEngine, LoadOptions } from './api';
import { DEFAULT_TOP_K } from './analyzer';

export interface EngineOptions extends LoadOptions {
  /** Path of the worker script; default: worker.js next to this module (dist/ or out/src/model/). */
  workerPath?: string;
}

/** worker.js sits next to this module both in the bundle (dist/) and under tsc output (out/src/model/). */
export function defaultWorkerPath(): string {
  return join(__dirname, 'worker.js');
}

type Listener = (message: WorkerToHost) => void;

class WorkerEngine implements LanguageModelEngine {
  private nextId = 1;
  private readonly listeners = new Map<number, Listener>();
  private exitError: Error | undefined;

  constructor(private readonly worker: Worker, public info: ModelInfo) {
    worker.on('message', (m: WorkerToHost) => this.listeners.get(m.id)?.(m));
    const failAll = (error: Error): void => {
      this.exitError = error;
      for (const [id, listener] of this.listeners) {
        listener({ type: 'request/failed', id, error: { kind: 'internal', message: error.message, stack: error.stack } });
      }
    };
    worker.on('error', failAll);
    worker.on('exit', code => failAll(new Error(`the inference worker exited (code ${code})`)));
  }

  /** Sends a request and routes every message for its id to `onMessage` until it settles. */
  request<T>(message: HostToWorker, onMessage: (m: WorkerToHost, settle: (value: T) => void) => void): Promise<T> {
    if (this.exitError) return Promise.reject(this.exitError);
    return new Promise<T>((resolve, reject) => {
      const id = message.id;
      this.listeners.set(id, m => {
        if (m.type === 'request/failed') {
          this.listeners.delete(id);
          reject(errorFromReply(m));
          return;
        }
        onMessage(m, value => {
          this.listeners.delete(id);
          resolve(value);
        });
      });
      this.worker.postMessage(message);
    });
  }

  id(): number {
    return this.nextId++;
  }

  async analyze(request: AnalyzeRequest): Promise<Analysis> {
    const started = performance.now();
    const id = this.id();
    if (request.signal?.aborted) throw new InputError('analysis cancelled', 'cancelled');
    const onAbort = (): void => this.worker.postMessage({ type: 'analysis/cancel', id } satisfies HostToWorker);
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const tokens: TokenRecord[] = [];
    let scoring: ScoringInfo | undefined;
    let tokenizeMs = 0;
    try {
      const inferenceMs = await this.request<number>(
        { type: 'analysis/start', id, text: request.text, topK: request.topK ?? DEFAULT_TOP_K, window: request.window, stride: request.stride },
        (m, settle) => {
          if (m.type === 'analysis/started') {
            scoring = m.scoring;
            tokenizeMs = m.tokenizeMs;
          } else if (m.type === 'analysis/records') {
            const records = expandBatch(m.batch);
            for (const r of records) tokens.push(r);
            request.onRecords?.(records);
          } else if (m.type === 'analysis/progress') {
            request.onProgress?.(m.done, m.total);
          } else if (m.type === 'analysis/done') {
            settle(m.inferenceMs);
          }
        },
      );
      const utf8Bytes = utf8Length(request.text);
      return {
        model: this.info,
        scoring: scoring!,
        tokens,
        summary: summarize(tokens, utf8Bytes),
        utf16Length: request.text.length,
        utf8Bytes,
        timings: { tokenizeMs, inferenceMs, totalMs: performance.now() - started },
      };
    } finally {
      request.signal?.removeEventListener('abort', onAbort);
    }
  }

  async dispose(): Promise<void> {
    if (!this.exitError) {
      await this.request<void>({ type: 'model/dispose', id: this.id() }, (m, settle) => {
        if (m.type === 'model/disposed') settle();
      }).catch(() => undefined);
    }
    await this.worker.terminate();
  }
}

function errorFromReply(m: RequestFailedReply): Error {
  if (m.error.kind === 'input') return new InputError(m.error.message, m.error.code, m.error.subject);
  const e = new Error(m.error.message);
  if (m.error.stack) e.stack = m.error.stack;
  return e;
}

/** Starts a worker, loads the model folder in it (with the cache self-test), and returns the engine. */
export async function openModel(modelDir: string, options: EngineOptions = {}): Promise<LanguageModelEngine> {
  const worker = new Worker(options.workerPath ?? defaultWorkerPath());
  const engine = new WorkerEngine(worker, undefined as unknown as ModelInfo);
  try {
    engine.info = await engine.request<ModelInfo>(
      { type: 'model/load', id: engine.id(), modelDir, variant: options.variant, executionProviders: options.executionProviders, intraOpThreads: options.intraOpThreads },
      (m, settle) => {
        if (m.type === 'model/loaded') settle(m.info);
      },
    );
    return engine;
  } catch (e) {
    await worker.terminate();
    throw e;
  }
}
