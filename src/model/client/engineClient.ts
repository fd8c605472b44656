/**
 * The front end's side of the engine: a model loaded in an engine (its own process, or this one)
 * seen through the channel, implementing LanguageModelEngine (api.ts). It turns the streamed record
 * batches back into an Analysis and keeps the live-mode reuse hint on this side.
 */
import { summarize, type ModelInfo, type ScoringInfo, type TokenRecord } from '../../core/analysis';
import { DEFAULT_TOP_K } from '../../core/defaults';
import { utf8Length } from '../../core/document';
import { InputError } from '../../core/errors';
import type { GeometryReport } from '../../core/geometry';
import { attachGeometryFields } from '../../core/geometry/tokenFields';
import { expandBatch } from '../../core/records';
import type { ReuseHint } from '../../core/reuse';
import type { Channel } from '../../protocol/channel';
import { unpackGeometry, type EngineMethods, type FrontEndMethods } from '../../protocol/engine';
import type { Comparison } from '../../core/compare/comparison';
import type { LayerLensOutcome } from '../../core/lens/types';
import type { Analysis, AnalyzeRequest, CompareRequest, GeometryRequest, LanguageModelEngine, LensRequest, LoadOptions } from '../api';
import { runComparison } from './compareClient';
import { ReusedPrefix, reuseHintFrom } from './reusedPrefix';

export type EngineChannel = Channel<FrontEndMethods, EngineMethods>;

export interface ModelOptions extends LoadOptions {
  /**
   * Tokens per forward run inside a window (default: from the logits width). Tests set small ones so
   * that short windows have several chunks (live mode resumes at chunk boundaries).
   */
  chunk?: number;
}

/** Loads a model in the engine behind `channel`; `onDispose` runs after the model is released. */
export async function loadRemoteModel(channel: EngineChannel, modelDir: string, options: ModelOptions = {}, onDispose?: () => Promise<void>): Promise<LanguageModelEngine> {
  const { chunk, ...load } = options;
  const reply = await channel.request('load', { modelDir, variant: load.variant, executionProviders: load.executionProviders, intraOpThreads: load.intraOpThreads });
  return new RemoteModel(channel, reply.model, reply.info, chunk, onDispose);
}

class RemoteModel implements LanguageModelEngine {
  private disposed = false;

  constructor(readonly channel: EngineChannel, readonly handle: number, readonly info: ModelInfo,
    private readonly chunk: number | undefined, private readonly onDispose?: () => Promise<void>) {}

  async analyze(request: AnalyzeRequest): Promise<Analysis> {
    const started = performance.now();
    if (request.signal?.aborted) throw new InputError('analysis cancelled', 'cancelled');
    const tokens: TokenRecord[] = [];
    const reuse = reuseHintOf(request, this.info);
    const kept = new ReusedPrefix(reuse ? request.previous!.tokens : undefined);
    // Records the engine skipped go out first, before the first scored batch (or at the end).
    const takeReused = (upTo: number): void => {
      const records = kept.take(upTo);
      for (const r of records) tokens.push(r);
      if (records.length) request.onRecords?.(records);
    };
    let documentTokens = 0;
    let scoring: ScoringInfo | undefined;
    let tokenizeMs = 0;
    const geometry = request.geometry === true ? {} : request.geometry || undefined;
    const done = await this.channel.request('analyze', {
      model: this.handle, text: request.text, topK: request.topK ?? DEFAULT_TOP_K, window: request.window, stride: request.stride,
      ...(request.windowMemoryMB !== undefined ? { windowMemoryMB: request.windowMemoryMB } : {}),
      ...(geometry ? { geometry } : {}),
      ...(request.layers ? { layers: true } : {}),
      ...(reuse ? { reuse } : {}),
      ...(request.keep && !reuse ? { keep: request.keep === true ? {} : request.keep } : {}),
      ...(this.chunk !== undefined ? { chunk: this.chunk } : {}),
    }, {
      signal: request.signal,
      onEvent: e => {
        if (e.type === 'started') {
          scoring = e.scoring;
          tokenizeMs = e.tokenizeMs;
          documentTokens = e.tokens;
        } else if (e.type === 'records') {
          takeReused(e.batch.firstIndex);
          const records = expandBatch(e.batch);
          if (e.hiddenNorm) records.forEach((r, i) => { r.hiddenNorm = e.hiddenNorm![i]; });
          for (const r of records) tokens.push(r);
          request.onRecords?.(records);
        } else {
          request.onProgress?.(e.done, e.total);
        }
      },
    });
    takeReused(documentTokens);
    const report: GeometryReport | undefined = done.geometry && unpackGeometry(done.geometry);
    const utf8Bytes = utf8Length(request.text);
    if (report) attachGeometryFields(tokens, report);
    return {
      model: this.info,
      scoring: scoring!,
      tokens,
      summary: summarize(tokens, utf8Bytes),
      utf16Length: request.text.length,
      utf8Bytes,
      timings: { tokenizeMs, inferenceMs: done.inferenceMs, totalMs: performance.now() - started, ...(done.geometryMs !== undefined ? { geometryMs: done.geometryMs } : {}) },
      ...(report ? { geometry: report } : {}),
      ...(done.layers ? { layers: done.layers } : {}),
      ...kept.count(),
      ...(done.kept ? { kept: done.kept } : {}),
    };
  }

  compare(against: LanguageModelEngine, request: CompareRequest): Promise<Comparison> {
    if (!(against instanceof RemoteModel) || against.channel !== this.channel) {
      return Promise.reject(new Error('compare: both models must be loaded in the same engine'));
    }
    return runComparison(this.channel, { handle: this.handle, info: this.info }, { handle: against.handle, info: against.info }, request, this.chunk);
  }

  lens(request: LensRequest): Promise<LayerLensOutcome> {
    if (request.signal?.aborted) return Promise.reject(new InputError('analysis cancelled', 'cancelled'));
    return this.channel.request('lens', {
      model: this.handle, text: request.text, from: request.from, to: request.to, window: request.window, stride: request.stride,
      ...(this.chunk !== undefined ? { chunk: this.chunk } : {}),
    }, { signal: request.signal, onEvent: e => request.onProgress?.(e.done, e.total) });
  }

  async geometry(kept: number, options: GeometryRequest, signal?: AbortSignal): Promise<{ geometry: GeometryReport; geometryMs: number }> {
    const done = await this.channel.request('geometry', { model: this.handle, kept, options }, { signal });
    return { geometry: unpackGeometry(done.geometry), geometryMs: done.geometryMs };
  }

  tokenTexts(ids: readonly number[]): Promise<string[]> {
    return this.channel.request('tokenTexts', { model: this.handle, ids: [...ids] });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (!this.channel.closed) await this.channel.request('release', { model: this.handle }).catch(() => undefined);
    await this.onDispose?.();
  }
}

/** The engine's reuse hint for a live re-analysis, when `previous` is usable (see api.ts). */
function reuseHintOf(request: AnalyzeRequest, info: ModelInfo): ReuseHint | undefined {
  const previous = request.previous;
  if (!previous || request.geometry || request.layers || previous.model.path !== info.path || previous.model !== info) return undefined;
  return reuseHintFrom(previous.tokens, previous.scoring);
}
