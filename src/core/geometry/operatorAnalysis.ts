/**
 * One window's spectral analysis: the kernel factor, the operator's top eigenpairs, and (with
 * hidden states) the alignment scores with their circular-shift nulls and the per-token ψ_j, φ_j.
 */
import { computeAlignment, AlignmentScores } from './alignment';
import { CentredFactor } from './factor';
import { hiddenBasis } from './hiddenBasis';
import { buildKernelFactor, KernelInfo } from './kernels';
import { shiftNull, ShiftNull } from './nulls';
import { RandomFn } from './random';
import { topEigenpairs } from './spectrum';
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

export function analyseOperator(input: GeometryInput, settings: OperatorSettings, random: RandomFn): OperatorAnalysis {
  const timings: Record<string, number> = {};
  const clock = stopwatch(timings);
  const { factor, info } = buildKernelFactor(input, settings.kernel, settings.side);
  const cf = new CentredFactor(factor);
  clock('kernelMs');
  const eig = topEigenpairs(cf, { count: settings.eigenpairs, random, maxIterations: settings.maxIterations, tolerance: settings.tolerance });
  clock('eigenMs');
  const eigenvalues = Array.from(eig.values);
  const spectrum = summarise(eigenvalues, eig.trace, eig.method, eig.iterations, eig.converged);
  if (!input.hidden) return { kernel: info, eigenvalues, spectrum, alignment: null, psi: [], phi: [], timings };

  const T = input.targets.length;
  const basis = hiddenBasis(input.hidden, T, settings.maxHiddenDims, random);
  clock('hiddenPcaMs');
  // Constant hidden states span nothing once centred: there is no alignment to measure.
  if (basis.r === 0) return { kernel: info, eigenvalues, spectrum, alignment: null, psi: [], phi: [], timings };
  const aligned = computeAlignment(cf, eig, basis, settings.components, random);
  clock('alignmentMs');
  const nulls = shiftNull(eig, basis, settings.shifts, random);
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
