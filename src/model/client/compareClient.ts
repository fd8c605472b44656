/**
 * The front end's side of a comparison: sends `compare` for two models loaded in one engine, turns
 * the streamed batches back into records, and builds the Comparison (its summary, and across
 * tokenizers the common segments) from them with the core's definitions. Live mode keeps the
 * previous comparison's leading records, as an analysis does (engineClient.ts).
 */
import type { ModelInfo, ScoringInfo, TokenRecord } from '../../core/analysis';
import type { Comparison, SharedScoring, TokenizerMatch } from '../../core/compare/comparison';
import { expandCompareBatch, type CompareTokenRecord } from '../../core/compare/records';
import { segmentsOf } from '../../core/compare/segments';
import { compareSummary, crossTokenizerSummary } from '../../core/compare/summary';
import { DEFAULT_TOP_K } from '../../core/defaults';
import { utf8Length } from '../../core/document';
import { InputError } from '../../core/errors';
import { expandBatch } from '../../core/records';
import type { ReuseHint } from '../../core/reuse';
import type { CompareRequest } from '../api';
import type { Channel } from '../../protocol/channel';
import type { EngineMethods, FrontEndMethods } from '../../protocol/engine';
import { ReusedPrefix, reuseHintFrom } from './reusedPrefix';

export interface ComparedModel {
  handle: number;
  info: ModelInfo;
}

/** The reuse hint of a live re-comparison, when the previous one is by these models on one tokenizer. */
function reuseHintOf(request: CompareRequest, model: ModelInfo, against: ModelInfo): ReuseHint | undefined {
  const previous = request.previous;
  if (!previous || previous.kind !== 'same-tokenizer' || previous.models.model !== model || previous.models.against !== against) return undefined;
  return reuseHintFrom(previous.tokens, previous.scoring);
}

export async function runComparison(channel: Channel<FrontEndMethods, EngineMethods>, model: ComparedModel, against: ComparedModel, request: CompareRequest, chunk?: number): Promise<Comparison> {
  const started = performance.now();
  if (request.signal?.aborted) throw new InputError('comparison cancelled', 'cancelled');
  const reuse = reuseHintOf(request, model.info, against.info);
  const kept = new ReusedPrefix<CompareTokenRecord>(reuse && request.previous?.kind === 'same-tokenizer' ? request.previous.tokens : undefined);
  const tokens: TokenRecord[] = [];
  const againstTokens: TokenRecord[] = [];
  let tokenizer: TokenizerMatch | undefined;
  let scoring: SharedScoring | ScoringInfo | undefined;
  let againstScoring: ScoringInfo | undefined;
  let documentTokens = 0;
  let tokenizeMs = 0;
  const emit = (records: TokenRecord[], side: 'model' | 'against') => {
    for (const r of records) (side === 'model' ? tokens : againstTokens).push(r);
    if (records.length) request.onRecords?.(records, side);
  };
  const done = await channel.request('compare', {
    model: model.handle, against: against.handle, text: request.text, topK: request.topK ?? DEFAULT_TOP_K,
    window: request.window, stride: request.stride, ...(request.windowMemoryMB !== undefined ? { windowMemoryMB: request.windowMemoryMB } : {}), ...(reuse ? { reuse } : {}), ...(chunk !== undefined ? { chunk } : {}),
  }, {
    signal: request.signal,
    onEvent: e => {
      switch (e.type) {
        case 'started':
          ({ tokenizer, scoring, tokens: documentTokens, tokenizeMs } = e);
          return;
        case 'against-started':
          againstScoring = e.scoring;
          tokenizeMs += e.tokenizeMs;
          return;
        case 'records':
          emit(kept.take(e.batch.firstIndex), 'model');
          emit(expandCompareBatch(e.batch), 'model');
          return;
        case 'side-records':
          emit(expandBatch(e.batch), e.side);
          return;
        case 'progress':
          request.onProgress?.(e.done, e.total);
      }
    },
  });
  emit(kept.take(documentTokens), 'model');
  const utf8Bytes = utf8Length(request.text);
  const common = {
    models: { model: model.info, against: against.info }, tokenizer: tokenizer!, utf16Length: request.text.length, utf8Bytes,
    timings: { tokenizeMs, inferenceMs: done.inferenceMs, totalMs: performance.now() - started },
  };
  if (tokenizer!.same) {
    const records = tokens as CompareTokenRecord[];
    return { ...common, kind: 'same-tokenizer', scoring: scoring as SharedScoring, tokens: records, summary: compareSummary(records, utf8Bytes), ...kept.count() };
  }
  const flags = done.boundaryStart!;
  const side = (records: TokenRecord[], boundaryStart: Uint8Array) => ({ starts: records.map(t => t.start), boundaryStart, nll: records.map(t => t.nll) });
  const segments = segmentsOf(request.text.length, side(tokens, flags.model), side(againstTokens, flags.against));
  return {
    ...common, kind: 'cross-tokenizer', scoring: { model: scoring as ScoringInfo, against: againstScoring! },
    tokens, againstTokens, segments, summary: crossTokenizerSummary(tokens, againstTokens, segments, utf8Bytes),
  };
}
