/**
 * The Gram matrix of the centred hidden states, Σ_t (h_t − μ)(h_t − μ)ᵀ over the finite rows, built
 * row block by row block as the states arrive, so a second thread can have it ready when inference
 * ends (src/model/geometryThread.ts) and the PCA starts from it. The rows are shifted by the first
 * finite row s before they are summed, S = Σ (h − s)(h − s)ᵀ and m = Σ (h − s), and the centring is
 * S − m mᵀ / n at the end: with s near the mean nothing cancels (constant states give exactly 0).
 * The sums go through BlockGram, so the inline PCA and the threaded one get the same numbers.
 */
import { BlockGram } from './blockGram';
import { Linalg } from './products';

export interface HiddenGramResult {
  /** d×d, the centred Gram (symmetric); null when it was not asked for (only the mean). */
  gram: Float64Array | null;
  /** Mean of the finite rows, s + m / n. */
  mean: Float64Array;
  /** 1 for each row whose entries are all finite. */
  finite: Uint8Array;
  finiteCount: number;
}

export class HiddenGram {
  private shift: Float64Array | null = null;
  private readonly shiftedSum: Float64Array;
  private readonly sums: BlockGram | null;
  private next = 0;
  private readonly finite: Uint8Array;
  private finiteCount = 0;

  constructor(readonly d: number, readonly tokens: number, private readonly withGram = true) {
    this.shiftedSum = new Float64Array(d);
    this.sums = withGram ? new BlockGram(d) : null;
    this.finite = new Uint8Array(tokens);
  }

  /** Rows `firstIndex .. firstIndex + count` (count×d, row-major); rows arrive in order. */
  *add(rows: Float32Array | Float64Array, firstIndex: number, count: number): Linalg<void> {
    const d = this.d;
    if (firstIndex !== this.next) throw new Error(`HiddenGram: rows from ${firstIndex}, expected ${this.next}`);
    if (firstIndex + count > this.tokens || rows.length < count * d) throw new Error(`HiddenGram: ${count} rows from ${firstIndex} do not fit ${this.tokens}×${d}`);
    for (let r = 0; r < count; r++) {
      const base = r * d;
      let check = 0;
      for (let c = 0; c < d; c++) check += rows[base + c] - rows[base + c];
      if (check === 0) {
        this.shift ??= Float64Array.from(rows.subarray(base, base + d));
        const s = this.shift;
        for (let c = 0; c < d; c++) this.shiftedSum[c] += rows[base + c] - s[c];
        if (this.sums?.push(c => rows[base + c] - s[c])) yield* this.sums.flush();
        this.finite[this.next] = 1;
        this.finiteCount++;
      } else {
        // A non-finite row keeps its place in the blocks as zeros (they add nothing).
        if (this.sums?.push(() => 0)) yield* this.sums.flush();
      }
      this.next++;
    }
  }

  *finish(): Linalg<HiddenGramResult> {
    if (this.next !== this.tokens) throw new Error(`HiddenGram: ${this.next} of ${this.tokens} rows added`);
    const { d, shiftedSum } = this;
    const n = Math.max(1, this.finiteCount);
    const gram = this.sums ? yield* this.sums.result() : null;
    if (gram) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) gram[i * d + j] -= (shiftedSum[i] * shiftedSum[j]) / n;
    const mean = Float64Array.from(shiftedSum, (m, c) => (this.shift ? this.shift[c] : 0) + m / n);
    return { gram, mean, finite: this.finite, finiteCount: this.finiteCount };
  }
}
