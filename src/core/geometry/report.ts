/**
 * What a user asks of the geometry (one options type from settings and CLI flags to the engine) and
 * what the engine answers: the core's GeometryResult plus the head check and which views are on.
 */
import type { GeometryResult } from './computeGeometry';
import type { KernelChoice } from './choices';
import type { KernelName, KernelSide } from './types';

/** The geometry a user asks for; every field has a default (GEOMETRY_DEFAULTS). */
export interface GeometryOptions {
  /** Kernel of the predictive-similarity operator (default the prototype kernel of the paper). */
  kernel?: KernelName;
  /** Distributions the kernel is built from (default 'model'; 'data' takes only the prototype kernel). */
  side?: KernelSide;
  /** Eigenpairs of the operator (default 32). */
  eigenpairs?: number;
  /** Seed of every random choice (default 1). */
  seed?: number;
  /** Circular shifts in the alignment null (default 50; fewer is faster, with coarser percentiles). */
  shifts?: number;
  /** Surplus A2 by branch look-ahead on this many seeded sampled positions (default 0: off). */
  deepSurplus?: number;
  /** Heuristic surplus B by context ablation, one extra forward step per distinct token (default off). */
  contextAblation?: boolean;
}

export type ResolvedGeometryOptions = Required<GeometryOptions>;

export const GEOMETRY_DEFAULTS: ResolvedGeometryOptions = {
  kernel: 'prototype', side: 'model', eigenpairs: 32, seed: 1, shifts: 50, deepSurplus: 0, contextAblation: false,
};

/** The options with every unset field at its default. */
export function resolveGeometryOptions(options: GeometryOptions = {}): ResolvedGeometryOptions {
  const out = { ...GEOMETRY_DEFAULTS };
  for (const key of Object.keys(out) as Array<keyof GeometryOptions>) {
    if (options[key] !== undefined) (out as Record<string, unknown>)[key] = options[key];
  }
  return out;
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
   * the analysis; 0 unless `contextAblation` was asked for) and A2's branch decode steps (inside the
   * analysis); their milliseconds are `timings.surplusBMs` and `timings.surplusA2Ms` (the latter
   * also counted in inferenceMs).
   */
  surplusCost?: { bDistinctTokens: number; bRuns: number; a2BranchRuns: number };
  /** The kernel × side combinations this model and document can give, and why the others cannot (choices.ts). */
  choices?: KernelChoice[];
}
