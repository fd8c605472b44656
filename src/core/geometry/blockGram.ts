/**
 * Σ_t x_t x_tᵀ over rows that arrive in order, summed in blocks of BLOCK rows aligned to row 0, each
 * block's Gram one product (a Linalg step, products.ts). However the rows are split into calls, the
 * same blocks are summed in the same order, so a Gram built while rows stream in on another thread
 * equals the one built from all rows at once, bit for bit.
 */
import { gram, Linalg } from './products';

/** Rows per block: few enough products that handing each over costs nothing (bench/geometryKernels.ts). */
const BLOCK = 1024;

export class BlockGram {
  /** The running sum (symmetric). */
  private readonly sums: Float64Array;
  /** The current block, row-major (BLOCK × d). */
  private readonly block: Float64Array;
  private filled = 0;

  constructor(readonly d: number) {
    this.sums = new Float64Array(d * d);
    this.block = new Float64Array(BLOCK * d);
  }

  /** The next row; `value(c)` gives its entry c. True when the block is full: `flush` before the next push. */
  push(value: (c: number) => number): boolean {
    const row = this.filled * this.d;
    for (let c = 0; c < this.d; c++) this.block[row + c] = value(c);
    return ++this.filled === BLOCK;
  }

  /** The symmetric d×d sum of every row pushed so far (a partial last block included). */
  *result(): Linalg<Float64Array> {
    yield* this.flush();
    return Float64Array.from(this.sums);
  }

  /** Adds the current block's Gram to the sum. */
  *flush(): Linalg<void> {
    if (this.filled === 0) return;
    const g = yield* gram({ data: this.block, rows: this.filled, cols: this.d }, true);
    for (let i = 0; i < g.length; i++) this.sums[i] += g[i];
    this.filled = 0;
  }
}
