/**
 * Circular-shift null for the alignment scores (paper-spec §4.10 item 5): the rows of the hidden
 * basis are rotated by s ∈ [lo, T − lo] relative to the operator, which keeps the autocorrelation
 * of both sides. Each shift costs O(T·K·r_H): the scores are computed from C_s = Uᵀ roll(Q, s) on
 * the operator's top-K part and the r_H components, and the observed value is computed the same
 * way (s = 0), so the percentile compares like with like.
 *
 * Approximation: C_s comes from float32 products (shiftedCrossProducts32, wasm f32x4, ~1e-7 to
 * 1e-6 relative), for the observed and the shifted scores alike. That is harmless here: a
 * percentile only compares the observed score with the shifted ones, so an error far below the
 * spread between them changes no comparison (ties aside), and the null means are display values.
 * The headline scores (A_k, energy, CKA in alignment.ts) stay exact float64.
 *
 * The work splits by shift so callers can spread it over threads: shiftScores on any partition of
 * [0, ...drawShifts(...)], concatenated in order, gives summariseShiftNull exactly what one call
 * would (each shift's scores depend on that shift alone); shiftNull is that composition.
 * claimedShiftScores splits it at run time instead: two threads take shifts one at a time from a
 * shared counter, so whichever is free computes the next one, and the results merge by index.
 */
import { cumulativeRowShare } from './alignment';
import { addABtScalar, rowsOf, shiftedCrossProducts32 } from './blocked';
import { HiddenBasis } from './hiddenBasis';
import { symmetricEigenvalues } from './eigen';
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

export function shiftNull(eig: EigenLite, basis: HiddenBasis, count: number, random: RandomFn): ShiftNull {
  const shifts = drawShifts(random, count, documentLength(basis));
  const [observed, ...nulls] = shiftScores(eig, basis, [0, ...shifts]);
  return summariseShiftNull(observed, nulls, shifts, Math.min(eig.count, basis.r), basis.r);
}

/** `count` shifts uniform in [lo, T − lo], lo = min(50, ⌊T/4⌋) (at least 1), drawn from `random`. */
export function drawShifts(random: RandomFn, count: number, T: number): number[] {
  const lo = Math.min(50, Math.max(1, Math.floor(T / 4)));
  return Array.from({ length: count }, () => randomInt(random, lo, T - lo));
}

/** The scores for each listed shift, in order (0 gives the observed value). */
export function shiftScores(eig: EigenLite, basis: HiddenBasis, shifts: readonly number[]): NullScores[] {
  const K = Math.min(eig.count, basis.r);
  const scores: NullScores[] = [];
  shiftedCrossProducts32(eig.vectors, eig.count, basis.q, basis.r, documentLength(basis), shifts, c => scores.push(scoresFor(eig, basis, K, c)));
  return scores;
}

/**
 * The scores of the shifts this caller claims from `counter` (an Int32Array, shared with the other
 * thread that computes the same list), as [index into `shifts`, scores]; a basis without
 * components (r = 0) claims nothing.
 */
export function claimedShiftScores(eig: EigenLite, basis: HiddenBasis, shifts: readonly number[], counter: Int32Array): Array<[number, NullScores]> {
  const scores: Array<[number, NullScores]> = [];
  if (basis.r === 0) return scores;
  const K = Math.min(eig.count, basis.r);
  shiftedCrossProducts32(eig.vectors, eig.count, basis.q, basis.r, documentLength(basis), shifts, (c, index) => scores.push([index, scoresFor(eig, basis, K, c)]), undefined, true, claimed(counter, shifts.length));
  return scores;
}

/** Indices 0..n−1, each handed to exactly one of the callers sharing `counter`. */
function* claimed(counter: Int32Array, n: number): Generator<number> {
  for (;;) {
    const index = Atomics.add(counter, 0, 1);
    if (index >= n) return;
    yield index;
  }
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

function scoresFor(eig: EigenLite, basis: HiddenBasis, K: number, c: Float64Array): NullScores {
  const r = basis.r;
  // ρ of the top-K operator part: eig(Λ^½ C Cᵀ Λ^½). C Cᵀ by the blocked JavaScript kernel (the
  // wasm one holds U and Q during the shifts), upper half, then scaled and mirrored.
  const small = new Float64Array(K * K);
  const rows = rowsOf(c, K, r);
  addABtScalar(rows, rows, r, small, K, true);
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
