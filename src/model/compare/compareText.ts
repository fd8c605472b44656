/**
 * One comparison inside the engine. With one tokenizer (tokenizerIdentity.ts) both models score the
 * same ids in the same windows, the smaller context's (capped only for memory, as an analysis), in step: the base
 * model's analysis runs with a PairedReduction, which runs the other model on each of its chunks and
 * reduces both rows together. With two tokenizers each model scores its own tokens with its own plan
 * (one after the other); the front end cuts the text into common segments (core/compare/segments.ts).
 * Every failure names the model it belongs to.
 */
import type { ScoringInfo } from '../../core/analysis';
import type { SharedScoring, TokenizerMatch } from '../../core/compare/comparison';
import type { CompareBatch, CompareWindowMetrics } from '../../core/compare/records';
import { DEFAULT_WINDOW_MEMORY_MB } from '../../core/defaults';
import { InputError, isInputError } from '../../core/errors';
import type { RecordBatch } from '../../core/records';
import { describeWindowCap, resolveWindowSettings, type ResolvedWindow } from '../../core/windows';
import type { CompareParams as EngineCompareParams } from '../../protocol/engine';
import type { LoadedModel } from '../load/loader';
import { graphError, isRuntimeRefusal } from '../onnx/session';
import { analyzeText, type AnalysisSink } from '../run/analyzer';
import { defaultChunk } from '../run/scorer';
import { windowMemory } from '../run/windowMemory';
import { PairedReduction } from './pairedReduction';
import { matchTokenizers } from './tokenizerIdentity';

/** The engine's compare request without the two model handles. */
export type CompareParams = Omit<EngineCompareParams, 'model' | 'against'>;

export interface CompareSink {
  /** `scoring`: the shared plan (one tokenizer, with both contexts) or the base model's own. */
  started(tokenizer: TokenizerMatch, scoring: SharedScoring | ScoringInfo, tokens: number, tokenizeMs: number): void;
  /** Two tokenizers: the other model's own plan, as its scoring starts. */
  againstStarted(scoring: ScoringInfo, tokens: number, tokenizeMs: number): void;
  /** One tokenizer: a window of both models' records. */
  records(batch: CompareBatch): void;
  /** Two tokenizers: a window of one model's own records. */
  sideRecords(side: 'model' | 'against', batch: RecordBatch): void;
  /** Tokens done of both models (two tokenizers: the other's count is estimated as the base's until known). */
  progress(done: number, total: number): void;
  cancelled(): boolean;
}

export interface CompareResult {
  inferenceMs: number;
  boundaryStart?: { model: Uint8Array; against: Uint8Array };
}

/** An error of one of the two models, said so (its own message names a file when it has one). */
function blame(model: LoadedModel, role: string, e: unknown): unknown {
  if (isInputError(e)) {
    if (e.code === 'cancelled' || e.message.includes(model.info.path)) return e;
    return new InputError(`${model.info.path} (${role}): ${e.message}`, e.code, e.subject);
  }
  return isRuntimeRefusal(e) ? graphError(model.files.onnxPath, e, `failed on a comparison window (${role})`) : e;
}

const againstError = (against: LoadedModel, e: unknown) => blame(against, 'the model compared against', e);

/**
 * The shared window: the smaller context unless set, capped (and the cap reported) only when both
 * models' windows together would not fit the memory budget, as for an analysis; valid for both.
 */
function sharedWindow(model: LoadedModel, against: LoadedModel, params: CompareParams, chunk: number): ResolvedWindow {
  const budget = params.windowMemoryMB ?? DEFAULT_WINDOW_MEMORY_MB;
  const a = windowMemory(model, chunk, budget);
  const b = windowMemory(against, chunk, budget);
  // Both models hold a window's cache at once.
  const both = { bytes: (tokens: number) => a.bytes(tokens) + b.bytes(tokens), budgetBytes: a.budgetBytes };
  const context = Math.min(model.info.contextLength, against.info.contextLength);
  let settings: ResolvedWindow;
  try {
    settings = resolveWindowSettings({ window: params.window, stride: params.stride }, params.window === undefined ? context : model.info.contextLength, model.info.modelType, both);
  } catch (e) {
    throw blame(model, 'the base model', e);
  }
  try {
    resolveWindowSettings(settings, against.info.contextLength, against.info.modelType);
  } catch (e) {
    throw againstError(against, e);
  }
  return settings;
}

export async function compareText(model: LoadedModel, against: LoadedModel, params: CompareParams, sink: CompareSink): Promise<CompareResult> {
  const tokenizer = matchTokenizers(model, against);
  return tokenizer.same ? compareInStep(model, against, tokenizer, params, sink) : compareSeparately(model, against, tokenizer, params, sink);
}

async function compareInStep(model: LoadedModel, against: LoadedModel, tokenizer: TokenizerMatch, params: CompareParams, sink: CompareSink): Promise<CompareResult> {
  const chunk = params.chunk ?? defaultChunk(model.logitsWidth + against.logitsWidth);
  const settings = sharedWindow(model, against, params, chunk);
  const paired = new PairedReduction(model.reducer, params.topK, against, chunk, e => againstError(against, e));
  const padded = model.logitsWidth !== against.logitsWidth;
  const contexts = { model: model.info.contextLength, against: against.info.contextLength };
  const analysisSink: AnalysisSink = {
    started: (scoring, tokens, tokenizeMs, ids) => {
      for (let i = 0; i < ids.length; i++) {
        if (ids[i] >= against.logitsWidth) {
          throw againstError(against, new InputError(`token id ${ids[i]} of the shared tokenizer is outside its ${against.logitsWidth} logits; the vocabularies cannot be reconciled`, 'tokenizer-too-wide', against.files.onnxPath));
        }
      }
      sink.started(tokenizer, { ...scoring, contexts, ...(settings.cap ? { windowCapped: describeWindowCap(settings.window, settings.cap) } : {}) }, tokens, tokenizeMs);
    },
    batch: batch => sink.records({ ...(batch as RecordBatch & CompareWindowMetrics), padded }),
    progress: (done, total) => sink.progress(done, total),
    cancelled: () => sink.cancelled(),
  };
  const { inferenceMs } = await analyzeText(model, { text: params.text, topK: params.topK, window: settings.window, stride: settings.stride, chunk, reuse: params.reuse }, analysisSink, { reduction: paired });
  return { inferenceMs };
}

async function compareSeparately(model: LoadedModel, against: LoadedModel, tokenizer: TokenizerMatch, params: CompareParams, sink: CompareSink): Promise<CompareResult> {
  const plan = { text: params.text, topK: params.topK, window: params.window, stride: params.stride, chunk: params.chunk, windowMemoryMB: params.windowMemoryMB };
  const count = { model: 0, against: 0 };
  const flags: { model?: Uint8Array; against?: Uint8Array } = {};
  const side = (which: 'model' | 'against'): AnalysisSink => ({
    started: (scoring, tokens, tokenizeMs, _ids, doc) => {
      count[which] = tokens;
      flags[which] = doc.boundaryStart ?? new Uint8Array(tokens).fill(1);
      if (which === 'model') sink.started(tokenizer, scoring, tokens, tokenizeMs);
      else sink.againstStarted(scoring, tokens, tokenizeMs);
    },
    batch: batch => sink.sideRecords(which, batch),
    progress: done => which === 'model'
      ? sink.progress(done, 2 * count.model)
      : sink.progress(count.model + done, count.model + count.against),
    cancelled: () => sink.cancelled(),
  });
  const first = await analyzeText(model, plan, side('model'));
  const second = await analyzeText(against, plan, side('against')).catch((e: unknown) => { throw againstError(against, e); });
  return { inferenceMs: first.inferenceMs + second.inferenceMs, boundaryStart: { model: flags.model!, against: flags.against! } };
}
