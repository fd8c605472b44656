/**
 * Kernel factors: a T×m matrix F with K = F Fᵀ, dense or sparse (CSR). The operator of a document
 * is M = C K C / T with C = I − 11ᵀ/T; everything here applies the centred factor CF without ever
 * forming T×T. Centring is done implicitly: CF·X = F·X − 1·(μᵀX) with μ the column means of F.
 * Products are Linalg steps (products.ts): the dense factor's are GEMMs for whoever drives them.
 */
import { gemm, gram, Linalg } from './products';

export interface Factor {
  readonly rows: number;
  readonly cols: number;
  /** Y (T×r) = F · X (m×r). */
  mul(x: Float64Array, r: number): Linalg<Float64Array>;
  /** Z (m×r) = Fᵀ · Y (T×r). */
  tmul(y: Float64Array, r: number): Linalg<Float64Array>;
  /** Column means μ = Fᵀ1 / T. */
  columnMeans(): Float64Array;
  /** ‖F‖²_F. */
  frobeniusSq(): number;
  /** FᵀF (m×m), for the exact small-m path. */
  gram(): Linalg<Float64Array>;
  /** Nonzero entries (m·T for dense factors); for cost figures. */
  readonly nonzeros: number;
}

/** Dense row-major factor: its products are GEMMs (products.ts), transposes by the GEMM's flags. */
export class DenseFactor implements Factor {
  readonly nonzeros: number;
  constructor(readonly data: Float64Array, readonly rows: number, readonly cols: number) {
    if (data.length !== rows * cols) throw new Error(`DenseFactor: ${data.length} values for ${rows}×${cols}`);
    this.nonzeros = rows * cols;
  }

  *mul(x: Float64Array, r: number): Linalg<Float64Array> {
    return yield* gemm(this.matrix(), false, { data: x, rows: this.cols, cols: r }, false);
  }

  *tmul(y: Float64Array, r: number): Linalg<Float64Array> {
    return yield* gemm(this.matrix(), true, { data: y, rows: this.rows, cols: r }, false);
  }

  *gram(): Linalg<Float64Array> {
    return yield* gram(this.matrix(), true);
  }

  private matrix() {
    return { data: this.data, rows: this.rows, cols: this.cols };
  }

  columnMeans(): Float64Array {
    const { data, rows, cols } = this;
    const mean = new Float64Array(cols);
    for (let t = 0; t < rows; t++) {
      const row = t * cols;
      for (let j = 0; j < cols; j++) mean[j] += data[row + j];
    }
    for (let j = 0; j < cols; j++) mean[j] /= rows;
    return mean;
  }

  frobeniusSq(): number {
    let s = 0;
    for (let i = 0; i < this.data.length; i++) s += this.data[i] * this.data[i];
    return s;
  }
}

/** Sparse factor in CSR form: row t holds entries rowStart[t] .. rowStart[t+1]-1. */
export class SparseFactor implements Factor {
  readonly nonzeros: number;
  constructor(
    readonly rowStart: Int32Array,
    readonly colIndex: Int32Array,
    readonly values: Float64Array,
    readonly rows: number,
    readonly cols: number,
  ) {
    if (rowStart.length !== rows + 1) throw new Error('SparseFactor: rowStart needs rows + 1 entries');
    this.nonzeros = rowStart[rows];
  }

  // Sparse products run here (nothing to yield); the generator form is the Factor interface's.
  *mul(x: Float64Array, r: number): Linalg<Float64Array> {
    const out = new Float64Array(this.rows * r);
    for (let t = 0; t < this.rows; t++) {
      const o = t * r;
      for (let e = this.rowStart[t]; e < this.rowStart[t + 1]; e++) {
        axpy(out, o, this.values[e], x, this.colIndex[e] * r, r);
      }
    }
    return out;
  }

  *tmul(y: Float64Array, r: number): Linalg<Float64Array> {
    const out = new Float64Array(this.cols * r);
    for (let t = 0; t < this.rows; t++) {
      const yt = t * r;
      for (let e = this.rowStart[t]; e < this.rowStart[t + 1]; e++) {
        axpy(out, this.colIndex[e] * r, this.values[e], y, yt, r);
      }
    }
    return out;
  }

  /**
   * out (m) = Fᵀ(F x) for one vector, through `scratch` (T): the sums of mul(x, 1) then tmul(·, 1)
   * in the same order (so the same bits), without their allocations and per-entry calls. Lanczos
   * asks for this once a step; as two generic products it was most of a kernel switch's time.
   */
  gramVector(x: Float64Array, out: Float64Array, scratch: Float64Array): void {
    const { rowStart, colIndex, values } = this;
    for (let t = 0; t < this.rows; t++) {
      let s = 0;
      for (let e = rowStart[t]; e < rowStart[t + 1]; e++) s += values[e] * x[colIndex[e]];
      scratch[t] = s;
    }
    out.fill(0);
    for (let t = 0; t < this.rows; t++) {
      const y = scratch[t];
      for (let e = rowStart[t]; e < rowStart[t + 1]; e++) out[colIndex[e]] += values[e] * y;
    }
  }

  columnMeans(): Float64Array {
    const mean = new Float64Array(this.cols);
    for (let e = 0; e < this.nonzeros; e++) mean[this.colIndex[e]] += this.values[e];
    for (let j = 0; j < this.cols; j++) mean[j] /= this.rows;
    return mean;
  }

  frobeniusSq(): number {
    let s = 0;
    for (let e = 0; e < this.nonzeros; e++) s += this.values[e] * this.values[e];
    return s;
  }

  *gram(): Linalg<Float64Array> {
    const m = this.cols;
    const g = new Float64Array(m * m);
    for (let t = 0; t < this.rows; t++) {
      for (let a = this.rowStart[t]; a < this.rowStart[t + 1]; a++) {
        const i = this.colIndex[a];
        for (let b = this.rowStart[t]; b < this.rowStart[t + 1]; b++) g[i * m + this.colIndex[b]] += this.values[a] * this.values[b];
      }
    }
    return g;
  }
}

/** out[o..o+n) += a · x[xo..xo+n), unrolled by four (V8 does not vectorise this loop). */
export function axpy(out: Float64Array, o: number, a: number, x: Float64Array, xo: number, n: number): void {
  let c = 0;
  for (; c + 3 < n; c += 4) {
    out[o + c] += a * x[xo + c];
    out[o + c + 1] += a * x[xo + c + 1];
    out[o + c + 2] += a * x[xo + c + 2];
    out[o + c + 3] += a * x[xo + c + 3];
  }
  for (; c < n; c++) out[o + c] += a * x[xo + c];
}

/** The centred factor CF as products, with the column means cached. */
export class CentredFactor {
  readonly mean: Float64Array;
  readonly rows: number;
  readonly cols: number;
  /** Every column mean is 0: the centring terms are skipped (subtracting zeros changes nothing). */
  private readonly zeroMean: boolean;
  /**
   * `knownGram`: (CF)ᵀ(CF) already computed elsewhere (hiddenGram.ts); gram() then returns a copy of
   * it and ‖CF‖² is its trace. `centred`: F's columns already sum to zero in exact arithmetic (the
   * centred hidden states), so μ = 0 is taken instead of summing rounding noise.
   */
  constructor(readonly factor: Factor, private readonly knownGram?: Float64Array, centred = false) {
    this.mean = centred ? new Float64Array(factor.cols) : factor.columnMeans();
    this.zeroMean = this.mean.every(m => m === 0);
    this.rows = factor.rows;
    this.cols = factor.cols;
  }

  /** Y (T×r) = CF · X (m×r). */
  *mul(x: Float64Array, r: number): Linalg<Float64Array> {
    const out = yield* this.factor.mul(x, r);
    if (this.zeroMean) return out;
    const shift = new Float64Array(r);
    for (let j = 0; j < this.cols; j++) {
      const mj = this.mean[j];
      if (mj === 0) continue;
      for (let c = 0; c < r; c++) shift[c] += mj * x[j * r + c];
    }
    for (let t = 0; t < this.rows; t++) for (let c = 0; c < r; c++) out[t * r + c] -= shift[c];
    return out;
  }

  /** Z (m×r) = (CF)ᵀ · Y (T×r) = Fᵀ (C Y). */
  *tmul(y: Float64Array, r: number): Linalg<Float64Array> {
    const out = yield* this.factor.tmul(y, r);
    if (this.zeroMean) return out;
    const ySum = new Float64Array(r);
    for (let t = 0; t < this.rows; t++) for (let c = 0; c < r; c++) ySum[c] += y[t * r + c];
    for (let j = 0; j < this.cols; j++) {
      const mj = this.mean[j];
      if (mj === 0) continue;
      for (let c = 0; c < r; c++) out[j * r + c] -= mj * ySum[c];
    }
    return out;
  }

  /** (CF)ᵀ(CF) = FᵀF − T μμᵀ (m×m). */
  *gram(): Linalg<Float64Array> {
    if (this.knownGram) return Float64Array.from(this.knownGram);
    const g = yield* this.factor.gram();
    const { cols: m, rows: T, mean } = this;
    for (let i = 0; i < m; i++) {
      const scaled = T * mean[i];
      for (let j = 0; j < m; j++) g[i * m + j] -= scaled * mean[j];
    }
    return g;
  }

  /** ‖CF‖²_F = ‖F‖²_F − T‖μ‖²; equals T · tr(M). */
  frobeniusSq(): number {
    if (this.knownGram) {
      let trace = 0;
      for (let j = 0; j < this.cols; j++) trace += this.knownGram[j * this.cols + j];
      return Math.max(0, trace);
    }
    let m2 = 0;
    for (let j = 0; j < this.cols; j++) m2 += this.mean[j] * this.mean[j];
    return Math.max(0, this.factor.frobeniusSq() - this.rows * m2);
  }
}
