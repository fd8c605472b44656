/**
 * The dense matrix products of the geometry, C = op(A)·op(B) on row-major float64 matrices, and how
 * the geometry asks for them. Code that multiplies large matrices is written as a generator (`Linalg`)
 * that yields each product (`yield* gemm(...)`) and gets C back, so the caller decides where products
 * run: the engine answers them with ONNX Runtime's GEMM (src/model/geometry/ortProducts.ts: tuned,
 * multi-threaded, float64; bench/geometryKernels.ts measures it against this file's kernel), on the
 * thread that asked (its run is synchronous native code behind a promise), while pure callers (tests,
 * tools, `computeGeometry`) drive the same generators with `jsProducts`, the plain JavaScript kernel
 * below. Either way every entry is a float64 sum of the same products; only the summation order
 * differs (rounding-level differences).
 */

/** A row-major matrix: entry (i, j) at data[i·cols + j]; `data` may be longer than rows·cols. */
export interface Matrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

/** C = op(A)·op(B), op(X) = Xᵀ when its flag is set. */
export interface GemmRequest {
  a: Matrix;
  transA: boolean;
  b: Matrix;
  transB: boolean;
}

/** What a Linalg generator yields: one product to compute. */
export interface ProductStep {
  gemm: GemmRequest;
}

/** Linear algebra as steps: each product is yielded and C (m×n, row-major, a new array) sent back. */
export type Linalg<R> = Generator<ProductStep, R, unknown>;

/** Something that computes products: synchronously (`Products`) or, where it must, asynchronously. */
export interface AsyncProducts {
  gemm(request: GemmRequest): Float64Array | Promise<Float64Array>;
}

export interface Products extends AsyncProducts {
  gemm(request: GemmRequest): Float64Array;
}

export function matrix(data: Float64Array, rows: number, cols: number): Matrix {
  return { data, rows, cols };
}

/** C = op(A)·op(B), computed by whoever drives the steps. */
export function* gemm(a: Matrix, transA: boolean, b: Matrix, transB: boolean): Linalg<Float64Array> {
  productShape(a, transA, b, transB);
  return (yield { gemm: { a, transA, b, transB } }) as Float64Array;
}

/**
 * The Gram matrix AᵀA (`transA`) or AAᵀ, mirrored from its upper triangle so it is exactly
 * symmetric whoever computed it (a GEMM need not round C[i][j] and C[j][i] alike).
 */
export function* gram(a: Matrix, transA: boolean): Linalg<Float64Array> {
  const g = yield* gemm(a, transA, a, !transA);
  const n = transA ? a.cols : a.rows;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) g[j * n + i] = g[i * n + j];
  return g;
}

/** Drives `steps` to the end here, each product by `products` (default the JavaScript kernel). */
export function runLinalg<R>(steps: Linalg<R>, products: Products = jsProducts): R {
  let step = steps.next();
  while (!step.done) step = steps.next(products.gemm(step.value.gemm));
  return step.value;
}

/** Drives `steps` to the end, awaiting each product. */
export async function runLinalgAsync<R>(steps: Linalg<R>, products: AsyncProducts): Promise<R> {
  let step = steps.next();
  while (!step.done) step = steps.next(await products.gemm(step.value.gemm));
  return step.value;
}

/** The shape m×k·k×n of op(A)·op(B), checked. */
export function productShape(a: Matrix, transA: boolean, b: Matrix, transB: boolean): { m: number; k: number; n: number } {
  const [m, k] = transA ? [a.cols, a.rows] : [a.rows, a.cols];
  const [kb, n] = transB ? [b.cols, b.rows] : [b.rows, b.cols];
  if (k !== kb) throw new Error(`gemm: ${m}×${k} times ${kb}×${n}`);
  if (a.data.length < a.rows * a.cols || b.data.length < b.rows * b.cols) throw new Error(`gemm: operands shorter than ${a.rows}×${a.cols} and ${b.rows}×${b.cols}`);
  return { m, k, n };
}

/** Length of the chunk of each row processed together (rows of 2 KB stay in cache). */
const CHUNK = 256;

/**
 * The JavaScript kernel: op(A) and op(B)ᵀ are made row-contiguous (a transpose where needed), then
 * out += A'·B'ᵀ with a 2×4 register block (six loads per eight multiply-adds). A Gram (the same
 * operand on both sides, AᵀA or AAᵀ) computes the upper triangle only and mirrors it.
 */
export const jsProducts: Products = {
  gemm({ a, transA, b, transB }) {
    const { m, k, n } = productShape(a, transA, b, transB);
    const c = new Float64Array(m * n);
    const left = transA ? transpose(a.data, a.rows, a.cols) : a.data;
    const gram = a.data === b.data && a.rows === b.rows && a.cols === b.cols && transA !== transB;
    const right = gram ? left : transB ? b.data : transpose(b.data, b.rows, b.cols);
    addABt(left, m, right, n, k, c, gram);
    if (gram) for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) c[j * m + i] = c[i * m + j];
    return c;
  },
};

/**
 * out[i·n + j] += Σ_l A[i][l]·B[j][l] for row-major A (m×L) and B (n×L). With `upper` (A = B) only
 * the blocks on or above the diagonal are computed (some entries just below it too).
 */
function addABt(a: Float64Array, m: number, b: Float64Array, n: number, length: number, out: Float64Array, upper: boolean): void {
  for (let l0 = 0; l0 < length; l0 += CHUNK) {
    const w = Math.min(CHUNK, length - l0);
    let i = 0;
    for (; i + 1 < m; i += 2) {
      const a0 = i * length + l0;
      const a1 = a0 + length;
      let j = upper ? i - (i % 4) : 0;
      for (; j + 3 < n; j += 4) block2x4(a, a0, a1, b, j * length + l0, length, w, out, i * n + j, n);
      for (; j < n; j++) {
        const bj = j * length + l0;
        out[i * n + j] += dot(a, a0, b, bj, w);
        out[(i + 1) * n + j] += dot(a, a1, b, bj, w);
      }
    }
    for (; i < m; i++) {
      const ai = i * length + l0;
      for (let j = upper ? i : 0; j < n; j++) out[i * n + j] += dot(a, ai, b, j * length + l0, w);
    }
  }
}

function block2x4(x: Float64Array, a0: number, a1: number, y: Float64Array, b0: number, bStride: number, w: number, out: Float64Array, o: number, outStride: number): void {
  const b1 = b0 + bStride;
  const b2 = b1 + bStride;
  const b3 = b2 + bStride;
  let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
  for (let l = 0; l < w; l++) {
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

function dot(x: Float64Array, xo: number, y: Float64Array, yo: number, w: number): number {
  let s = 0;
  for (let l = 0; l < w; l++) s += x[xo + l] * y[yo + l];
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
