/**
 * Factor forms F (K = F Fᵀ) of the predictive-similarity kernels of paper-spec §4.9, built from the
 * top-k slices of p_t (model side) or the observed targets (data side). Truncation: each row misses
 * mass ε_t; the prototype row ḡ_t is off by at most ε_t (unit rows), a Bhattacharyya entry by at
 * most √(ε_i ε_j).
 */
import { DenseFactor, Factor, SparseFactor } from './factor';
import { GeometryInput, HeadRows, KernelName, KernelSide } from './types';
import { addRowTerms, RowTerms } from './weightedRows';

export interface KernelInfo {
  name: KernelName;
  side: KernelSide;
  /** Human-readable description of the kernel and its factor. */
  label: string;
  /** True for kernels the paper defines; the HaoChen normalisation is our option, not the paper's. */
  inPaper: boolean;
  columns: number;
  nonzeros: number;
  /** Largest and mean missing mass ε_t of the slices used (0 on the data side). */
  maxResidual: number;
  meanResidual: number;
  honesty: string;
}

export interface KernelFactor {
  factor: Factor;
  info: KernelInfo;
}

/**
 * Looks up head rows by vocabulary id, with their squared norms ‖W_w‖² (exact, float64 sums of the
 * stored rows) and inverse norms for unit prototypes Ŵ_w. Lookup is a typed array over the
 * vocabulary ids (0..max id), so per-entry lookups in the O(T·k) loops cost one load, not a Map probe.
 */
export class HeadIndex {
  /** rowOfId[id] = row of `id` in head.rows, −1 for ids without a row. */
  private readonly rowOfId: Int32Array;
  /** ‖W_w‖² by row (pass it to pullbackTrace so it is not recomputed per entry). */
  readonly normSq: Float64Array;
  readonly inverseNorm: Float64Array;
  readonly maxNormSq: number;
  constructor(readonly head: HeadRows) {
    const { d, ids, rows } = head;
    let maxId = -1;
    for (let i = 0; i < ids.length; i++) {
      if (!(ids[i] >= 0)) throw new Error(`head rows carry an invalid vocabulary id ${ids[i]}`);
      maxId = Math.max(maxId, ids[i]);
    }
    this.rowOfId = new Int32Array(maxId + 1).fill(-1);
    this.normSq = new Float64Array(ids.length);
    this.inverseNorm = new Float64Array(ids.length);
    let maxNormSq = 0;
    for (let i = 0; i < ids.length; i++) {
      this.rowOfId[ids[i]] = i;
      let s = 0;
      for (let c = 0; c < d; c++) s += rows[i * d + c] * rows[i * d + c];
      this.normSq[i] = s;
      maxNormSq = Math.max(maxNormSq, s);
      this.inverseNorm[i] = s > 0 ? 1 / Math.sqrt(s) : 0;
    }
    this.maxNormSq = head.maxRowNormSq ?? maxNormSq;
  }

  /** The index of `head`, built once per HeadRows object and shared (the kernel and the per-token trace both need it). */
  static of(head: HeadRows): HeadIndex {
    let index = built.get(head);
    if (!index) { index = new HeadIndex(head); built.set(head, index); }
    return index;
  }

  row(id: number): number {
    const r = id >= 0 && id < this.rowOfId.length ? this.rowOfId[id] : -1;
    if (r < 0) throw new Error(`head rows lack vocabulary id ${id}`);
    return r;
  }

  /** row(id) for every id at once (throws on the first id without a row). */
  rowsOf(ids: Int32Array): Int32Array {
    const out = new Int32Array(ids.length);
    for (let e = 0; e < ids.length; e++) out[e] = this.row(ids[e]);
    return out;
  }
}

/** HeadRows are never mutated after they are made, so an index stays valid as long as its rows. */
const built = new WeakMap<HeadRows, HeadIndex>();

export function buildKernelFactor(input: GeometryInput, name: KernelName, side: KernelSide): KernelFactor {
  if (side === 'data' && name !== 'prototype') {
    throw new Error(`the ${name} kernel is degenerate on the data side (one-hot targets); only 'prototype' is offered there`);
  }
  switch (name) {
    case 'prototype': return prototypeFactor(input, side);
    case 'bhattacharyya': return sparseFactor(input, name, p => Math.sqrt(p));
    case 'linear': return sparseFactor(input, name, p => p);
    case 'haochen': return sparseFactor(input, name, p => p, true);
  }
}

/** Residual mass of every slice (1 − Σ kept probabilities, clamped at 0). */
export function sliceResiduals(input: GeometryInput): Float64Array {
  const { rowStart, probs } = input.top;
  const T = rowStart.length - 1;
  const out: Float64Array = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    let s = 0;
    for (let e = rowStart[t]; e < rowStart[t + 1]; e++) if (probs[e] > 0) s += probs[e];
    out[t] = Math.max(0, 1 - s);
  }
  return out;
}

function residualStats(input: GeometryInput): { maxResidual: number; meanResidual: number } {
  const r = sliceResiduals(input);
  let max = 0;
  let sum = 0;
  for (const x of r) { max = Math.max(max, x); sum += x; }
  return { maxResidual: max, meanResidual: r.length ? sum / r.length : 0 };
}

/** ḡ_t = Σ_w p_t(w) Ŵ_w (model side) or Ŵ_{y_t} (data side), with unit-normalised head rows. */
function prototypeFactor(input: GeometryInput, side: KernelSide): KernelFactor {
  if (!input.head) throw new Error('the prototype kernel needs the head rows');
  const head = HeadIndex.of(input.head);
  const { d, rows } = input.head;
  const T = input.targets.length;
  const given = side === 'model' ? input.prototypeRows : undefined;
  if (given && given.data.length !== T * d) throw new Error(`prototype rows: ${given.data.length} values for ${T}×${d}`);
  const data = given ? given.data : new Float64Array(T * d);
  const terms = new RowTerms();
  if (side === 'data') {
    const targetRows = head.rowsOf(input.targets);
    for (let t = 0; t < T; t++) {
      terms.clear();
      terms.push(head.inverseNorm[targetRows[t]], targetRows[t] * d);
      addRowTerms(data, t * d, terms, rows, d);
    }
  } else if (!given) {
    const { rowStart, ids, probs } = input.top;
    const entryRows = head.rowsOf(ids.subarray(0, rowStart[T]));
    for (let t = 0; t < T; t++) {
      terms.clear();
      for (let e = rowStart[t]; e < rowStart[t + 1]; e++) if (probs[e] > 0) terms.push(probs[e] * head.inverseNorm[entryRows[e]], entryRows[e] * d);
      addRowTerms(data, t * d, terms, rows, d);
    }
  }
  const residuals = side === 'model' ? residualStats(input) : { maxResidual: 0, meanResidual: 0 };
  return {
    factor: new DenseFactor(data, T, d),
    info: {
      name: 'prototype', side, inPaper: true, columns: d, nonzeros: T * d, ...residuals,
      label: side === 'model'
        ? 'prototype kernel ⟨ḡ_s, ḡ_t⟩, ḡ_t = Σ_w p_t(w) Ŵ_w (unit head rows, model distributions, top-k)'
        : 'prototype kernel ⟨Ŵ_{y_s}, Ŵ_{y_t}⟩ (unit head rows of the observed next tokens)',
      honesty: side === 'model'
        ? 'consistency of the head geometry on this text; partly by construction'
        : 'evidence of predictive-structure alignment when read with the nulls',
    },
  };
}

/** Sparse factors over the union of the slices' supports; HaoChen divides column w by √π̄_w. */
function sparseFactor(input: GeometryInput, name: KernelName, entry: (p: number) => number, haochen = false): KernelFactor {
  const { rowStart, ids, probs } = input.top;
  const T = rowStart.length - 1;
  const columnOf = new Map<number, number>();
  const colIndex = new Int32Array(ids.length);
  for (let e = 0; e < ids.length; e++) {
    let c = columnOf.get(ids[e]);
    if (c === undefined) { c = columnOf.size; columnOf.set(ids[e], c); }
    colIndex[e] = c;
  }
  const values = new Float64Array(ids.length);
  // Non-finite or non-positive probabilities (a NaN row) contribute nothing.
  for (let e = 0; e < ids.length; e++) values[e] = probs[e] > 0 ? entry(probs[e]) : 0;
  if (haochen) {
    const pi = marginal(input, columnOf);
    for (let e = 0; e < ids.length; e++) values[e] = pi[colIndex[e]] > 0 ? values[e] / Math.sqrt(pi[colIndex[e]]) : 0;
  }
  const factor = new SparseFactor(Int32Array.from(rowStart), colIndex, values, T, columnOf.size);
  const labels: Record<string, string> = {
    bhattacharyya: 'Bhattacharyya kernel Σ_w √(p_s(w) p_t(w)) (model distributions, top-k)',
    linear: 'expected-likelihood kernel ⟨p_s, p_t⟩ (model distributions, top-k)',
    haochen: 'HaoChen-normalised kernel Σ_w p_s(w) p_t(w) / π̄(w) (NOT the paper\'s normalisation; trivial constant eigenpair removed by centring)',
  };
  return {
    factor,
    info: {
      name, side: 'model', inPaper: !haochen, columns: columnOf.size, nonzeros: factor.nonzeros, ...residualStats(input),
      label: labels[name],
      honesty: haochen
        ? 'an option borrowed from spectral contrastive learning, not the paper\'s operator'
        : 'distribution geometry of the model on this text',
    },
  };
}

/** π̄ per column: exact from `meanDistribution` when given, else from the slices. */
function marginal(input: GeometryInput, columnOf: Map<number, number>): Float64Array {
  const pi = new Float64Array(columnOf.size);
  if (input.meanDistribution) {
    for (const [id, c] of columnOf) pi[c] = input.meanDistribution[id] ?? 0;
    return pi;
  }
  const { rowStart, ids, probs } = input.top;
  const T = rowStart.length - 1;
  for (let e = 0; e < ids.length; e++) if (probs[e] > 0) pi[columnOf.get(ids[e]) as number] += probs[e] / T;
  return pi;
}
