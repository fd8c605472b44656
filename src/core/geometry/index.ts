/**
 * Representation geometry of one document (paper-spec §4.3-4.11), pure TypeScript over typed arrays.
 *
 * Entry point: `computeGeometry(input, options)` → a JSON-serialisable `GeometryResult`.
 *
 * Input representation, and where approximation enters (see types.ts):
 *  - exact per-token statistics from the full logits rows (`logitRowStatistics` gives them in three
 *    passes): NLL, entropy, varentropy, rank, log-partition → excess surprisal, ζ, the NLL = A + U
 *    split, martingale Z, accuracy@k and calibration are exact;
 *  - top-k slices of p_t (ids, probs; missing mass ε_t) → kernels, prototypes ḡ_t and the pullback
 *    trace are "exact-truncated", with ε_t and the bound 3·ε_t·max‖W_w‖² reported;
 *  - π̄ = (1/T)Σ p_t accumulated by the worker over the full vocabulary makes A1 exact (else top-k);
 *  - hidden states T×d (float32 is fine) and the head rows for the ids used (top ids ∪ targets);
 *  - alignment uses H reduced to r_H ≤ min(128, ⌊T/4⌋, d) principal components (dimension guard);
 *    eigenpairs come from the exact Gram path (≤ 384 factor columns) or subspace iteration
 *    (`spectrum.converged` says whether the tolerance was met);
 *  - B and C1 are heuristics and labelled so; they need extra per-token inputs from the engine.
 */
export { computeGeometry, firstHiddenBasisTask, geometrySteps } from './computeGeometry';
export type { GeometryResult } from './computeGeometry';
export type { GeometryInput, ComputeOptions, HeadRows, KernelName, KernelSide, Provenance, TopSlices } from './types';
export { logitRowStatistics, excessSurprisal, alignmentPartitionSplit, pullbackTrace, pullbackTraceFullRow } from './tokenMetrics';
export type { RowStatistics } from './tokenMetrics';
export { documentFigures, calibrationBins } from './documentFigures';
export type { DocumentFigures, CalibrationBin } from './documentFigures';
export { checkLinearHead } from './headCheck';
export type { HeadCheckInput, HeadCheckResult } from './headCheck';
export { seededRandom } from './random';
export type { RandomFn } from './random';
export { SurplusA2Accumulator, surplusA2, topCandidates } from './surplusA2';
export type { SurplusA2, BranchPosition } from './surplusA2';
export { geometryInputFromBatches, geometryInputFromRecords, headRowIds, gatherHeadRows } from './fromRecords';
export type { GeometryExtras } from './fromRecords';
export { GEOMETRY_DEFAULTS, resolveGeometryOptions } from './report';
export type { GeometryOptions, GeometryReport, GeometryViewState, ResolvedGeometryOptions } from './report';
export { kernelChoices, unavailableReason } from './choices';
export type { KernelChoice } from './choices';
