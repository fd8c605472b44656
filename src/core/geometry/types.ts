/**
 * Inputs and results of the geometry core. Inputs are typed arrays with explicit shapes, row-major;
 * the result is plain JSON (numbers, arrays, strings) so it can cross worker and webview boundaries.
 *
 * Where approximation enters:
 *  - `top` slices stand in for the full next-token distributions p_t (kernels, prototypes ḡ_t,
 *    the pullback trace, A1 without `meanDistribution`). Each slice's missing mass ε_t is reported,
 *    and the bounds are stated next to each use.
 *  - Hidden states are reduced to r_H principal components before alignment (dimension guard).
 *  - Eigenpairs come from subspace iteration; `converged` says whether they met the tolerance.
 * Everything else is exact arithmetic on the given inputs.
 */
import type { PrototypeRowsResult } from './prototypeRows';
import type { SurplusA2 } from './surplusA2';

/** Per-token truncated next-token distributions p_t (most probable first), CSR layout. */
export interface TopSlices {
  /** T + 1 offsets into ids/probs. */
  rowStart: Int32Array;
  ids: Int32Array;
  probs: Float64Array | Float32Array;
}

/** The rows of the LM head W (V×d) for the ids the document needs (top ids ∪ targets). */
export interface HeadRows {
  d: number;
  /** Vocabulary ids of the rows, any order, no duplicates. */
  ids: Int32Array;
  /** ids.length × d, row-major. */
  rows: Float32Array | Float64Array;
  /** max_w ‖W_w‖² over the whole vocabulary, for truncation bounds (falls back to the given rows). */
  maxRowNormSq?: number;
}

export interface GeometryInput {
  /** Observed next tokens y_t = x_{t+1}, length T. */
  targets: Int32Array;
  /** Exact per-token NLL and entropy (nats) from the full rows, length T. */
  nll: Float64Array;
  entropy: Float64Array;
  /** Exact varentropy from the full rows; needed for ζ_t and the martingale Z. */
  varentropy?: Float64Array;
  /** 1-based rank of the target (for accuracy@k). */
  rank?: Int32Array;
  /** log Σ_w exp z_t(w) (the log-partition U_t), for the split NLL = A_t + U_t. */
  logPartition?: Float64Array;
  top: TopSlices;
  /** Final hidden states h_t (the head's input), T×d. */
  hidden?: { data: Float32Array | Float64Array; d: number };
  head?: HeadRows;
  /** Exact π̄ = (1/T)Σ_t p_t over the whole vocabulary, accumulated by the worker; makes A1 exact. */
  meanDistribution?: Float64Array;
  /** log p_t(x_{t+2}) (NaN when unknown), for the look-ahead heuristic C1. */
  afterNextLogProb?: Float64Array;
  /** log p_θ(x_{t+2} | prefix, x_{t+1}) from a short run (NaN when unknown), for heuristic B. */
  ablatedLogProb?: Float64Array;
  /** Surplus A2 (model-defined), already reduced by the engine's branch runs (SurplusA2Accumulator). */
  surplusA2?: SurplusA2;
  /**
   * The model-side prototype rows ḡ_t (T×d) and tr g*_t, already built from these slices and `head`
   * (PrototypeRows, during inference); when present they are used instead of being computed again.
   */
  prototypeRows?: PrototypeRowsResult;
}

export type KernelName = 'prototype' | 'bhattacharyya' | 'haochen' | 'linear';
export type KernelSide = 'model' | 'data';

export interface ComputeOptions {
  /** Kernel (default 'prototype', the kernel of the spectral-alignment theorem). */
  kernel?: KernelName;
  /** Distributions the kernel is built from (default 'model'); 'data' uses the observed targets. */
  side?: KernelSide;
  /** Eigenpairs of the operator to compute (default 32). */
  eigenpairs?: number;
  /** Cap on the hidden-state dimensions kept by the dimension guard (default 128; also ≤ T/4). */
  maxHiddenDims?: number;
  /** Circular shifts in the null (default 50). */
  shifts?: number;
  /** How many ψ_j/φ_j strips to return per token (default 8). */
  perTokenComponents?: number;
  /** Documents longer than this are split into windows (default 4096). */
  maxWindowTokens?: number;
  /** Window length and overlap for long documents (defaults 2048 and 512). */
  windowTokens?: number;
  windowOverlap?: number;
  /** Seed for every random choice (default 1). */
  seed?: number;
  /** Subspace-iteration controls (see spectrum.ts). */
  maxIterations?: number;
  tolerance?: number;
}

/** Provenance label carried by every figure. */
export type Provenance = 'exact' | 'exact-truncated' | 'approximate' | 'model-defined' | 'heuristic';
