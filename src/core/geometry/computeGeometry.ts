/**
 * The geometry entry point: from per-token data (exact statistics, top-k slices, hidden states,
 * head rows) to a JSON-serialisable result with the operator spectrum, alignment scores and nulls,
 * information surplus, document figures and per-token layers. Provenance of each figure is stated
 * in `provenance`; NaN becomes null in the output.
 */
import { documentFigures, DocumentFigures } from './documentFigures';
import { HeadIndex, KernelInfo, sliceResiduals } from './kernels';
import { analyseOperatorSteps, hiddenBasisTask, AlignmentResult, OperatorAnalysis, OperatorSettings, SpectrumSummary, stopwatch } from './operatorAnalysis';
import { RandomFn, seededRandom } from './random';
import { HiddenBasisTask, runSteps, Steps, taskSeed } from './steps';
import { contextAblationB, lookAheadC1, surplusA1, SurplusA1 } from './surplus';
import type { SurplusA2 } from './surplusA2';
import { excessSurprisal, pullbackTrace } from './tokenMetrics';
import { GeometryInput, ComputeOptions, Provenance } from './types';
import { planSpectrumWindows, sliceInput } from './spectrumWindows';

type Nullable = Array<number | null>;

export interface GeometryResult {
  schema: 'markov-lens/geometry@1';
  tokens: number;
  kernel: KernelInfo;
  /** Operator eigenvalues λ_j, descending (mean over windows for long documents). */
  eigenvalues: number[];
  spectrum: SpectrumSummary;
  alignment: AlignmentResult | null;
  surplus: {
    A1: SurplusA1;
    /** Model-defined K = 2 surplus by branch look-ahead ("deep" option; null when not run). */
    A2: SurplusA2 | null;
    B: { mean: number | null; ci: Nullable; provenance: 'heuristic'; description: string } | null;
    C1: { mean: number | null; ci: Nullable; provenance: 'heuristic'; description: string } | null;
  };
  document: DocumentFigures;
  perToken: {
    excessSurprisal: Nullable;
    standardisedExcess: Nullable;
    alignmentTerm: Nullable | null;
    partitionTerm: Nullable | null;
    pullbackTrace: Nullable | null;
    /** 3·ε_t·max‖W_w‖², the truncation bound of pullbackTrace. */
    pullbackTraceBound: Nullable | null;
    /** ψ_j(t) and φ_j(t), j = 1..J (one array per j). */
    psi: Nullable[];
    phi: Nullable[];
    /** Window each token's ψ/φ come from (long documents). */
    window: number[] | null;
    lookAheadC1: Nullable | null;
    contextAblationB: Nullable | null;
  };
  windows: Array<{ start: number; end: number; eigenvalues: number[]; Ak: number[] | null; nullPercentileAk: number[] | null }> | null;
  provenance: Record<string, Provenance>;
  timings: Record<string, number>;
}

export function computeGeometry(input: GeometryInput, options: ComputeOptions = {}): GeometryResult {
  return runSteps(geometrySteps(input, options));
}

/**
 * The hidden-state PCA task geometrySteps will start first, for a driver that can start it before
 * the rest of the input is ready; null when the document is split into windows or has no hidden states.
 */
export function firstHiddenBasisTask(hidden: GeometryInput['hidden'], T: number, options: ComputeOptions = {}): HiddenBasisTask | null {
  if (!hidden || T < 8 || (options.maxWindowTokens ?? 4096) < T) return null;
  return hiddenBasisTask(hidden, T, options.maxHiddenDims ?? 128, windowSeed(options.seed ?? 1, 0));
}

/** The seed of spectrum window `window` (its PCA task derives from it; the per-layer alignment reuses it). */
export function windowSeed(seed: number, window: number): number {
  return taskSeed(seed, 100 + window);
}

/**
 * computeGeometry as steps (steps.ts), so a caller with a second thread can run the hidden-state
 * PCA and part of the nulls there; the per-token layers are computed while the PCA runs.
 */
export function* geometrySteps(input: GeometryInput, options: ComputeOptions = {}): Steps<GeometryResult> {
  const timings: Record<string, number> = {};
  const clock = stopwatch(timings);
  const T = input.targets.length;
  if (T < 8) throw new Error(`geometry needs at least 8 tokens, got ${T}`);
  const random = seededRandom(options.seed ?? 1);
  const settings: OperatorSettings = {
    kernel: options.kernel ?? 'prototype',
    side: options.side ?? 'model',
    eigenpairs: options.eigenpairs ?? 32,
    maxHiddenDims: options.maxHiddenDims ?? 128,
    shifts: options.shifts ?? 50,
    components: options.perTokenComponents ?? 8,
    maxIterations: options.maxIterations ?? 12,
    tolerance: options.tolerance ?? 1e-8,
  };
  const windows = planSpectrumWindows(T, (options.maxWindowTokens ?? 4096) >= T ? T : options.windowTokens ?? 2048, options.windowOverlap ?? 512);
  const seed = options.seed ?? 1;
  let layers: TokenLayers | undefined;
  const computeLayers = () => { layers ??= tokenLayers(input, random); };
  const analyses: OperatorAnalysis[] = [];
  for (const [i, w] of windows.entries()) {
    const slice = windows.length === 1 ? input : sliceInput(input, w.start, w.end);
    analyses.push(yield* analyseOperatorSteps(slice, settings, random, windowSeed(seed, i), computeLayers));
  }
  computeLayers();
  for (const a of analyses) for (const [k, v] of Object.entries(a.timings)) timings[k] = (timings[k] ?? 0) + v;
  const tokensMs = timings.beforeWaitingMs ?? 0;
  delete timings.beforeWaitingMs;
  clock('operatorMs');
  timings.operatorMs -= tokensMs;
  timings.tokensMs = tokensMs;
  const { figures, A1, C1, B, perTokenJson } = layers!;

  const first = analyses[0];
  const J = first.psi.length;
  const psi = Array.from({ length: J }, () => new Float64Array(T).fill(NaN));
  const phi = Array.from({ length: J }, () => new Float64Array(T).fill(NaN));
  const owner = new Array<number>(T).fill(0);
  windows.forEach((w, i) => {
    for (let t = w.ownStart; t < w.ownEnd; t++) {
      owner[t] = i;
      for (let j = 0; j < Math.min(J, analyses[i].psi.length); j++) {
        psi[j][t] = analyses[i].psi[j][t - w.start];
        phi[j][t] = analyses[i].phi[j][t - w.start];
      }
    }
  });

  // Positions whose logits were not finite get no eigen-coordinates either.
  for (let t = 0; t < T; t++) {
    if (Number.isFinite(input.nll[t]) && Number.isFinite(input.entropy[t])) continue;
    for (let j = 0; j < J; j++) { psi[j][t] = NaN; phi[j][t] = NaN; }
  }

  const single = analyses.length === 1;
  return {
    schema: 'markov-lens/geometry@1',
    tokens: T,
    kernel: first.kernel,
    eigenvalues: single ? first.eigenvalues : meanArrays(analyses.map(a => a.eigenvalues)),
    spectrum: first.spectrum,
    alignment: single ? first.alignment : mergeAlignment(analyses.map(a => a.alignment)),
    surplus: {
      A1,
      A2: input.surplusA2 ?? null,
      B: B && { mean: clean(B.mean), ci: B.ci.map(clean), provenance: 'heuristic', description: B.description },
      C1: C1 && { mean: clean(C1.mean), ci: C1.ci.map(clean), provenance: 'heuristic', description: C1.description },
    },
    document: figures,
    perToken: {
      ...perTokenJson,
      psi: psi.map(json), phi: phi.map(json),
      window: single ? null : owner,
    },
    windows: single ? null : windows.map((w, i) => ({
      start: w.start, end: w.end, eigenvalues: analyses[i].eigenvalues,
      Ak: analyses[i].alignment?.Ak ?? null, nullPercentileAk: analyses[i].alignment?.nullPercentile.Ak ?? null,
    })),
    provenance: {
      eigenvalues: first.spectrum.converged ? 'exact' : 'approximate',
      kernel: first.kernel.side === 'model' && first.kernel.maxResidual > 0 ? 'exact-truncated' : 'exact',
      alignment: 'exact',
      alignmentReading: 'heuristic',
      excessSurprisal: 'exact',
      martingaleZ: 'exact',
      pullbackTrace: 'exact-truncated',
      surplusA1: 'model-defined',
      surplusA2: 'model-defined',
      surplusB: 'heuristic',
      surplusC1: 'heuristic',
    },
    timings,
  };
}

type TokenLayers = ReturnType<typeof tokenLayers>;

/** The per-token layers and document figures: they need no operator, so they fill the wait for the PCA. */
function tokenLayers(input: GeometryInput, random: RandomFn) {
  const T = input.targets.length;
  const excess = excessSurprisal(input.nll, input.entropy, input.varentropy);
  const topProbability = Float64Array.from({ length: T }, (_, t) => input.top.rowStart[t + 1] > input.top.rowStart[t] ? input.top.probs[input.top.rowStart[t]] : NaN);
  const figures = documentFigures(input.nll, input.entropy, input.varentropy, input.rank, topProbability);
  const A1 = surplusA1(input);
  const C1 = lookAheadC1(input, random);
  const B = contextAblationB(input, random);
  const trace = input.head ? tracePerToken(input) : null;
  if (trace) for (let t = 0; t < T; t++) if (!Number.isFinite(input.nll[t])) { trace.value[t] = NaN; trace.bound[t] = NaN; }
  // The JSON form is made here too, while the other thread still works on the PCA.
  const perTokenJson = {
    excessSurprisal: json(excess.excess),
    standardisedExcess: json(excess.standardised),
    alignmentTerm: input.logPartition ? json(Float64Array.from(input.nll, (s, t) => s - (input.logPartition as Float64Array)[t])) : null,
    partitionTerm: input.logPartition ? json(input.logPartition) : null,
    pullbackTrace: trace && json(trace.value),
    pullbackTraceBound: trace && json(trace.bound),
    lookAheadC1: C1 && json(C1.values),
    contextAblationB: B && json(B.values),
  };
  return { figures, A1, C1, B, perTokenJson };
}

function tracePerToken(input: GeometryInput): { value: Float64Array; bound: Float64Array } {
  const head = HeadIndex.of(input.head!);
  const { rows, d } = input.head!;
  const { rowStart, ids, probs } = input.top;
  const T = input.targets.length;
  const residual = sliceResiduals(input);
  const given = input.prototypeRows?.trace;
  const value = given ? Float64Array.from(given) : new Float64Array(T);
  const bound = new Float64Array(T);
  const scratch: Float64Array = new Float64Array(d);
  for (let t = 0; t < T; t++) {
    const s = rowStart[t];
    if (!given) value[t] = pullbackTrace(ids.subarray(s, rowStart[t + 1]), probs.subarray(s, rowStart[t + 1]), rowStart[t + 1] - s, id => head.row(id), rows, d, scratch, head.normSq);
    bound[t] = 3 * residual[t] * head.maxNormSq;
  }
  return { value, bound };
}

function mergeAlignment(list: Array<AlignmentResult | null>): AlignmentResult | null {
  const present = list.filter((a): a is AlignmentResult => a !== null);
  if (present.length === 0) return null;
  const merged: AlignmentResult = { ...present[0] };
  merged.Ak = meanArrays(present.map(a => a.Ak));
  merged.rho = meanArrays(present.map(a => a.rho));
  merged.nullPercentile = { ...merged.nullPercentile, Ak: meanArrays(present.map(a => a.nullPercentile.Ak)) };
  merged.honesty += `; A_k, ρ and their null percentiles are means over ${present.length} windows, the other scores are the first window's`;
  return merged;
}

function meanArrays(arrays: number[][]): number[] {
  const n = Math.min(...arrays.map(a => a.length));
  return Array.from({ length: n }, (_, i) => arrays.reduce((s, a) => s + a[i], 0) / arrays.length);
}

function clean(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function json(a: ArrayLike<number>): Nullable {
  const out: Nullable = new Array<number | null>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = Number.isFinite(a[i]) ? a[i] : null;
  return out;
}
