/**
 * The host side of the engine: starts the inference worker, loads the model in it, and turns the
 * streamed record batches back into an Analysis. Implements LanguageModelEngine (api.ts).
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { summarize, type ModelInfo, type ScoringInfo, type TokenRecord } from '../core/analysis';
import { utf8Length } from '../core/document';
import { InputError } from '../core/errors';
import { expandBatch } from '../core/records';
import type { ReuseHint } from '../core/reuse';
import { DEFAULT_TOP_K } from './analyzer';
import type { Analysis, AnalyzeRequest, LanguageModelEngine, LoadOptions } from './api';
import { unpackGeometry } from '../protocol/geometryWire';
import { attachGeometryFields, geometryOptionsOf } from './geometryRecords';
import type { GeometryReport } from '../protocol/worker';
import { WorkerChannel } from './workerChannel';
import { WORKER_RESOURCE_LIMITS } from './workerLimits';

export interface EngineOptions extends LoadOptions {
  /** Path of the worker script; default: worker.js next to this module. */
  workerPath?: string;
  /**
   * Tokens per forward run inside a window (default: from the logits width). Tests set small ones so
   * that short windows have several chunks (live mode resumes at chunk boundaries).
   */
  chunk?: number;
}

/** worker.js sits next to this module both in the bundle (dist/) and under tsc output (out/src/model/). */
export function defaultWorkerPath(): string {
  return join(__dirname, 'worker.js');
}

class WorkerEngine implements LanguageModelEngine {
  constructor(private readonly channel: WorkerChannel, readonly info: ModelInfo, private readonly chunk: number | undefined) {}

  async analyze(request: AnalyzeRequest): Promise<Analysis> {
    const started = performance.now();
    if (request.signal?.aborted) throw new InputError('analysis cancelled', 'cancelled');
    const id = this.channel.newId();
    const onAbort = (): void => this.channel.post({ type: 'analysis/cancel', id });
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const tokens: TokenRecord[] = [];
    const reuse = reuseHintOf(request, this.info);
    let reusedTokens: number | undefined;
    // Records the worker skipped go out first, before the first scored batch (or at the end).
    const takeReused = (upTo: number): void => {
      if (!reuse || reusedTokens !== undefined) return;
      const kept = request.previous!.tokens.slice(0, upTo).map(r => ({ ...r }));
      reusedTokens = kept.length;
      for (const r of kept) tokens.push(r);
      if (kept.length) request.onRecords?.(kept);
    };
    let documentTokens = 0;
    let scoring: ScoringInfo | undefined;
    let tokenizeMs = 0;
    let geometry: GeometryReport | undefined;
    let geometryMs: number | undefined;
    try {
      const inferenceMs = await this.channel.request<number>(
        {
          type: 'analysis/start', id, text: request.text, topK: request.topK ?? DEFAULT_TOP_K, window: request.window, stride: request.stride,
          geometry: geometryOptionsOf(request),
          ...(reuse ? { reuse } : {}),
          ...(this.chunk !== undefined ? { chunk: this.chunk } : {}),
        },
        (m, settle) => {
          if (m.type === 'analysis/started') {
            scoring = m.scoring;
            tokenizeMs = m.tokenizeMs;
            documentTokens = m.tokens;
          } else if (m.type === 'analysis/records') {
            takeReused(m.batch.firstIndex);
            const records = expandBatch(m.batch);
            if (m.hiddenNorm) records.forEach((r, i) => { r.hiddenNorm = m.hiddenNorm![i]; });
            for (const r of records) tokens.push(r);
            request.onRecords?.(records);
          } else if (m.type === 'analysis/progress') {
            request.onProgress?.(m.done, m.total);
          } else if (m.type === 'analysis/done') {
            takeReused(documentTokens);
            geometry = m.geometry && unpackGeometry(m.geometry);
            geometryMs = m.geometryMs;
            settle(m.inferenceMs);
          }
        },
      );
      const utf8Bytes = utf8Length(request.text);
      if (geometry) attachGeometryFields(tokens, geometry);
      return {
        model: this.info,
        scoring: scoring!,
        tokens,
        summary: summarize(tokens, utf8Bytes),
        utf16Length: request.text.length,
        utf8Bytes,
        timings: { tokenizeMs, inferenceMs, totalMs: performance.now() - started, ...(geometryMs !== undefined ? { geometryMs } : {}) },
        ...(geometry ? { geometry } : {}),
        ...(reusedTokens !== undefined ? { reusedTokens } : {}),
      };
    } finally {
      request.signal?.removeEventListener('abort', onAbort);
    }
  }

  tokenTexts(ids: readonly number[]): Promise<string[]> {
    return this.channel.request<string[]>({ type: 'vocab/texts', id: this.channel.newId(), tokenIds: [...ids] }, (m, settle) => {
      if (m.type === 'vocab/texts') settle(m.texts);
    });
  }

  async dispose(): Promise<void> {
    if (!this.channel.closed) {
      await this.channel
        .request<void>({ type: 'model/dispose', id: this.channel.newId() }, (m, settle) => {
          if (m.type === 'model/disposed') settle();
        })
        .catch(() => undefined);
    }
    await this.channel.worker.terminate();
  }
}

/** The worker's reuse hint for a live re-analysis, when `previous` is usable (see api.ts). */
function reuseHintOf(request: AnalyzeRequest, info: ModelInfo): ReuseHint | undefined {
  const previous = request.previous;
  if (!previous || request.geometry || previous.model.path !== info.path || previous.model !== info) return undefined;
  const t = previous.tokens;
  return {
    ids: Int32Array.from(t, r => r.id),
    starts: Uint32Array.from(t, r => r.start),
    ends: Uint32Array.from(t, r => r.end),
    window: previous.scoring.window,
    stride: previous.scoring.stride,
    topK: previous.scoring.topK,
  };
}

/** Starts a worker, loads the model folder in it (with the cache self-test), and returns the engine. */
export async function openModel(modelDir: string, options: EngineOptions = {}): Promise<LanguageModelEngine> {
  const channel = new WorkerChannel(new Worker(options.workerPath ?? defaultWorkerPath(), { resourceLimits: WORKER_RESOURCE_LIMITS }));
  try {
    const info = await channel.request<ModelInfo>(
      { type: 'model/load', id: channel.newId(), modelDir, variant: options.variant, executionProviders: options.executionProviders, intraOpThreads: options.intraOpThreads },
      (m, settle) => {
        if (m.type === 'model/loaded') settle(m.info);
      },
    );
    return new WorkerEngine(channel, info, options.chunk);
  } catch (e) {
    await channel.worker.terminate();
    throw e;
  }
}
