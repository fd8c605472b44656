/**
 * Weighted sums of a few rows of a row-major matrix into one d-vector: the inner loop of the
 * prototype rows ḡ_t = Σ_w p_t(w) Ŵ_w and of the pullback trace's mean Σ_w p_w W_w. Two rows per
 * pass, so `out` is loaded and stored once per two rows (V8 does not vectorise these loops; the
 * pairing halves the memory traffic on `out`). Exact float64 sums; the order differs from one row
 * at a time only by rounding.
 */

/** Scratch for up to `capacity` (weight, row offset) terms, grown on demand and reused. */
export class RowTerms {
  weights: Float64Array;
  offsets: Int32Array;
  count = 0;
  constructor(capacity = 16) {
    this.weights = new Float64Array(capacity);
    this.offsets = new Int32Array(capacity);
  }

  clear(): void {
    this.count = 0;
  }

  /** Adds w · rows[offset..offset+d) to the sum. */
  push(weight: number, offset: number): void {
    if (this.count === this.weights.length) {
      const weights = new Float64Array(2 * this.count);
      const offsets = new Int32Array(2 * this.count);
      weights.set(this.weights);
      offsets.set(this.offsets);
      this.weights = weights;
      this.offsets = offsets;
    }
    this.weights[this.count] = weight;
    this.offsets[this.count] = offset;
    this.count++;
  }
}

/** out[o..o+d) += Σ_i weights[i] · rows[offsets[i]..offsets[i]+d) over the terms. */
export function addRowTerms(out: Float64Array, o: number, terms: RowTerms, rows: Float32Array | Float64Array, d: number): void {
  const { weights, offsets, count } = terms;
  let i = 0;
  for (; i + 1 < count; i += 2) {
    const w0 = weights[i];
    const w1 = weights[i + 1];
    const r0 = offsets[i];
    const r1 = offsets[i + 1];
    for (let c = 0; c < d; c++) out[o + c] += w0 * rows[r0 + c] + w1 * rows[r1 + c];
  }
  if (i < count) {
    const w = weights[i];
    const r = offsets[i];
    for (let c = 0; c < d; c++) out[o + c] += w * rows[r + c];
  }
}
