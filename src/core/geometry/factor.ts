/**
 * Kernel factors: a T×m matrix F with K = F Fᵀ, dense or sparse (CSR). The operator of a document
 * is M = C K C / T with C = I − 11ᵀ/T; everything here applies the centred factor CF without ever
 * forming T×T. Centring is done implicitly: CF·X = F·X − 1·(μᵀX) with μ the column means of F.
 */

export interface Factor {
  readonly rows: number;
  readonly cols: number;
  /** Y (T×r) = F · X (m×r). */
  mul(x: Float64Array, r: number, out: Float64Array): Float64Array;
  /** Z (m×r) = Fᵀ · Y (T×r). */
  tmul(y: Float64Array, r: number, out: Float64Array): Float64Array;
  /** Column means μ = Fᵀ1 / T. */
  columnMeans(): Float64Array;
  /** ‖F‖²_F. */
  frobeniusSq(): number;
  /** Nonzero entries (m·T for dense factors); for cost figures. */
  readonly nonzeros: number;
}

/** Dense row-major factor. */
export class DenseFactor implements Factor {
  readonly nonzeros: number;
  constructor(readonly data: Float64Array, readonly rows: number, readonly cols: number) {
    if (data.length !== rows * cols) throw new Error(`DenseFactor: ${data.length} values for ${rows}×${cols}`);
    this.nonzeros = rows * cols;
  }

  mul(x: Float64Array, r: number, out: Float64Array): Float64Array {
    const { data, rows, cols } = this;
    out.fill(0, 0, rows * r);
    for (let t = 0; t < rows; t++) {
      const o = t * r;
      const f = t * cols;
      for (let j = 0; j < cols; j++) {
        const a = data[f + j];
        if (a === 0) continue;
        const xj = j * r;
        for (let c = 0; c < r; c++) out[o + c] += a * x[xj + c];
      }
    }
    return out;
  }

  tmul(y: Float64Array, r: number, out: Float64Array): Float64Array {
    const { data, rows, cols } = this;
    out.fill(0, 0, cols * r);
    for (let t = 0; t < rows; t++) {
      const yt = t * r;
      const f = t * cols;
      for (let j = 0; j < cols; j++) {
        const a = data[f + j];
        if (a === 0) continue;
        const o = j * r;
        for (let c = 0; c < r; c++) out[o + c] += a * y[yt + c];
      }
    }
    return out;
  }

  columnMeans(): Float64Array {
    const mean = new Float64Array(this.cols);
    for (let t = 0; t < this.rows; t++) for (let j = 0; j < this.cols; j++) mean[j] += this.data[t * this.cols + j];
    for (let j = 0; j < this.cols; j++) mean[j] /= this.rows;
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

  mul(x: Float64Array, r: number, out: Float64Array): Float64Array {
    out.fill(0, 0, this.rows * r);
    for (let t = 0; t < this.rows; t++) {
      const o = t * r;
      for (let e = this.rowStart[t]; e < this.rowStart[t + 1]; e++) {
        const a = this.values[e];
        const xj = this.colIndex[e] * r;
        for (let c = 0; c < r; c++) out[o + c] += a * x[xj + c];
      }
    }
    return out;
  }

  tmul(y: Float64Array, r: number, out: Float64Array): Float64Array {
    out.fill(0, 0, this.cols * r);
    for (let t = 0; t < this.rows; t++) {
      const yt = t * r;
      for (let e = this.rowStart[t]; e < this.rowStart[t + 1]; e++) {
        const a = this.values[e];
        const o = this.colIndex[e] * r;
        for (let c = 0; c < r; c++) out[o + c] += a * y[yt + c];
      }
    }
    return out;
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
}

/**
 * The centred factor CF as products, with the column means cached. `scratch` buffers are sized on
 * first use and reused, so repeated products in an iteration allocate nothing.
 */
export class CentredFactor {
  readonly mean: Float64Array;
  readonly rows: number;
  readonly cols: number;
  constructor(readonly factor: Factor) {
    this.mean = factor.columnMeans();
    this.rows = factor.rows;
    this.cols = factor.cols;
  }

  /** Y (T×r) = CF · X (m×r). */
  mul(x: Float64Array, r: number, out: Float64Array = new Float64Array(this.rows * r)): Float64Array {
    this.factor.mul(x, r, out);
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
  tmul(y: Float64Array, r: number, out: Float64Array = new Float64Array(this.cols * r)): Float64Array {
    this.factor.tmul(y, r, out);
    const ySum = new Float64Array(r);
    for (let t = 0; t < this.rows; t++) for (let c = 0; c < r; c++) ySum[c] += y[t * r + c];
    for (let j = 0; j < this.cols; j++) {
      const mj = this.mean[j];
      if (mj === 0) continue;
      for (let c = 0; c < r; c++) out[j * r + c] -= mj * ySum[c];
    }
    return out;
  }

  /** ‖CF‖²_F = ‖F‖²_F − T‖μ‖²; equals T · tr(M). */
  frobeniusSq(): number {
    let m2 = 0;
    for (let j = 0; j < this.cols; j++) m2 += this.mean[j] * this.mean[j];
    return Math.max(0, this.factor.frobeniusSq() - this.rows * m2);
  }
}
