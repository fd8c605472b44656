/**
 * One window's spectral analysis: the kernel factor, the operator's top eigenpairs, and (with
 * hidden states) the alignment scores with their circular-shift nulls and the per-token ψ_j, φ_j.
 */
import { computeAlignment, AlignmentScores } from './alignment';
import { CentredFactor } from './factor';
import type { HiddenBasis } from './hiddenBasis';
import { buildKernelFactor, KernelInfo } from './kernels';
import { claimedShiftScores, drawShifts, NullScores, summariseShiftNull, ShiftNull } from './nulls';
import { RandomFn } from './random';
import { topEigenpairs } from './spectrum';
import { HiddenBasisTask, Steps, TaskHandle, taskSeed } from './steps';
import { GeometryInput, KernelName, KernelSide } from './types';

export interface SpectrumSummary {
  /** tr M: the sum of all eigenvalues (exact). */
  trace: number;
  /** Σ of the returned λ_j over tr M. */
  explained: number;
  /** exp(entropy of the returned λ normalised to sum 1). */
  effectiveRank: number;
  method: string;
  iterations: number;
  converged: boolean;
}

export interface AlignmentResult extends AlignmentScores {
  nullPercentile: ShiftNull['percentile'];
  nullMean: ShiftNull['nullMean'];
  nullBasis: string;
  shifts: number;
  /** Share of ‖H_c‖² held by the r_H kept components. */
  hiddenCapturedShare: number;
  honesty: string;
}

export interface OperatorAnalysis {
  kernel: KernelInfo;
  eigenvalues: number[];
  spectrum: SpectrumSummary;
  alignment: AlignmentResult | null;
  psi: Float64Array[];
  phi: Float64Array[];
  timings: Record<string, number>;
}

export interface OperatorSettings {
  kernel: KernelName;
  side: KernelSide;
  eigenpairs: number;
  maxHiddenDims: number;
  shifts: number;
  components: number;
  maxIterations: number;
  tolerance: number;
}

/**
 * One window's analysis as steps (steps.ts): the hidden-state PCA is started first and runs beside
 * the kernel and its eigensolve; the shift nulls are started right after the eigensolve, to run
 * beside the per-token layers and the alignment, both threads taking shifts from one counter.
 */
export function* analyseOperatorSteps(
  input: GeometryInput, settings: OperatorSettings, random: RandomFn, seed: number, beforeWaiting: () => void = () => undefined,
): Steps<OperatorAnalysis> {
  const timings: Record<string, number> = {};
  const clock = stopwatch(timings);
  const T = input.targets.length;
  const basisTask = input.hidden
    ? (yield { start: hiddenBasisTask(input.hidden, T, settings.maxHiddenDims, seed) }) as TaskHandle
    : null;
  clock('hiddenPcaMs'); // run here when the steps are driven inline; started elsewhere, ~0
  const { factor, info } = buildKernelFactor(input, settings.kernel, settings.side);
  const cf = new CentredFactor(factor);
  clock('kernelMs');
  const eig = yield* topEigenpairs(cf, { count: settings.eigenpairs, random, maxIterations: settings.maxIterations, tolerance: settings.tolerance });
  clock('eigenMs');
  const eigenvalues = Array.from(eig.values);
  const spectrum = summarise(eigenvalues, eig.trace, eig.method, eig.iterations, eig.converged);
  // The shift nulls are handed over now, before the per-token layers: the other thread starts them
  // the moment its PCA is done, taking shifts one at a time from a shared counter, and this thread
  // takes the rest after its alignment, so neither waits on a fixed split.
  const shifts = basisTask ? [0, ...drawShifts(random, settings.shifts, T)] : [];
  const counter = new Int32Array(basisTask && typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(4) : new ArrayBuffer(4));
  const eigLite = { values: eig.values, vectors: eig.vectors, count: eig.count };
  const remoteTask = basisTask ? (yield { start: { kind: 'shiftScores', basis: basisTask, eig: eigLite, shifts, counter } }) as TaskHandle : null;
  clock('nullsMs'); // all of them when the steps are driven inline; started elsewhere, ~0
  beforeWaiting();
  clock('beforeWaitingMs');
  if (!basisTask || !remoteTask) return { kernel: info, eigenvalues, spectrum, alignment: null, psi: [], phi: [], timings };

  const basis = (yield { wait: basisTask }) as HiddenBasis;
  clock('hiddenPcaMs');
  // Constant hidden states span nothing once centred: there is no alignment to measure.
  if (basis.r === 0) return { kernel: info, eigenvalues, spectrum, alignment: null, psi: [], phi: [], timings };
  const K = Math.min(eig.count, basis.r);
  const aligned = yield* computeAlignment(cf, eig, basis, settings.components, random);
  clock('alignmentMs');
  const local = yield* claimedShiftScores(eigLite, basis, shifts, counter);
  const remote = (yield { wait: remoteTask }) as Array<[number, NullScores]>;
  const all: NullScores[] = new Array<NullScores>(shifts.length);
  for (const [index, scores] of [...local, ...remote]) all[index] = scores;
  if (all.some(x => x === undefined) || local.length + remote.length !== shifts.length) throw new Error(`shift nulls: ${local.length} + ${remote.length} scores for ${shifts.length} shifts`);
  const nulls = summariseShiftNull(all[0], all.slice(1), shifts.slice(1), K, basis.r);
  clock('nullsMs');
  return {
    kernel: info, eigenvalues, spectrum,
    alignment: {
      ...aligned.scores,
      nullPercentile: nulls.percentile, nullMean: nulls.nullMean, nullBasis: nulls.basis, shifts: nulls.shifts.length,
      hiddenCapturedShare: basis.capturedShare,
      honesty: settings.side === 'model'
        ? 'model-side kernel: consistency of the head geometry on this text; partly by construction'
        : 'data-side kernel with nulls: evidence of predictive-structure alignment',
    },
    psi: aligned.psi, phi: aligned.phi, timings,
  };
}

/** The PCA task of one window (its seed derived from the window's), also what a driver may start early. */
export function hiddenBasisTask(hidden: HiddenBasisTask['hidden'], T: number, cap: number, windowSeed: number): HiddenBasisTask {
  return { kind: 'hiddenBasis', hidden, T, cap, seed: taskSeed(windowSeed, 1) };
}

function summarise(values: number[], trace: number, method: string, iterations: number, converged: boolean): SpectrumSummary {
  const total = values.reduce((a, b) => a + Math.max(0, b), 0);
  let entropy = 0;
  for (const v of values) if (v > 0 && total > 0) entropy -= (v / total) * Math.log(v / total);
  return { trace, explained: trace > 0 ? total / trace : 0, effectiveRank: Math.exp(entropy), method, iterations, converged };
}

/** Records elapsed milliseconds since the previous call under the given key. */
export function stopwatch(into: Record<string, number>): (key: string) => void {
  let last = performance.now();
  return key => {
    const now = performance.now();
    into[key] = (into[key] ?? 0) + (now - last);
    last = now;
  };
}
