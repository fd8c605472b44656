/**
 * Circular-shift null for the alignment scores (paper-spec §4.10 item 5): the rows of the hidden
 * basis are rotated by s ∈ [lo, T − lo] relative to the operator, which keeps the autocorrelation
 * of both sides. Each shift costs O(T·K·r_H): the scores are computed from C_s = Uᵀ roll(Q, s) on
 * the operator's top-K part and the r_H components, and the observed value is computed the same
 * way (s = 0), so the percentile compares like with like. The C_s of SHIFT_BATCH shifts are one
 * product (Linalg steps, products.ts): the rows of Uᵀ rotated by each shift, stacked, times Q.
 * Exact float64 arithmetic.
 *
 * The work splits by shift so callers can spread it over threads: shiftScores on any partition of
 * [0, ...drawShifts(...)], concatenated in order, gives summariseShiftNull exactly what one call
 * would (each shift's scores depend on that shift alone); shiftNull is that composition.
 * claimedShiftScores splits it at run time instead: two threads take batches of shifts one at a
 * time from a shared counter, so whichever is free computes the next batch, and the results merge
 * by index. A batch is always the same shifts (indices b·SHIFT_BATCH onwards), whichever thread
 * takes it, so every shift's product is the same computation wherever it runs.
 */
import { cumulativeRowShare } from './alignment';
import { HiddenBasis } from './hiddenBasis';
import { symmetricEigenvalues } from './eigen';
import { gemm, jsProducts, Linalg, transpose } from './products';
import { Eigenpairs } from './spectrum';

/** What the null reads of the eigenpairs (all a geometry thread is sent). */
type EigenLite = Pick<Eigenpairs, 'values' | 'vectors' | 'count'>;
import { RandomFn, randomInt } from './random';

export interface ShiftNull {
  shifts: number[];
  /** Percentile (0-100) of the observed score among the shifted ones, per k, and for CKA. */
  percentile: { Ak: number[]; energy: number[]; varianceCaptured: number[]; cka: number };
  /** Mean of the shifted scores, per k, for display next to the observed value. */
  nullMean: { Ak: number[]; energy: number[]; varianceCaptured: number[]; ckaRelative: number };
  basis: string;
}

/** The scores of one shift (s = 0: the observed value); `cka` is CKA's numerator only. */
export interface NullScores { Ak: number[]; energy: number[]; varianceCaptured: number[]; cka: number }

/** Shifts whose C_s are one product (bench/geometryKernels.ts). */
export const SHIFT_BATCH = 8;

export function* shiftNull(eig: EigenLite, basis: HiddenBasis, count: number, random: RandomFn): Linalg<ShiftNull> {
  const shifts = drawShifts(random, count, documentLength(basis));
  const [observed, ...nulls] = yield* shiftScores(eig, basis, [0, ...shifts]);
  return summariseShiftNull(observed, nulls, shifts, Math.min(eig.count, basis.r), basis.r);
}

/** `count` shifts uniform in [lo, T − lo], lo = min(50, ⌊T/4⌋) (at least 1), drawn from `random`. */
export function drawShifts(random: RandomFn, count: number, T: number): number[] {
  const lo = Math.min(50, Math.max(1, Math.floor(T / 4)));
  return Array.from({ length: count }, () => randomInt(random, lo, T - lo));
}

/** The scores for each listed shift, in order (0 gives the observed value). */
export function* shiftScores(eig: EigenLite, basis: HiddenBasis, shifts: readonly number[]): Linalg<NullScores[]> {
  const scores: NullScores[] = [];
  const batches = Math.ceil(shifts.length / SHIFT_BATCH);
  const scratch = rotatedScratch(eig, basis);
  for (let batch = 0; batch < batches; batch++) for (const [, s] of yield* batchScores(eig, basis, shifts, batch, scratch)) scores.push(s);
  return scores;
}

/**
 * The scores of the batches of shifts this caller claims from `counter` (an Int32Array, shared with
 * the other thread that computes the same list; it counts batches of SHIFT_BATCH), as [index into
 * `shifts`, scores]; a basis without components (r = 0) claims nothing.
 */
export function* claimedShiftScores(eig: EigenLite, basis: HiddenBasis, shifts: readonly number[], counter: Int32Array): Linalg<Array<[number, NullScores]>> {
  const scores: Array<[number, NullScores]> = [];
  if (basis.r === 0) return scores;
  const batches = Math.ceil(shifts.length / SHIFT_BATCH);
  const scratch = rotatedScratch(eig, basis);
  for (let batch = Atomics.add(counter, 0, 1); batch < batches; batch = Atomics.add(counter, 0, 1)) scores.push(...(yield* batchScores(eig, basis, shifts, batch, scratch)));
  return scores;
}

/** Room for one batch's rotated rows (SHIFT_BATCH·K×T), reused by every batch of a call (8 MB at T = 4,096, K = 32). */
function rotatedScratch(eig: EigenLite, basis: HiddenBasis): Float64Array {
  return new Float64Array(SHIFT_BATCH * Math.min(eig.count, basis.r) * documentLength(basis));
}

/**
 * [index, scores] of shifts[b·SHIFT_BATCH …] for batch b: C_s = Uᵀ roll(Q, s) (K×r, roll moving row
 * t of Q to row t + s mod T) for all of them as one product, A·Q with row (i, j) of A the row j of
 * Uᵀ rotated left by s_i (A[(i,j)][t] = U[(t + s_i) mod T][j]), built in `rotated`.
 */
function* batchScores(eig: EigenLite, basis: HiddenBasis, shifts: readonly number[], batch: number, rotated: Float64Array): Linalg<Array<[number, NullScores]>> {
  const T = documentLength(basis);
  const { r } = basis;
  const K = Math.min(eig.count, r);
  const first = batch * SHIFT_BATCH;
  const count = Math.min(SHIFT_BATCH, shifts.length - first);
  const uT = transposedVectors(eig, T);
  for (let i = 0; i < count; i++) {
    const s = ((shifts[first + i] % T) + T) % T;
    for (let j = 0; j < K; j++) {
      const row = (i * K + j) * T;
      rotated.set(uT.subarray(j * T + s, (j + 1) * T), row);
      rotated.set(uT.subarray(j * T, j * T + s), row + T - s);
    }
  }
  const c = yield* gemm({ data: rotated, rows: count * K, cols: T }, false, { data: basis.q, rows: T, cols: r }, false);
  const out: Array<[number, NullScores]> = [];
  for (let i = 0; i < count; i++) out.push([first + i, scoresFor(eig, basis, K, c.subarray(i * K * r, (i + 1) * K * r))]);
  return out;
}

/** Percentiles of the observed scores among the null ones, and the null means (K = top-K used, r = r_H). */
export function summariseShiftNull(observed: NullScores, nulls: readonly NullScores[], shifts: readonly number[], K: number, r: number): ShiftNull {
  const pick = (f: (x: NullScores) => number[]) => f(observed).map((v, k) => percentile(v, nulls.map(n => f(n)[k])));
  const mean = (f: (x: NullScores) => number[]) => f(observed).map((_, k) => nulls.reduce((a, n) => a + f(n)[k], 0) / Math.max(1, nulls.length));
  return {
    shifts: [...shifts],
    percentile: {
      Ak: pick(x => x.Ak), energy: pick(x => x.energy), varianceCaptured: pick(x => x.varianceCaptured),
      cka: percentile(observed.cka, nulls.map(n => n.cka)),
    },
    nullMean: {
      Ak: mean(x => x.Ak), energy: mean(x => x.energy), varianceCaptured: mean(x => x.varianceCaptured),
      // CKA's denominator does not change with the shift, so the null mean is given relative to observed.
      ckaRelative: observed.cka > 0 ? nulls.reduce((a, n) => a + n.cka, 0) / Math.max(1, nulls.length) / observed.cka : NaN,
    },
    basis: `operator top-${K} eigenpairs and ${r} hidden components, observed and shifted alike`,
  };
}

function documentLength(basis: HiddenBasis): number {
  return basis.q.length / Math.max(basis.r, 1);
}

const transposed = new WeakMap<Float64Array, Float64Array>();

/** Uᵀ (count×T), made once per eigenvector array (never mutated) and shared by the batches. */
function transposedVectors(eig: EigenLite, T: number): Float64Array {
  let uT = transposed.get(eig.vectors);
  if (!uT) { uT = transpose(eig.vectors, T, eig.count); transposed.set(eig.vectors, uT); }
  return uT;
}

function scoresFor(eig: EigenLite, basis: HiddenBasis, K: number, c: Float64Array): NullScores {
  const r = basis.r;
  // ρ of the top-K operator part: eig(Λ^½ C Cᵀ Λ^½). C Cᵀ (K×K, small) by the JavaScript kernel
  // here, then scaled and mirrored.
  const cm = { data: c, rows: K, cols: r };
  const small = jsProducts.gemm({ a: cm, transA: false, b: cm, transB: true });
  for (let i = 0; i < K; i++) for (let j = i; j < K; j++) {
    const s = small[i * K + j] * Math.sqrt(eig.values[i] * eig.values[j]);
    small[i * K + j] = s;
    small[j * K + i] = s;
  }
  const rho = symmetricEigenvalues(small, K);
  const Ak: number[] = [];
  let sr = 0;
  let sl = 0;
  for (let k = 0; k < K; k++) {
    sr += Math.max(0, rho[k]);
    sl += eig.values[k];
    Ak.push(sl > 0 ? sr / sl : 0);
  }
  const energy = cumulativeRowShare(c, K, r, K, null).map((x, k) => x / (k + 1));
  const weights = Float64Array.from(basis.singular, s => s * s);
  const varianceCaptured = cumulativeRowShare(c, K, r, K, weights).map(x => (basis.totalSq > 0 ? x / basis.totalSq : 0));
  let ckaNumerator = 0;
  for (let j = 0; j < K; j++) for (let k = 0; k < r; k++) ckaNumerator += eig.values[j] * weights[k] * c[j * r + k] ** 2;
  return { Ak, energy, varianceCaptured, cka: ckaNumerator };
}

/** Percentile of `value` among `sample` (ties count half), 0-100. */
export function percentile(value: number, sample: number[]): number {
  if (sample.length === 0) return NaN;
  let below = 0;
  for (const x of sample) below += x < value ? 1 : x === value ? 0.5 : 0;
  return (100 * below) / sample.length;
}
