/**
 * The engine's public contract, shared by the CLI, the extension host and the benchmarks.
 * Everything heavy (ONNX Runtime) lives behind it, in the engine process or, for the CLI, in this
 * process (client/openModel.ts); requests take the same channel either way.
 */
import type { DocumentSummary, ModelInfo, ScoringInfo, TokenRecord } from '../core/analysis';
import type { GeometryOptions, GeometryReport } from '../core/geometry';

export interface LoadOptions {
  /** transformers.js layout only: which `onnx/model*.onnx` to use ('' = model.onnx, 'fp16', 'quantized', ...). */
  variant?: string;
  /** ONNX Runtime execution providers, in order of preference. Default ['cpu']. */
  executionProviders?: string[];
  /** Intra-op threads for ONNX Runtime; default about half the cores. */
  intraOpThreads?: number;
}

export interface AnalyzeRequest {
  text: string;
  /** How many top predictions to keep per token (default 10). */
  topK?: number;
  /** Tokens per window (default: the model's context length, capped). */
  window?: number;
  /** Tokens a window advances by (default window / 2). */
  stride?: number;
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
   * Keep what the geometry needs from this analysis in the engine (bounded), so that `geometry`
   * can compute the spectrum later without running the model over the document again. `true`, or
   * the deep option's positions and seed (A2's branches run during the analysis). Ignored for live
   * re-analyses (`previous`).
   */
  keep?: boolean | { deepSurplus?: number; seed?: number };
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
  /** With `keep`: the engine's handle of what it kept (for `geometry`), or why nothing was kept. */
  kept?: { id: number; bytes: number } | { id: null; reason: string };
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
   * The geometry of an analysis kept with `keep` (its `kept.id`), for these options: computed from
   * what the engine kept, without running the model over the document again. Rejects with
   * InputError 'geometry-not-kept' when the engine no longer keeps it.
   */
  geometry?(kept: number, options: GeometryRequest, signal?: AbortSignal): Promise<{ geometry: GeometryReport; geometryMs: number }>;
  /** Frees the model in the engine (and stops an engine started for it alone). */
  dispose(): Promise<void>;
}
