/**
 * One analysis inside the engine: tokenize, plan windows, score each window, and hand each window's
 * records to the sink as soon as they exist. Cancellation is checked between windows. In live mode
 * the windows before an edit are skipped and the first window scored again may resume from a kept
 * KV cache (kvCheckpoints.ts); every number stays bitwise that of a fresh analysis.
 */
import { join } from 'node:path';
import type { ScoringInfo } from '../../core/analysis';
import { DEFAULT_WINDOW_MEMORY_MB, MAX_TOP_K } from '../../core/defaults';
import { InputError } from '../../core/errors';
import type { RecordBatch, WindowMetrics } from '../../core/records';
import { resumeLimit, reusableWindows, type ReuseHint } from '../../core/reuse';
import { describeWindowCap, planWindows, resolveWindowSettings } from '../../core/windows';
import type { KvCheckpoints, ResumePoint } from './kvCheckpoints';
import type { LoadedModel } from '../load/loader';
import type { TokenizedDocument } from '../tokenizer/types';
import type { RunObserver } from './observers';
import { graphError, isRuntimeRefusal } from '../onnx/session';
import { defaultChunk, WindowScorer } from './scorer';
import { windowMemory } from './windowMemory';
import { TokenReduction, type ReductionExtras } from './tokenReduction';
import type { WindowReduction } from './windowAssembly';

export interface AnalyzeParams {
  text: string;
  topK: number;
  window?: number;
  stride?: number;
  /** Tokens per forward run inside a window (default: defaultChunk of the logits width); tests use small ones. */
  chunk?: number;
  /** Memory a default window may take before it is capped below the model's context (default DEFAULT_WINDOW_MEMORY_MB). */
  windowMemoryMB?: number;
  /** Live mode: the previous analysis of the same document; windows it fully covers are skipped. */
  reuse?: ReuseHint;
  /**
   * The engine's KV checkpoints: each scored window's final cache is kept there, and with `reuse`
   * the first window scored again resumes from one when it can. Absent (CLI-only paths, geometry,
   * which replays whole windows): every window runs from its start and nothing is kept.
   */
  checkpoints?: KvCheckpoints;
}

export interface AnalysisSink {
  /**
   * `ids`: the prefix token followed by the document's token ids (what the windows feed); `doc`: the
   * tokenization itself (spans, boundary flags).
   */
  started(scoring: ScoringInfo, tokens: number, tokenizeMs: number, ids: Int32Array, doc: TokenizedDocument): void;
  batch(batch: RecordBatch): void;
  progress(done: number, total: number): void;
  /** Polled between windows. */
  cancelled(): boolean;
}


/**
 * What an analysis adds to the plain one: observers of its runs and the reduction's extras, or a
 * reduction of its own instead of the per-token one (a comparison reduces two models' rows together;
 * its windows' metrics then carry both, and the records batches with them).
 */
export interface AnalysisWatchers {
  observers?: readonly RunObserver[];
  reductionExtras?: ReductionExtras;
  reduction?: WindowReduction;
}

export async function analyzeText(model: LoadedModel, params: AnalyzeParams, sink: AnalysisSink, watchers: AnalysisWatchers = {}): Promise<{ inferenceMs: number }> {
  const topK = params.topK;
  if (!Number.isSafeInteger(topK) || topK < 0 || topK > MAX_TOP_K) {
    throw new InputError(`top-k: must be a whole number from 0 to ${MAX_TOP_K}, got ${topK}`, 'settings-invalid', 'top-k');
  }
  const chunk = params.chunk ?? defaultChunk(model.logitsWidth);
  const settings = resolveWindowSettings(params, model.info.contextLength, model.info.modelType,
    windowMemory(model, chunk, params.windowMemoryMB ?? DEFAULT_WINDOW_MEMORY_MB));
  const started = performance.now();
  const doc = model.tokenizer.encode(params.text);
  const tokenizeMs = performance.now() - started;
  const n = doc.ids.length;
  const ids = new Int32Array(n + 1);
  ids[0] = model.tokenizer.prefixTokenId;
  ids.set(doc.ids, 1);
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] < 0 || ids[i] >= model.logitsWidth) {
      throw new InputError(`${model.files.tokenizerPath}: produced token id ${ids[i]}, outside the model's ${model.logitsWidth} logits`, 'tokenizer-too-wide', model.files.tokenizerPath);
    }
  }
  const scoring: ScoringInfo = { prefixTokenId: ids[0], window: settings.window, stride: settings.stride, topK };
  if (settings.cap) scoring.windowCapped = describeWindowCap(settings.window, settings.cap);
  sink.started(scoring, n, tokenizeMs, ids, doc);

  const reduction = watchers.reduction ?? new TokenReduction(model.reducer, topK, watchers.reductionExtras);
  const observers = watchers.observers ?? [];
  // The reduction observes last, so it may move ORT's logits buffer to its thread (WindowRun.movable).
  const scorer = new WindowScorer(model.session, model.signature, chunk, [...observers, reduction]);
  const windows = planWindows(n + 1, settings.window, settings.stride);
  for (const o of observers) o.begin?.({ ids, documentTokens: n, windows, window: settings.window, stride: settings.stride });
  const texts = new Map<number, string>();
  const textOf = (id: number): string => {
    let t = texts.get(id);
    if (t === undefined) texts.set(id, (t = model.tokenizer.tokenText(id)));
    return t;
  };
  const emit = (metrics: WindowMetrics): void => {
    const from = metrics.firstTarget - 1; // document index of the first record
    const to = from + metrics.count;
    sink.batch({
      ...metrics,
      firstIndex: from,
      topK,
      ids: doc.ids.slice(from, to),
      starts: doc.starts.slice(from, to),
      ends: doc.ends.slice(from, to),
      partial: doc.partial.slice(from, to),
      texts: Array.from(doc.ids.subarray(from, to), textOf),
    });
    sink.progress(to, n);
  };
  const inferenceStart = performance.now();
  // Window k's rows are reduced (on the reduction thread) while window k + 1 runs; its records go
  // out, in order, as soon as they are complete.
  let emitted: Promise<void> = Promise.resolve();
  // Skipped windows send no records: the host keeps the previous ones (exact, see core/reuse.ts).
  const skipped = reusableWindows(windows, doc, settings, topK, params.reuse);
  // The first window scored again may resume inside it: its records up to the resume point are the
  // previous ones (the host keeps everything before the first batch's firstIndex), and the kept
  // cache up to that chunk boundary was checked id by id.
  params.checkpoints?.retainFor(ids, chunk);
  const limit = resumeLimit(windows, skipped, doc, settings, topK, params.reuse);
  let resume: ResumePoint | undefined = limit > 0 && model.signature.past.length > 0
    ? params.checkpoints?.resume(model.signature, ids, windows[skipped].start, chunk, limit)
    : undefined;
  const keptTargets = Math.max(resume?.from ?? 0, skipped > 0 ? windows[skipped - 1].lastTarget : 0);
  if (keptTargets > 0) sink.progress(keptTargets, n);
  try {
    for (let index = skipped; index < windows.length; index++) {
      if (sink.cancelled()) throw new InputError('analysis cancelled', 'cancelled');
      const w = windows[index];
      const { state } = await scorer.scoreWindow(ids, w, index, resume).catch((e: unknown) => {
        throw runError(model, settings.window, w.end - w.start, e);
      });
      resume = undefined;
      if (state) params.checkpoints?.keep(model.signature, ids, w.start, chunk, state);
      const done = reduction.windowMetrics(index);
      emitted = emitted.then(() => done).then(emit);
      emitted.catch(() => undefined); // handled here; rethrown by the await below
      // Let the cancel message and finished reductions in before the next window.
      await new Promise(resolve => setImmediate(resolve));
    }
    await emitted;
  } catch (e) {
    reduction.abandon();
    emitted.catch(() => undefined); // abandoned: a late failure must not go unhandled
    throw e;
  }
  return { inferenceMs: performance.now() - inferenceStart };
}

/**
 * A run that ONNX Runtime refused. Without a context length in config.json the window is a guess
 * (the loader's fallback), and a graph whose position table is shorter then fails inside a Gather:
 * say which file lacks what, not ORT's words. Any other refusal names the graph and the window.
 */
function runError(model: LoadedModel, window: number, fed: number, e: unknown): unknown {
  const message = e instanceof Error ? e.message : String(e);
  if (!isRuntimeRefusal(e)) return e;
  if (model.config.contextLength !== undefined || !/out of data bounds|out of bounds/i.test(message)) {
    return graphError(model.files.onnxPath, e, `failed on a window of ${fed} tokens`);
  }
  const path = join(model.files.dir, 'config.json');
  return new InputError(
    `${path}: names no context length (n_positions, max_position_embeddings, ...) and the model cannot take a ${window}-token window; add it to config.json or set a smaller window`,
    'model-config', path);
}
