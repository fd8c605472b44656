/**
 * The one hot kernel of the geometry code: out += A·Bᵀ for row-major A (a×L) and B (b×L), each
 * entry a dot product over contiguous memory. Products of the form Xᵀ Y (T×m by T×r) go through it
 * with both sides transposed, X Y with Y transposed. A 2×4 register block keeps eight running sums
 * in registers (six loads per eight multiply-adds instead of a load and a store per one in the
 * axpy form), and the length is cut into chunks so the rows in use stay in cache. Exact float64
 * arithmetic; only the summation order differs from a plain loop (rounding-level differences).
 * The one exception, shiftedCrossProducts32, uses float32 products (an approximation, ~1e-6).
 */

import { reserveWasm, WasmAbt } from './wasmKernel';

/** Length of the chunk of each row processed together (rows of 2 KB). */
const CHUNK = 256;

export interface RowsView {
  data: Float64Array;
  rows: number;
  /** Distance between consecutive rows. */
  stride: number;
  /** Index of element 0 of row 0 in `data`. */
  offset: number;
}

/** Below this many multiply-adds the copy into wasm memory is not worth it. */
const WASM_MIN_WORK = 1 << 16;

/**
 * out[i·outStride + k] += Σ_{l<length} A[i][l] · B[k][l]. With `upper` (A = B, a Gram matrix) only
 * the blocks on or above the diagonal are computed (some entries just below it too); callers mirror.
 * Runs on wasm SIMD when available (operands copied into its memory), else in JavaScript.
 */
export function addABt(a: RowsView, b: RowsView, length: number, out: Float64Array, outStride: number, upper = false): void {
  const wasm = a.rows * b.rows * length >= WASM_MIN_WORK ? reserveWasm((a.rows + b.rows) * length + a.rows * b.rows) : null;
  if (!wasm) {
    addABtJs(a, b, length, out, outStride, upper, true);
    return;
  }
  const { heap } = wasm;
  const bOffset = a.rows * length;
  const outOffset = bOffset + b.rows * length;
  pack(a, length, heap, 0);
  pack(b, length, heap, bOffset);
  heap.fill(0, outOffset, outOffset + a.rows * b.rows);
  addABtWasm(wasm, rowsOf(heap, a.rows, length), { data: heap, rows: b.rows, stride: length, offset: bOffset }, length, outOffset, b.rows, upper);
  for (let i = 0; i < a.rows; i++) for (let k = 0; k < b.rows; k++) out[i * outStride + k] += heap[outOffset + i * b.rows + k];
}

/** addABt on operands already in wasm memory (views on `wasm.heap`), out at heap[outOffset…]. */
export function addABtWasm(wasm: WasmAbt, a: RowsView, b: RowsView, length: number, outOffset: number, outStride: number, upper = false): void {
  for (let l0 = 0; l0 < length; l0 += CHUNK) {
    const n = Math.min(CHUNK, length - l0);
    wasm.abt(8 * (a.offset + l0), a.rows, 8 * a.stride, 8 * (b.offset + l0), b.rows, 8 * b.stride, n, 8 * outOffset, 8 * outStride, upper ? 1 : 0);
  }
  // The edges the 2×4 blocks leave: the last columns of each row pair and an odd last row.
  addABtJs(a, b, length, wasm.heap.subarray(outOffset), outStride, upper, false);
}

/** addABt in plain JavaScript only (the fallback without wasm SIMD; tests compare the two). */
export function addABtScalar(a: RowsView, b: RowsView, length: number, out: Float64Array, outStride: number, upper = false): void {
  addABtJs(a, b, length, out, outStride, upper, true);
}

/** The JavaScript kernel; `blocks` false computes only the edges outside whole 2×4 blocks. */
function addABtJs(a: RowsView, b: RowsView, length: number, out: Float64Array, outStride: number, upper: boolean, blocks: boolean): void {
  for (let l0 = 0; l0 < length; l0 += CHUNK) {
    const n = Math.min(CHUNK, length - l0);
    let i = 0;
    for (; i + 1 < a.rows; i += 2) {
      const a0 = a.offset + i * a.stride + l0;
      const a1 = a0 + a.stride;
      let k = upper ? i - (i % 4) : 0;
      for (; k + 3 < b.rows; k += 4) if (blocks) block2x4(a.data, a0, a1, b.data, b.offset + k * b.stride + l0, b.stride, n, out, i * outStride + k, outStride);
      for (; k < b.rows; k++) {
        const bk = b.offset + k * b.stride + l0;
        out[i * outStride + k] += dot(a.data, a0, b.data, bk, n);
        out[(i + 1) * outStride + k] += dot(a.data, a1, b.data, bk, n);
      }
    }
    for (; i < a.rows; i++) {
      const ai = a.offset + i * a.stride + l0;
      for (let k = upper ? i : 0; k < b.rows; k++) out[i * outStride + k] += dot(a.data, ai, b.data, b.offset + k * b.stride + l0, n);
    }
  }
}

/** Copies the first `length` entries of each row of `view` into heap[offset…], rows contiguous. */
function pack(view: RowsView, length: number, heap: Float64Array, offset: number): void {
  for (let i = 0; i < view.rows; i++) {
    const from = view.offset + i * view.stride;
    heap.set(view.data.subarray(from, from + length), offset + i * length);
  }
}

function block2x4(x: Float64Array, a0: number, a1: number, y: Float64Array, b0: number, bStride: number, n: number, out: Float64Array, o: number, outStride: number): void {
  const b1 = b0 + bStride;
  const b2 = b1 + bStride;
  const b3 = b2 + bStride;
  let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
  for (let l = 0; l < n; l++) {
    const u0 = x[a0 + l];
    const u1 = x[a1 + l];
    const v0 = y[b0 + l];
    const v1 = y[b1 + l];
    const v2 = y[b2 + l];
    const v3 = y[b3 + l];
    s00 += u0 * v0; s01 += u0 * v1; s02 += u0 * v2; s03 += u0 * v3;
    s10 += u1 * v0; s11 += u1 * v1; s12 += u1 * v2; s13 += u1 * v3;
  }
  out[o] += s00; out[o + 1] += s01; out[o + 2] += s02; out[o + 3] += s03;
  const o1 = o + outStride;
  out[o1] += s10; out[o1 + 1] += s11; out[o1 + 2] += s12; out[o1 + 3] += s13;
}

function dot(x: Float64Array, xo: number, y: Float64Array, yo: number, n: number): number {
  let s = 0;
  for (let l = 0; l < n; l++) s += x[xo + l] * y[yo + l];
  return s;
}

/** Transpose of a row-major n×m matrix (m×n), in 32×32 tiles so the strided writes stay in cache. */
export function transpose(a: Float64Array, n: number, m: number, out: Float64Array = new Float64Array(n * m)): Float64Array {
  const tile = 32;
  for (let i0 = 0; i0 < n; i0 += tile) {
    const i1 = Math.min(n, i0 + tile);
    for (let j0 = 0; j0 < m; j0 += tile) {
      const j1 = Math.min(m, j0 + tile);
      // A tall input (n ≥ m) is written row by row of the output: its rows are n doubles long, a
      // power of two for T = 4096, and scattered writes along a column keep hitting the same cache sets.
      if (n >= m) {
        for (let j = j0; j < j1; j++) {
          const row = j * n;
          for (let i = i0; i < i1; i++) out[row + i] = a[i * m + j];
        }
      } else {
        for (let i = i0; i < i1; i++) {
          const row = i * m;
          for (let j = j0; j < j1; j++) out[j * n + i] = a[row + j];
        }
      }
    }
  }
  return out;
}

/** Whole rows of a row-major matrix as a view. */
export function rowsOf(data: Float64Array, rows: number, length: number): RowsView {
  return { data, rows, stride: length, offset: 0 };
}

/** out (m×r) = Xᵀ Y for X (T×m) and Y (T×r), given as xT (m×T) and yT (r×T). */
export function crossProductT(xT: Float64Array, m: number, yT: Float64Array, r: number, T: number, out: Float64Array = new Float64Array(m * r)): Float64Array {
  out.fill(0, 0, m * r);
  addABt(rowsOf(xT, m, T), rowsOf(yT, r, T), T, out, r);
  return out;
}

/** Gram matrix XᵀX (m×m) of X (T×m), given as xT (m×T). */
export function gramT(xT: Float64Array, m: number, T: number): Float64Array {
  const g = new Float64Array(m * m);
  const view = rowsOf(xT, m, T);
  addABt(view, view, T, g, m, true);
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) g[j * m + i] = g[i * m + j];
  return g;
}

/** out (T×r) = X (T×m) · Y (m×r), with Y given as yT (r×m). */
export function productT(x: Float64Array, T: number, m: number, yT: Float64Array, r: number, out: Float64Array = new Float64Array(T * r)): Float64Array {
  out.fill(0, 0, T * r);
  addABt(rowsOf(x, T, m), rowsOf(yT, r, m), m, out, r);
  return out;
}

/**
 * C_s (K×r) = Uᵀ roll(Q, s) for each shift s, roll moving row t of Q to row t + s (mod T), from
 * uT (K×T) and qT (r×T): two contiguous segments (see shiftSegments). U and Q are copied into wasm
 * memory once for all shifts; `visit` gets each C_s in `out` (overwritten by the next shift) and
 * must not use the wasm kernel itself (it would overwrite U and Q there).
 */
export function shiftedCrossProductsT(
  uT: Float64Array, K: number, qT: Float64Array, r: number, T: number, shifts: readonly number[],
  visit: (c: Float64Array, index: number) => void, out: Float64Array = new Float64Array(K * r),
): void {
  const wasm = reserveWasm((K + r) * T + K * r);
  const heap = wasm ? wasm.heap : null;
  if (heap) { heap.set(uT.subarray(0, K * T), 0); heap.set(qT.subarray(0, r * T), K * T); }
  const u: RowsView = heap ? { data: heap, rows: K, stride: T, offset: 0 } : rowsOf(uT, K, T);
  const q: RowsView = heap ? { data: heap, rows: r, stride: T, offset: K * T } : rowsOf(qT, r, T);
  const outOffset = (K + r) * T;
  shifts.forEach((shift, index) => {
    if (heap) heap.fill(0, outOffset, outOffset + K * r); else out.fill(0, 0, K * r);
    for (const [uStart, qStart, length] of shiftSegments(shift, T)) {
      const uSeg = { ...u, offset: u.offset + uStart };
      const qSeg = { ...q, offset: q.offset + qStart };
      if (wasm) addABtWasm(wasm, uSeg, qSeg, length, outOffset, r); else addABt(uSeg, qSeg, length, out, r);
    }
    if (heap) out.set(heap.subarray(outOffset, outOffset + K * r));
    visit(out, index);
  });
}

/**
 * C_s (K×r) = Uᵀ roll(Q, s) for each shift, as shiftedCrossProductsT but from the row-major U (T×K)
 * and Q (T×r), with float32 products: an approximation. U and Q are rounded to float32 once
 * (relative 2⁻²⁴) into wasm memory; cross32 keeps one f32x4 lane per entry of a 4×8 block (four
 * splat U values against two Q vectors per row: six loads per eight vector multiply-adds, like
 * abt's 2×4 block, at twice the lanes) and sums float32 products over chunks of ≤ CHUNK rows,
 * the chunk sums in float64, so the error stays ~1e-7 to 1e-6 of Σ|u·q| instead of growing with T.
 * The entries outside whole 4×8 blocks (K mod 4 rows, r mod 8 columns) are exact float64. Without
 * wasm SIMD, or with `useWasm` false (tests), it is the float64 JavaScript kernel. Same `visit`
 * contract as shiftedCrossProductsT; `order` lists the indices of `shifts` to compute (all, in order,
 * by default), and may be produced lazily (claimed shifts, nulls.ts).
 */
export function shiftedCrossProducts32(
  u: Float64Array, K: number, q: Float64Array, r: number, T: number, shifts: readonly number[],
  visit: (c: Float64Array, index: number) => void, out: Float64Array = new Float64Array(K * r), useWasm = true,
  order: Iterable<number> = shifts.keys(),
): void {
  // Layout in wasm memory: U then Q as float32s, then C as float64s from the next 8-byte boundary.
  const outOffset = Math.ceil(((K + r) * T) / 2);
  const wasm = useWasm ? reserveWasm(outOffset + K * r) : null;
  if (!wasm) {
    const uT = rowsOf(transpose(u, T, K), K, T);
    const qT = rowsOf(transpose(q, T, r), r, T);
    for (const index of order) {
      out.fill(0, 0, K * r);
      for (const [uStart, qStart, length] of shiftSegments(shifts[index], T)) addABtScalar({ ...uT, offset: uStart }, { ...qT, offset: qStart }, length, out, r);
      visit(out, index);
    }
    return;
  }
  wasm.heap32.set(u.subarray(0, T * K), 0);
  wasm.heap32.set(q.subarray(0, T * r), K * T);
  const blockRows = K - (K % 4);
  const blockColumns = r - (r % 8);
  for (const index of order) {
    const c = wasm.heap.subarray(outOffset, outOffset + K * r);
    c.fill(0);
    for (const [uStart, qStart, length] of shiftSegments(shifts[index], T)) {
      for (let l0 = 0; l0 < length; l0 += CHUNK) {
        wasm.cross32(4 * (uStart + l0) * K, 4 * K, 4 * (K * T + (qStart + l0) * r), 4 * r, Math.min(CHUNK, length - l0), K, r, 8 * outOffset, 8 * r);
      }
      if (blockRows < K || blockColumns < r) addEdges(u, K, q, r, uStart, qStart, length, c, blockRows, blockColumns);
    }
    out.set(c);
    visit(out, index);
  }
}

/** c[j][k] += Σ_l u[uStart + l][j] · q[qStart + l][k] for the entries outside rows < blockRows × columns < blockColumns. */
function addEdges(
  u: Float64Array, K: number, q: Float64Array, r: number, uStart: number, qStart: number, length: number,
  c: Float64Array, blockRows: number, blockColumns: number,
): void {
  for (let l = 0; l < length; l++) {
    const ut = (uStart + l) * K;
    const qt = (qStart + l) * r;
    for (let j = 0; j < K; j++) {
      const x = u[ut + j];
      for (let k = j < blockRows ? blockColumns : 0; k < r; k++) c[j * r + k] += x * q[qt + k];
    }
  }
}

/**
 * The non-empty contiguous pieces of Uᵀ roll(Q, s) as [U start, Q start, length]: t ∈ [s, T)
 * against Q rows [0, T − s) and t ∈ [0, s) against Q rows [T − s, T).
 */
function shiftSegments(shift: number, T: number): Array<[number, number, number]> {
  const s = ((shift % T) + T) % T;
  const segments: Array<[number, number, number]> = [[s, 0, T - s], [0, T - s, s]];
  return segments.filter(([, , length]) => length > 0);
}

/** C (K×r) = Uᵀ roll(Q, shift) for one shift (see shiftedCrossProductsT). */
export function shiftedCrossProductT(uT: Float64Array, K: number, qT: Float64Array, r: number, T: number, shift: number, out: Float64Array = new Float64Array(K * r)): Float64Array {
  shiftedCrossProductsT(uT, K, qT, r, T, [shift], () => undefined, out);
  return out;
}
