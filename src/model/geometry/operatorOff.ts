/**
 * Geometry results with the operator switched off: when the chosen kernel cannot be built honestly
 * (the prototype kernel from a head that is not linear-softmax) or the document is too short for a
 * spectrum. The message says why; no eigenvalue, alignment or eigen-coordinate is made up.
 */
import { documentFigures, excessSurprisal, type GeometryInput, type GeometryReport, type GeometryResult, type KernelName, type KernelSide } from '../../core/geometry';
import { surplusA1 } from '../../core/geometry/surplus';

/** The result with kernel, spectrum, alignment and ψ/φ blanked and the reason in kernel.honesty. */
export function operatorOff(result: GeometryResult, kernel: KernelName, side: KernelSide, message: string): GeometryResult {
  return {
    ...result,
    kernel: { name: kernel, side, label: 'off', inPaper: kernel !== 'haochen', columns: 0, nonzeros: 0, maxResidual: 0, meanResidual: 0, honesty: message },
    eigenvalues: [],
    spectrum: { trace: 0, explained: 0, effectiveRank: 0, method: 'off', iterations: 0, converged: false },
    alignment: null,
    perToken: { ...result.perToken, psi: [], phi: [], window: null },
    windows: null,
    provenance: { ...result.provenance, eigenvalues: 'exact', kernel: 'exact' },
  };
}

/** Token-level figures only, for documents shorter than the core's minimum. */
export function tooShort(
  input: GeometryInput, minimum: number, options: GeometryReport['options'], head: GeometryReport['head'], views: GeometryReport['views'],
): GeometryReport {
  const T = input.targets.length;
  const message = `off: the document has ${T} tokens; the spectrum needs at least ${minimum}`;
  const clean = (a: ArrayLike<number>) => Array.from(a, x => (Number.isFinite(x) ? x : null));
  const excess = excessSurprisal(input.nll, input.entropy, input.varentropy);
  const skeleton: GeometryResult = {
    schema: 'markov-lens/geometry@1',
    tokens: T,
    kernel: { name: options.kernel, side: options.side, label: 'off', inPaper: true, columns: 0, nonzeros: 0, maxResidual: 0, meanResidual: 0, honesty: message },
    eigenvalues: [],
    spectrum: { trace: 0, explained: 0, effectiveRank: 0, method: 'off', iterations: 0, converged: false },
    alignment: null,
    surplus: { A1: surplusA1(input), A2: null, B: null, C1: null },
    document: documentFigures(input.nll, input.entropy, input.varentropy, input.rank),
    perToken: {
      excessSurprisal: clean(excess.excess), standardisedExcess: clean(excess.standardised),
      alignmentTerm: null, partitionTerm: null, pullbackTrace: null, pullbackTraceBound: null,
      psi: [], phi: [], window: null, lookAheadC1: null, contextAblationB: null,
    },
    windows: null,
    provenance: { excessSurprisal: 'exact', surplusA1: 'model-defined' },
    timings: {},
  };
  return {
    ...skeleton, head, options,
    views: { ...views, spectrum: { on: false, message }, alignment: { on: false, message } },
  };
}
