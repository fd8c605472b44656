/**
 * The engine's public contract, shared by the CLI, the extension host and the benchmarks.
 * Everything heavy (ONNX Runtime) lives behind it, in the engine process or, for the CLI, in this
 * process (client/openModel.ts); requests take the same channel either way.
 */
import type { DocumentSummary, ModelInfo, ScoringInfo, TokenRecord } from '../core/analysis';
import type { Comparison } from '../core/compare/comparison';
import type { GeometryOptions, GeometryReport } from '../core/geometry';
import type { LayerLensOutcome } from '../core/lens/types';

export interface LoadOptions {
  /** transformers.js layout only: which `onnx/model*.onnx` to use ('' = model.onnx, 'fp16', 'quantized', ...). */
  variant?: string;
  /** ONNX Runtime execution providers, in order of preference. Default ['cpu']. */
  executionProviders?: string[];
  /** Intra-op threads for ONNX Runtime; default by the model's size (onnx/threads.ts: every core for large models, half for small ones). */
  intraOpThreads?: number;
}

export interface AnalyzeRequest {
  text: string;
  /** How many top predictions to keep per token (default 10). */
  topK?: number;
  /** Tokens per window (default: the model's context length; shorter only when it would not fit windowMemoryMB). */
  window?: number;
  /** Tokens a window advances by (default window / 2). */
  stride?: number;
  /**
   * Memory the default window may take (MB, default 2048): a model whose full context would need
   * more gets a shorter window, reported in `scoring.windowCapped`.
   */
  windowMemoryMB?: number;
  signal?: AbortSignal;
  /** Called after each window with tokens done out of total. */
  onProgress?(done: number, total: number): void;
  /** Called with each window's records as soon as they exist (streaming). */
  onRecords?(records: TokenRecord[]): void;
  /**
   * Representation geometry (paper-spec §4). Off by default, so plain analysis costs nothing extra.
   * `true` uses the defaults; when on, records gain `hiddenNorm` and `analysis.geometry` is set.
   */
  geometry?: boolean | GeometryRequest;
  /**
   * Live mode: the previous analysis of this same document by this engine. Records of the leading
   * windows whose tokens did not change are kept (exact: every window starts from an empty cache)
   * and only the rest is scored. Ignored with geometry, another engine or other window settings.
   */
  previous?: Analysis;
  /**
   * The layer lens (issue 17) for every token: what each layer's residual stream, decoded with the
   * model's final norm and head, predicts. Off by default; sets `analysis.layers`.
   */
  layers?: boolean;
  /**
   * Keep what the geometry needs from this analysis in the engine (bounded), so that `geometry`
   * can compute the spectrum later without running the model over the document again. `true`, or
   * the deep option's positions and seed (A2's branches run during the analysis). Ignored for live
   * re-analyses (`previous`).
   */
  keep?: boolean | { deepSurplus?: number; seed?: number };
}

/** The layer lens for document tokens [from, to) of `text` alone (the editor's visible range of a long document). */
export interface LensRequest {
  text: string;
  from: number;
  to: number;
  /** The analysis's window and stride, so the tokens see the same contexts. */
  window?: number;
  stride?: number;
  signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
}

/** Options for the geometry views (core/geometry/report.ts; every field has a default). */
export type GeometryRequest = GeometryOptions;

export interface AnalysisTimings {
  tokenizeMs: number;
  inferenceMs: number;
  totalMs: number;
  /** With geometry: the engine's time for the head check and computeGeometry, after inference. */
  geometryMs?: number;
}

export interface Analysis {
  model: ModelInfo;
  scoring: ScoringInfo;
  tokens: TokenRecord[];
  summary: DocumentSummary;
  utf16Length: number;
  utf8Bytes: number;
  timings: AnalysisTimings;
  /** Live mode: leading records taken from `request.previous` instead of being scored again. */
  reusedTokens?: number;
  /**
   * Present when geometry was requested: the `computeGeometry` result, or, when the model's head is
   * not a plain linear map of the hidden state (softcap, scaled logits, quantized head, ...), a
   * result whose views are switched off with a message saying why (`views`, `head`). A GeometryReport
   * is a GeometryResult (core/geometry) plus those two blocks and the options used.
   */
  geometry?: GeometryReport;
  /** With `layers`: the layer lens, or why it is off for this model. */
  layers?: LayerLensOutcome;
  /** With `keep`: the engine's handle of what it kept (for `geometry`), or why nothing was kept. */
  kept?: { id: number; bytes: number } | { id: null; reason: string };
}

/**
 * A comparison of this model (the base, P) with another one loaded in the same engine (Q), on the
 * same text (issue 16): per-token divergences when they share a tokenizer, segment NLLs when not.
 */
export interface CompareRequest extends Pick<AnalyzeRequest, 'text' | 'topK' | 'window' | 'stride' | 'windowMemoryMB' | 'signal' | 'onProgress'> {
  /**
   * Each window's records as soon as they exist: with one tokenizer, CompareTokenRecords of both
   * models (side 'model'); with two, each model's own records with its side.
   */
  onRecords?(records: TokenRecord[], side: 'model' | 'against'): void;
  /** Live mode: the previous comparison of this document by the same two models (one tokenizer). */
  previous?: Comparison;
}

export interface LanguageModelEngine {
  readonly info: ModelInfo;
  analyze(request: AnalyzeRequest): Promise<Analysis>;
  /**
   * Display text of token ids from the engine's own tokenizer (e.g. for top-k predictions); ids
   * outside the tokenizer (padding rows of the logits) give ''. Optional for other implementations.
   */
  tokenTexts?(ids: readonly number[]): Promise<string[]>;
  /**
   * Compares this model with `against`, which must be loaded in the same engine. Optional for other
   * implementations.
   */
  compare?(against: LanguageModelEngine, request: CompareRequest): Promise<Comparison>;
  /** The layer lens for a token range without the rest of the analysis. Optional for other implementations. */
  lens?(request: LensRequest): Promise<LayerLensOutcome>;
  /**
   * The geometry of an analysis kept with `keep` (its `kept.id`), for these options: computed from
   * what the engine kept, without running the model over the document again. Rejects with
   * InputError 'geometry-not-kept' when the engine no longer keeps it.
   */
  geometry?(kept: number, options: GeometryRequest, signal?: AbortSignal): Promise<{ geometry: GeometryReport; geometryMs: number }>;
  /** Frees the model in the engine (and stops an engine started for it alone). */
  dispose(): Promise<void>;
}
