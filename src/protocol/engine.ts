/**
 * The boundary between a front end (the extension host, the CLI, the benchmarks) and the engine
 * (its own process, or in the same process for the CLI): the methods the engine serves over the
 * channel (channel.ts), and how a geometry report is packed for the wire. Record batches travel as
 * typed arrays.
 */
import type { ModelInfo, ScoringInfo } from '../core/analysis';
import type { SharedScoring, TokenizerMatch } from '../core/compare/comparison';
import type { CompareBatch } from '../core/compare/records';
import type { GeometryOptions, GeometryReport } from '../core/geometry';
import type { LayerLensOutcome } from '../core/lens/types';
import type { RecordBatch } from '../core/records';
import type { ReuseHint } from '../core/reuse';

export interface LoadParams {
  modelDir: string;
  /** transformers.js layout only: which `onnx/model*.onnx` ('' = model.onnx, 'fp16', 'quantized', ...). */
  variant?: string;
  executionProviders?: string[];
  intraOpThreads?: number;
}

export interface LoadedModelReply {
  /** The engine's handle for this model, named by every later request about it. */
  model: number;
  info: ModelInfo;
  /** Largest |delta log p| of the load-time cache self-test (null for graphs without a cache). */
  selfTestDelta: number | null;
}

export interface AnalyzeParams {
  model: number;
  text: string;
  topK: number;
  window?: number;
  stride?: number;
  /** Memory a default window may take before it is capped below the model's context (MB). */
  windowMemoryMB?: number;
  /** Representation geometry wanted (off when absent: plain analysis cost is unchanged). */
  geometry?: GeometryOptions;
  /**
   * Live mode: the previous analysis of this document; windows it fully covers are not scored again,
   * and the next window may resume from the engine's KV checkpoint (records then start mid-window).
   */
  reuse?: ReuseHint;
  /** Tokens per forward run inside a window (tests; default from the logits width). */
  chunk?: number;
  /** The layer lens for every token of the document (off when absent; live reuse is then ignored). */
  layers?: boolean;
  /**
   * Keep what the geometry needs from this analysis (hidden states, slices, per-token statistics,
   * π̄; model/geometry/keptInput.ts), so that a later `geometry` request computes the spectrum
   * without running the model again. `deepSurplus` and `seed`: A2's branches, which can only run
   * during the analysis. Ignored with `reuse` (a live run scores only part of the document).
   */
  keep?: KeepParams;
}

export interface KeepParams {
  deepSurplus?: number;
  seed?: number;
}

/** What the engine kept of an analysis: the handle to name in `geometry` requests, or why nothing was kept. */
export type KeptReply = { id: number; bytes: number } | { id: null; reason: string };

export interface GeometryParams {
  model: number;
  /** The kept input (AnalysisDone.kept.id) to compute from. */
  kept: number;
  options: GeometryOptions;
}

export interface GeometryDone {
  geometry: PackedGeometry;
  /** The engine's milliseconds for this request (head check, B's short runs when first asked for, computeGeometry). */
  geometryMs: number;
}

/** The layer lens for document tokens [from, to) alone: the windows that score them, nothing else. */
export interface LensParams {
  model: number;
  text: string;
  from: number;
  to: number;
  window?: number;
  stride?: number;
  chunk?: number;
}

/** Tokens of the range done out of its total. */
export interface LensProgress { type: 'progress'; done: number; total: number }

export type AnalysisEvent =
  | { type: 'started'; scoring: ScoringInfo; tokens: number; tokenizeMs: number }
  /** With geometry, `hiddenNorm` is ‖h_t‖ for each record of the batch. */
  | { type: 'records'; batch: RecordBatch; hiddenNorm?: Float64Array }
  | { type: 'progress'; done: number; total: number };

export interface AnalysisDone {
  inferenceMs: number;
  /** With geometry: the result (packed, see packGeometry), and the milliseconds spent on it after inference. */
  geometry?: PackedGeometry;
  geometryMs?: number;
  /** With `layers`: the layer lens (typed arrays travel as they are), or why it is off. */
  layers?: LayerLensOutcome;
  /** With `keep`: what was kept. */
  kept?: KeptReply;
}

/**
 * A comparison of model `model` (the base, P) with model `against` (Q), both loaded in this engine.
 * One tokenizer: both score the same windows in step and every position's two rows are reduced
 * together ('records' events). Two tokenizers: each model scores its own tokens ('side-records'),
 * and the reply carries the segments cut where both tokenizations start a token.
 */
export interface CompareParams {
  model: number;
  against: number;
  text: string;
  topK: number;
  window?: number;
  stride?: number;
  /** Memory the default window may take, both models together (default DEFAULT_WINDOW_MEMORY_MB). */
  windowMemoryMB?: number;
  /** Live mode (one tokenizer only): the previous comparison's tokens; unchanged windows are not scored again. */
  reuse?: ReuseHint;
  chunk?: number;
}

export type CompareEvent =
  /** `scoring`: the shared plan with both contexts (one tokenizer) or the base model's own plan. */
  | { type: 'started'; tokenizer: TokenizerMatch; scoring: SharedScoring | ScoringInfo; tokens: number; tokenizeMs: number }
  /** Two tokenizers: the other model's own plan, when its scoring starts. */
  | { type: 'against-started'; scoring: ScoringInfo; tokens: number; tokenizeMs: number }
  | { type: 'records'; batch: CompareBatch }
  | { type: 'side-records'; side: 'model' | 'against'; batch: RecordBatch }
  | { type: 'progress'; done: number; total: number };

/** Token spans a segment computation needs, per model (two tokenizers). */
export interface CompareDone {
  inferenceMs: number;
  /** Two tokenizers: per model, 1 where a token's first byte starts a character (segments.ts). */
  boundaryStart?: { model: Uint8Array; against: Uint8Array };
}

/** The engine's methods. */
export interface EngineMethods {
  [method: string]: { params: unknown; result: unknown; event?: unknown };
  load: { params: LoadParams; result: LoadedModelReply };
  analyze: { params: AnalyzeParams; result: AnalysisDone; event: AnalysisEvent };
  compare: { params: CompareParams; result: CompareDone; event: CompareEvent };
  lens: { params: LensParams; result: LayerLensOutcome; event: LensProgress };
  /**
   * The geometry of a kept analysis for other options (kernel, side, ...): no model run over the
   * document. Fails with InputError 'geometry-not-kept' when the input is no longer kept.
   */
  geometry: { params: GeometryParams; result: GeometryDone };
  /** Display texts of token ids ('' for ids outside the tokenizer). */
  tokenTexts: { params: { model: number; ids: number[] }; result: string[] };
  release: { params: { model: number }; result: void };
}

/** The front end serves nothing: the engine only answers. */
export interface FrontEndMethods {
  [method: string]: { params: unknown; result: unknown; event?: unknown };
}

// ---- the geometry report on the wire ----
/*
 * A structured clone copies a typed array as bytes but a JavaScript array element by element: for a
 * 4,096-token report's 24 per-token series that is about 8 ms against 0.3 ms. So the per-token
 * series travel as Float64Array (NaN for null) and are turned back into arrays of number | null on
 * arrival, in the same key order.
 */
type PerToken = GeometryReport['perToken'];
type Series = Array<number | null>;
type PackedValue = Float64Array | Float64Array[] | number[] | null;

export interface PackedGeometry {
  report: Omit<GeometryReport, 'perToken'>;
  /** perToken's entries in order; series packed, `window` (token → window index) as it is. */
  perToken: Array<[string, PackedValue]>;
}

export function packGeometry(geometry: GeometryReport): PackedGeometry {
  const { perToken, ...report } = geometry;
  const entries = Object.entries(perToken).map(([key, value]): [string, PackedValue] => {
    if (key === 'window' || value === null) return [key, value as number[] | null];
    const list = value as Series | Series[];
    return [key, isSeriesList(list) ? list.map(toFloat) : toFloat(list)];
  });
  return { report, perToken: entries };
}

export function unpackGeometry(packed: PackedGeometry): GeometryReport {
  const perToken: Record<string, unknown> = {};
  for (const [key, value] of packed.perToken) {
    if (key === 'window' || value === null) perToken[key] = value;
    else perToken[key] = value instanceof Float64Array ? fromFloat(value) : (value as Float64Array[]).map(fromFloat);
  }
  return { ...packed.report, perToken: perToken as PerToken };
}

function isSeriesList(value: Series | Series[]): value is Series[] {
  return value.length > 0 && Array.isArray(value[0]);
}

function toFloat(series: Series): Float64Array {
  const out = new Float64Array(series.length);
  for (let i = 0; i < series.length; i++) out[i] = series[i] ?? NaN;
  return out;
}

function fromFloat(values: Float64Array): Series {
  const out: Series = new Array<number | null>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number.isNaN(values[i]) ? null : values[i];
  return out;
}
