/**
 * The engine's public contract, shared by the CLI, the extension host and the benchmarks.
 * Everything heavy (ONNX Runtime) lives behind it in a worker_threads worker.
 */
import type { DocumentSummary, ModelInfo, ScoringInfo, TokenRecord } from '../core/analysis';

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
}

export interface AnalysisTimings {
  tokenizeMs: number;
  inferenceMs: number;
  totalMs: number;
}

export interface Analysis {
  model: ModelInfo;
  scoring: ScoringInfo;
  tokens: TokenRecord[];
  summary: DocumentSummary;
  utf16Length: number;
  utf8Bytes: number;
  timings: AnalysisTimings;
}

export interface LanguageModelEngine {
  readonly info: ModelInfo;
  analyze(request: AnalyzeRequest): Promise<Analysis>;
  /**
   * Display text of token ids from the engine's own tokenizer (e.g. for top-k predictions); ids
   * outside the tokenizer (padding rows of the logits) give ''. Optional for other implementations.
   */
  tokenTexts?(ids: readonly number[]): Promise<string[]>;
  /** Terminates the worker and frees the session. */
  dispose(): Promise<void>;
}
