/**
 * Messages between the host (engine.ts) and the inference worker (worker.ts). Requests carry an id;
 * every reply and event names the request it belongs to. Record batches travel as typed arrays.
 */
import type { ModelInfo, ScoringInfo } from '../core/analysis';
import type { InputErrorCode } from '../core/errors';
import type { GeometryResult, KernelName, KernelSide } from '../core/geometry';
import type { ChunkMetrics } from '../core/reduceChunk';
import type { PackedGeometry } from './geometryWire';
import type { PrototypeBatch, PrototypeRowsResult } from '../core/geometry/prototypeRows';
import type { GeometryTask, TaskResults } from '../core/geometry/steps';
import type { RecordBatch } from '../core/records';
import type { ReuseHint } from '../core/reuse';

export interface LoadModelRequest {
  type: 'model/load';
  id: number;
  modelDir: string;
  variant?: string;
  executionProviders?: string[];
  intraOpThreads?: number;
}

export interface AnalyzeStartRequest {
  type: 'analysis/start';
  id: number;
  text: string;
  topK: number;
  window?: number;
  stride?: number;
  /** Representation geometry wanted (off when absent: plain analysis cost is unchanged). */
  geometry?: GeometryOptionsMessage;
  /**
   * Live mode: the previous analysis of this document; windows it fully covers are not scored again,
   * and the next window may resume from the worker's KV checkpoint (records then start mid-window).
   */
  reuse?: ReuseHint;
  /** Tokens per forward run inside a window (tests; default from the logits width). */
  chunk?: number;
}

/** Geometry options as they cross to the worker (defaults filled by the worker). */
export interface GeometryOptionsMessage {
  kernel?: KernelName;
  side?: KernelSide;
  eigenpairs?: number;
  seed?: number;
  /** Circular shifts in the alignment null (default 50; fewer is faster, with coarser percentiles). */
  shifts?: number;
  /**
   * Surplus A2 ("deep"): branch look-ahead on this many seeded sampled positions (0 or absent:
   * off). Costs one decode step of batch k_b = 8 per position.
   */
  deepSurplus?: number;
  /**
   * Heuristic surplus B (context ablation, paper-spec §4.11): one extra forward step per distinct
   * document token on [prefix, u] after the analysis. Default false (off).
   */
  contextAblation?: boolean;
}

/** One geometry view: on, or off with the reason (e.g. a head that is not linear-softmax). */
export interface GeometryViewState {
  on: boolean;
  message: string;
}

/**
 * The geometry block of an analysis: the core's GeometryResult plus the head check and which views
 * are on. Views that assume logits = W h + b are switched off (never computed from a wrong head).
 */
export interface GeometryReport extends GeometryResult {
  head: {
    verdict: 'linear' | 'scaled' | 'not-linear' | 'unavailable';
    message: string;
    relativeError: number | null;
    fittedScale: number | null;
    /** The graph analysis of the head (softcap, quantized, merged decoder, ...). */
    issues: string[];
  };
  views: {
    /** The operator spectrum λ_j of the chosen kernel (the prototype kernel needs W). */
    spectrum: GeometryViewState;
    /** ρ_j, A_k, nulls, ψ_j/φ_j: need h to be the input of a linear head. */
    alignment: GeometryViewState;
    /** tr Cov_p[W_w] and the NLL = A + U split read as ⟨W_y, h⟩: need W. */
    head: GeometryViewState;
    /** ‖h_t‖ per token: needs the hidden state exposed. */
    hiddenNorm: GeometryViewState;
    /** Surplus A2's branch runs, when asked for (off with the reason if they failed). */
    deepSurplus?: GeometryViewState;
  };
  options: { kernel: KernelName; side: KernelSide; eigenpairs: number; seed: number; deepSurplus?: number; contextAblation?: boolean };
  /**
   * What the surplus runs cost: heuristic B's short runs on [prefix, u] per distinct token u (after
   * the analysis; 0 unless `contextAblation` was asked for) and A2's branch decode steps (inside the analysis); their milliseconds are
   * `timings.surplusBMs` and `timings.surplusA2Ms` (the latter also counted in inferenceMs).
   */
  surplusCost?: { bDistinctTokens: number; bRuns: number; a2BranchRuns: number };
}

export interface AnalyzeCancelRequest {
  type: 'analysis/cancel';
  /** The id of the analysis to stop (checked between windows). */
  id: number;
}

export interface DisposeRequest {
  type: 'model/dispose';
  id: number;
}

export interface TokenTextsRequest {
  type: 'vocab/texts';
  id: number;
  tokenIds: number[];
}

export type HostToWorker = LoadModelRequest | AnalyzeStartRequest | AnalyzeCancelRequest | DisposeRequest | TokenTextsRequest;

export interface ModelLoadedReply {
  type: 'model/loaded';
  id: number;
  info: ModelInfo;
  /** Largest |delta log p| of the load-time cache self-test (null for graphs without a cache). */
  selfTestDelta: number | null;
}

export interface AnalysisStartedEvent {
  type: 'analysis/started';
  id: number;
  scoring: ScoringInfo;
  /** Document tokens to score. */
  tokens: number;
  tokenizeMs: number;
}

export interface AnalysisRecordsEvent {
  type: 'analysis/records';
  id: number;
  batch: RecordBatch;
  /** With geometry: ‖h_t‖ for each record of the batch. */
  hiddenNorm?: Float64Array;
}

export interface AnalysisProgressEvent {
  type: 'analysis/progress';
  id: number;
  done: number;
  total: number;
}

export interface AnalysisDoneReply {
  type: 'analysis/done';
  id: number;
  inferenceMs: number;
  /** With geometry: the result (packed for the wire, geometryWire.ts), and the milliseconds spent computing it after inference. */
  geometry?: PackedGeometry;
  geometryMs?: number;
}

export interface TokenTextsReply {
  type: 'vocab/texts';
  id: number;
  texts: string[];
}

export interface DisposedReply {
  type: 'model/disposed';
  id: number;
}

/** Any request can fail; `kind: 'input'` is the user's input (exit 2), `internal` a bug (exit 1). */
export interface RequestFailedReply {
  type: 'request/failed';
  id: number;
  error: { kind: 'input'; code: InputErrorCode; message: string; subject?: string } | { kind: 'internal'; message: string; stack?: string };
}

export type WorkerToHost =
  | ModelLoadedReply
  | AnalysisStartedEvent
  | AnalysisRecordsEvent
  | AnalysisProgressEvent
  | AnalysisDoneReply
  | DisposedReply
  | TokenTextsReply
  | RequestFailedReply;

/**
 * Inference worker -> its reduction thread: one chunk's logits rows (targets.length x width) sit in
 * shared slot `slot`; the slot's shared buffer is sent once, when it is (re)allocated.
 */
export interface ReduceChunkRequest {
  type: 'reduce/chunk';
  seq: number;
  slot: number;
  shared?: Float32Array;
  width: number;
  targets: Int32Array;
  k: number;
  /** Geometry's extras: per row the id after the target (−1: none); see reduceChunk. */
  afterNext?: Int32Array;
}

/** Reduction thread -> inference worker. */
export interface ReduceChunkReply {
  type: 'reduce/done';
  seq: number;
  metrics: ChunkMetrics;
}

/**
 * Inference worker -> geometry thread: run one geometry task (src/core/geometry/steps.ts). The thread
 * keeps each hidden basis it makes, by request id, for later shiftScores tasks, until released.
 */
export interface GeometryTaskRequest {
  type: 'geometry/task';
  id: number;
  task: GeometryTask;
  /** A hiddenBasis task on the hidden states the thread was streamed (HiddenRowsRequest), not sent again. */
  streamedHidden?: boolean;
}

/**
 * Inference worker -> geometry thread, during inference: the hidden states (tokens×d, in shared
 * memory the worker fills and never rewrites) and, after each scored batch, which rows are now
 * filled; the thread adds them to their Gram (core/geometry/hiddenGram.ts) for the PCA after inference.
 */
export type HiddenRowsRequest =
  | { type: 'geometry/hidden-begin'; d: number; tokens: number; rows: Float32Array }
  | { type: 'geometry/hidden-add'; firstIndex: number; count: number };

/** Inference worker -> geometry thread: drop the kept bases and prototype rows (the analysis is over). */
export interface GeometryReleaseRequest {
  type: 'geometry/release';
}

/**
 * Inference worker -> geometry thread, during inference: build the model-side prototype rows and
 * pullback traces (core/geometry/prototypeRows.ts) from each batch of records as it is scored. The
 * head weight (V×d) is sent once per model and kept; `take` replies with the rows, transferred.
 */
export type PrototypeRowsRequest =
  | { type: 'geometry/prototypes-begin'; weight?: Float32Array; d: number; vocab: number; tokens: number }
  | { type: 'geometry/prototypes-add'; batch: PrototypeBatch }
  | { type: 'geometry/prototypes-take'; id: number };

export type GeometryThreadRequest = GeometryTaskRequest | GeometryReleaseRequest | PrototypeRowsRequest | HiddenRowsRequest;

/** Geometry thread -> inference worker. */
export type GeometryTaskReply =
  | { type: 'geometry/done'; id: number; result: TaskResults[keyof TaskResults] | PrototypeRowsResult }
  | { type: 'geometry/failed'; id: number; message: string };
