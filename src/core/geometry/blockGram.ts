/**
 * Σ_t x_t x_tᵀ over rows that arrive in order, summed in blocks of BLOCK rows aligned to row 0
 * through the wasm kernel (blocked.ts). However the rows are split into calls, the same blocks are
 * summed in the same order, so a Gram built while rows stream in on another thread equals the one
 * built from all rows at once, bit for bit.
 */
import { addABt } from './blocked';

const BLOCK = 256;

export class BlockGram {
  /** Upper triangle (and some entries below it) of the running sum; see `result`. */
  private readonly sums: Float64Array;
  /** The current block, transposed: column c of the block is row c here (stride BLOCK). */
  private readonly block: Float64Array;
  private filled = 0;

  constructor(readonly d: number) {
    this.sums = new Float64Array(d * d);
    this.block = new Float64Array(d * BLOCK);
  }

  /** The next row; `value(c)` gives its entry c. */
  push(value: (c: number) => number): void {
    const column = this.filled;
    for (let c = 0; c < this.d; c++) this.block[c * BLOCK + column] = value(c);
    if (++this.filled === BLOCK) this.flush();
  }

  /** The symmetric d×d sum of every row pushed so far (a partial last block included). */
  result(): Float64Array {
    this.flush();
    const { d, sums } = this;
    const out = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = i; j < d; j++) {
      out[i * d + j] = sums[i * d + j];
      out[j * d + i] = sums[i * d + j];
    }
    return out;
  }

  private flush(): void {
    if (this.filled === 0) return;
    const view = { data: this.block, rows: this.d, stride: BLOCK, offset: 0 };
    addABt(view, view, this.filled, this.sums, this.d, true);
    this.filled = 0;
  }
}
