/**
 * Alignment between hidden states and the operator's eigenspace (paper-spec §4.10), all in factor
 * form: ρ_j = eig(Qᵀ M Q) with the spectral alignment ratio A_k, principal angles and the
 * "energy" Σcos²θ/k, variance of H captured by the top-k eigenspace, linear CKA, and the per-token
 * eigenfunction values ψ_j and hidden-state readouts φ_j. Exact linear algebra on the chosen kernel
 * (with H reduced to r_H components); reading it as evidence for the theorem needs the nulls.
 */
import { CentredFactor } from './factor';
import { HiddenBasis } from './hiddenBasis';
import { singularValues, symmetricEigenTop } from './eigen';
import { gemm, gram, Linalg, Matrix } from './products';
import { Eigenpairs } from './spectrum';
import { RandomFn, fillGaussian } from './random';

export interface AlignmentScores {
  /** r_H, the hidden dimensions kept by the dimension guard. */
  hiddenDims: number;
  /** ρ_j, descending (best linear-in-h Rayleigh quotients; ρ_j ≤ λ_j). */
  rho: number[];
  /** A_k = Σ_{j≤k} ρ_j / Σ_{j≤k} λ_j for k = 1..K. */
  Ak: number[];
  /** Count of j with ρ_j > λ_j beyond rounding (non-zero only if the eigenpairs did not converge). */
  poincareViolations: number;
  /** Σ_{i} cos²θ_i / k for k = 1..K, and its random-subspace baseline r_H/(T−1). */
  energy: number[];
  energyBaseline: number;
  /** cos θ_i of the principal angles between the top-K eigenspace and span(H), descending. */
  principalCosines: number[];
  /** ‖U_kᵀ H_c‖²_F / ‖H_c‖²_F for k = 1..K, exact, and its baseline k/(T−1) per k. */
  varianceCaptured: number[];
  varianceBaseline: number[];
  /** Linear CKA between H_c H_cᵀ (r_H components) and C K C; `ckaExact` false when ‖M‖_F was estimated. */
  cka: number;
  ckaExact: boolean;
  /** corr(ψ_j, φ_j) per returned component. */
  psiPhiCorrelation: number[];
}

export interface AlignmentComputation {
  scores: AlignmentScores;
  /** C = Uᵀ Q (K×r_H): reused by the shift nulls. */
  overlap: Float64Array;
  /** Per-token ψ_j and φ_j (J components, each length T). */
  psi: Float64Array[];
  phi: Float64Array[];
}

export function* computeAlignment(cf: CentredFactor, eig: Eigenpairs, basis: HiddenBasis, components: number, random: RandomFn): Linalg<AlignmentComputation> {
  const T = cf.rows;
  const m = cf.cols;
  const r = basis.r;
  const K = Math.min(eig.count, r);
  const b = yield* cf.tmul(basis.q, r);
  const J = Math.min(components, K);
  // Every ρ_j, but vectors only for the J readouts φ_j.
  const inner = yield* symmetricEigenTop(scaled(yield* gram({ data: b, rows: m, cols: r }, true), 1 / T), r, J);
  const rho = Array.from(inner.values, x => Math.max(0, x));
  const Ak: number[] = [];
  let sumRho = 0;
  let sumLambda = 0;
  let poincareViolations = 0;
  for (let k = 0; k < K; k++) {
    sumRho += rho[k];
    sumLambda += eig.values[k];
    Ak.push(sumLambda > 0 ? sumRho / sumLambda : 0);
    if (rho[k] > eig.values[k] * (1 + 1e-6) + 1e-12 * eig.values[0]) poincareViolations++;
  }
  // C = UᵀQ = Gᵀ(CF)ᵀQ = Gᵀb with U = CF·G: m·K·r instead of T·K·r (exact in real arithmetic).
  const q: Matrix = { data: basis.q, rows: T, cols: r };
  const overlap = eig.coefficients
    ? yield* gemm({ data: eig.coefficients, rows: m, cols: eig.count }, true, { data: b, rows: m, cols: r }, false)
    : yield* gemm({ data: eig.vectors, rows: T, cols: eig.count }, true, q, false);
  const energy = cumulativeRowShare(overlap, eig.count, r, K, null).map((x, k) => x / (k + 1));
  const principalCosines = Array.from(singularValues(overlap.subarray(0, K * r), K, r), x => Math.min(1, x));
  const varianceCaptured = yield* exactVarianceCaptured(eig, basis, K);
  const varianceBaseline = Array.from({ length: K }, (_, k) => (k + 1) / (T - 1));
  const { value: cka, exact: ckaExact } = yield* linearCka(cf, eig, basis, b, random);
  const psi: Float64Array[] = [];
  const phi: Float64Array[] = [];
  const readouts = yield* gemm(q, false, { data: inner.vectors, rows: r, cols: J }, false);
  const psiPhiCorrelation: number[] = [];
  const rootT = Math.sqrt(T);
  for (let j = 0; j < J; j++) {
    const u = new Float64Array(T);
    const v = new Float64Array(T);
    let corr = 0;
    for (let t = 0; t < T; t++) {
      u[t] = rootT * eig.vectors[t * eig.count + j];
      v[t] = rootT * readouts[t * J + j];
      corr += u[t] * v[t];
    }
    corr /= T;
    if (corr < 0) { for (let t = 0; t < T; t++) v[t] = -v[t]; corr = -corr; }
    psi.push(u);
    phi.push(v);
    psiPhiCorrelation.push(corr);
  }
  return {
    scores: {
      hiddenDims: r, rho, Ak, poincareViolations, energy, energyBaseline: r / (T - 1), principalCosines,
      varianceCaptured, varianceBaseline, cka, ckaExact, psiPhiCorrelation,
    },
    overlap, psi, phi,
  };
}

function scaled(a: Float64Array, factor: number): Float64Array {
  for (let i = 0; i < a.length; i++) a[i] *= factor;
  return a;
}

/** Cumulative Σ_{j<k} Σ_c w_c C[j,c]² for k = 1..K (w = 1 when null). */
export function cumulativeRowShare(c: Float64Array, rows: number, r: number, K: number, weights: Float64Array | null): number[] {
  const out: number[] = [];
  let total = 0;
  for (let j = 0; j < Math.min(K, rows); j++) {
    for (let k = 0; k < r; k++) total += (weights ? weights[k] : 1) * c[j * r + k] * c[j * r + k];
    out.push(total);
  }
  return out;
}

/** ‖U_kᵀ H_c‖² / ‖H_c‖² with the full centred H (not only its r_H components). */
function* exactVarianceCaptured(eig: Eigenpairs, basis: HiddenBasis, K: number): Linalg<number[]> {
  const { d } = basis;
  const T = basis.centred.length / Math.max(d, 1);
  const projected = yield* gemm({ data: eig.vectors, rows: T, cols: eig.count }, true, { data: basis.centred, rows: T, cols: d }, false);
  return cumulativeRowShare(projected, K, d, K, null).map(x => (basis.totalSq > 0 ? x / basis.totalSq : 0));
}

/**
 * CKA = ‖Zᵀ CF‖²_F / (‖ZᵀZ‖_F ‖(CF)ᵀCF‖_F) with Z = Q·diag(s) the r_H-component scores of H.
 * ‖(CF)ᵀCF‖_F = T·√Σλ² is exact on the dense path; otherwise the top-K part is exact and the tail
 * ‖M − UΛUᵀ‖²_F is estimated with Gaussian probes (Hutchinson), and `exact` is false.
 */
function* linearCka(cf: CentredFactor, eig: Eigenpairs, basis: HiddenBasis, b: Float64Array, random: RandomFn): Linalg<{ value: number; exact: boolean }> {
  const T = cf.rows;
  const { r, singular } = basis;
  let numerator = 0;
  for (let j = 0; j < cf.cols; j++) for (let c = 0; c < r; c++) numerator += singular[c] * singular[c] * b[j * r + c] * b[j * r + c];
  let s4 = 0;
  for (const s of singular) s4 += s ** 4;
  const sumSquares = eig.sumSquares ?? (yield* estimateSumSquares(cf, eig, random));
  const denominator = Math.sqrt(s4) * T * Math.sqrt(sumSquares);
  return { value: denominator > 0 ? numerator / denominator : 0, exact: eig.sumSquares !== null };
}

function* estimateSumSquares(cf: CentredFactor, eig: Eigenpairs, random: RandomFn, probes = 8): Linalg<number> {
  const T = cf.rows;
  let top = 0;
  for (const l of eig.values) top += l * l;
  const omega = fillGaussian(new Float64Array(T * probes), random);
  deflate(omega, eig, probes, T);
  const y = yield* cf.mul(yield* cf.tmul(omega, probes), probes);
  for (let i = 0; i < y.length; i++) y[i] /= T;
  deflate(y, eig, probes, T);
  let tail = 0;
  for (let i = 0; i < y.length; i++) tail += y[i] * y[i];
  return top + tail / probes;
}

/** X ← (I − U Uᵀ) X for X of size T×n. */
function deflate(x: Float64Array, eig: Eigenpairs, n: number, T: number): void {
  const K = eig.count;
  const coeff = new Float64Array(K * n);
  for (let t = 0; t < T; t++) for (let j = 0; j < K; j++) for (let c = 0; c < n; c++) coeff[j * n + c] += eig.vectors[t * K + j] * x[t * n + c];
  for (let t = 0; t < T; t++) for (let j = 0; j < K; j++) for (let c = 0; c < n; c++) x[t * n + c] -= eig.vectors[t * K + j] * coeff[j * n + c];
}
