/**
 * The products swap of issue 15, measured once before it was made: the geometry's products as they
 * ran then (the hand-written wasm SIMD kernel, blocked.ts, with its special cases: the Gram's upper
 * triangle only, Fᵀ cached, the shift nulls in float32) against ONNX Runtime's float64 GEMM on the
 * same thread (src/model/geometry/ortProducts.ts, 1 and 2 intra-op threads) and the plain JavaScript
 * kernel, at the bundled model's sizes (T = 4,096, d = 192, r up to 384) and GPT-2 small's (d = 768).
 * Variants run round-robin, best of N each (the least disturbed by other load); ratios are wasm / other.
 *
 *   node out/bench/productsSwap.js [--runs N]
 */
import { loadavg } from 'node:os';
import { crossProductT, productT, shiftedCrossProducts32, transpose } from '../src/core/geometry/blocked';
import { BlockGram } from '../src/core/geometry/blockGram';
import { symmetricEigenTop } from '../src/core/geometry/eigen';
import { DenseFactor } from '../src/core/geometry/factor';
import { jsProducts, type AsyncProducts, type Matrix } from '../src/core/geometry/products';
import { gaussian, seededRandom } from '../src/core/geometry/random';
import { OrtProducts } from '../src/model/geometry/ortProducts';
import { arg } from './lib';

const runs = Number(arg('runs') ?? 5);
const T = 4096;

function randomMatrix(rows: number, cols: number, seed: number): Float64Array {
  const r = seededRandom(seed);
  return Float64Array.from({ length: rows * cols }, () => gaussian(r));
}

async function compare(name: string, variants: Record<string, () => unknown>): Promise<void> {
  const names = Object.keys(variants);
  const best: Record<string, number> = {};
  for (const n of names) { await variants[n](); best[n] = Infinity; }
  for (let i = 0; i < runs; i++) for (const n of names) {
    const t = performance.now();
    await variants[n]();
    best[n] = Math.min(best[n], performance.now() - t);
  }
  const base = best[names[0]];
  console.log(`${name.padEnd(50)} ${names.map(n => `${n} ${best[n].toFixed(2)} ms${n === names[0] ? '' : ` (${(base / best[n]).toFixed(2)}x)`}`).join('  ')}`);
}

const mat = (data: Float64Array, rows: number, cols: number): Matrix => ({ data, rows, cols });

/** C_s = Uᵀ roll(Q, s) for the shifts, `batch` shifts per product: rows (s, j) of A' are row j of Uᵀ rotated by s. */
async function stackedShifts(p: AsyncProducts, uT: Float64Array, K: number, q: Float64Array, r: number, shifts: number[], batch: number): Promise<void> {
  const stacked = new Float64Array(batch * K * T);
  for (let s0 = 0; s0 < shifts.length; s0 += batch) {
    const count = Math.min(batch, shifts.length - s0);
    for (let b = 0; b < count; b++) {
      const s = ((shifts[s0 + b] % T) + T) % T;
      for (let j = 0; j < K; j++) {
        const row = (b * K + j) * T;
        stacked.set(uT.subarray(j * T + s, (j + 1) * T), row);
        stacked.set(uT.subarray(j * T, j * T + s), row + T - s);
      }
    }
    await p.gemm({ a: mat(stacked, count * K, T), transA: false, b: mat(q, T, r), transB: false });
  }
}

async function main(): Promise<void> {
  const ort1 = new OrtProducts(1, 0);
  const ort2 = new OrtProducts(2, 0);
  console.log(`load average ${loadavg().map(x => x.toFixed(2)).join(' ')}; best of ${runs}; ratios = wasm / other`);
  const three = (a: Matrix, ta: boolean, b: Matrix, tb: boolean) => ({
    ort1: () => ort1.gemm({ a, transA: ta, b, transB: tb }),
    ort2: () => ort2.gemm({ a, transA: ta, b, transB: tb }),
    js: () => jsProducts.gemm({ a, transA: ta, b, transB: tb }),
  });
  for (const m of [192, 384, 768]) {
    const F = randomMatrix(T, m, m);
    const dense = new DenseFactor(F, T, m);
    const FT = dense.transposed();
    const f = mat(F, T, m);
    await compare(`Gram FᵀF, F ${T}×${m}`, { wasm: () => dense.gram(), ...three(f, true, f, false) });
    for (const r of [32, 128]) {
      const X = randomMatrix(m, r, r);
      await compare(`F·X, ${T}×${m} · ${m}×${r}`, { wasm: () => productT(F, T, m, transpose(X, m, r), r), ...three(f, false, mat(X, m, r), false) });
    }
    const Q = randomMatrix(T, 128, 3);
    const QT = transpose(Q, T, 128);
    await compare(`Fᵀ·Q, (${T}×${m})ᵀ · ${T}×128`, { wasm: () => crossProductT(FT, m, QT, 128, T), ...three(f, true, mat(Q, T, 128), false) });
    const blocks = (p: AsyncProducts, rows: number) => async () => {
      const sums = new Float64Array(m * m);
      for (let t0 = 0; t0 < T; t0 += rows) {
        const block = mat(F.subarray(t0 * m, (t0 + rows) * m), rows, m);
        const c = await p.gemm({ a: block, transA: true, b: block, transB: false });
        for (let i = 0; i < c.length; i++) sums[i] += c[i];
      }
    };
    await compare(`hidden Gram in row blocks (256; ort 256/1024), d ${m}`, {
      wasm: () => { const g = new BlockGram(m); for (let t = 0; t < T; t++) g.push(c => F[t * m + c]); return g.result(); },
      ort1: blocks(ort1, 256), ort1x1024: blocks(ort1, 1024), ort2: blocks(ort2, 256), js: blocks(jsProducts, 256),
    });
  }
  for (const [n, count] of [[192, 32], [192, 128], [384, 32]]) {
    const x = randomMatrix(T, n, n + 1);
    const g = new DenseFactor(x, T, n).gram();
    await compare(`eigenTop ${n}×${n}, top ${count} (back-transform products)`, {
      wasm: () => symmetricEigenTop(g, n, count),
    });
  }
  const K = 32, r = 128;
  const U = randomMatrix(T, K, 8), Q = randomMatrix(T, r, 9);
  const shifts = Array.from({ length: 51 }, (_, i) => (i * 797) % T);
  const uT = transpose(U, T, K);
  await compare(`shift nulls: 51 shifts, K ${K}, r ${r}`, {
    wasm32: () => shiftedCrossProducts32(U, K, Q, r, T, shifts, () => undefined),
    ort1x8: () => stackedShifts(ort1, uT, K, Q, r, shifts, 8), ort1x17: () => stackedShifts(ort1, uT, K, Q, r, shifts, 17),
    ort2x8: () => stackedShifts(ort2, uT, K, Q, r, shifts, 8), js: () => stackedShifts(jsProducts, uT, K, Q, r, shifts, 8),
  });
  for (const [a, l, b] of [[8, 64, 8], [16, 64, 16], [32, 64, 32], [32, 128, 64], [64, 256, 64]]) {
    const A = randomMatrix(a, l, 1), B = randomMatrix(b, l, 2);
    await compare(`small A·Bᵀ, ${a * l * b} multiply-adds`, {
      wasm: () => { const out = new Float64Array(a * b); crossProductT(A, a, B, b, l, out); return out; },
      ...three(mat(A, a, l), false, mat(B, b, l), true),
    });
  }
  await ort1.close();
  await ort2.close();
}

main().catch(e => { console.error(e); process.exitCode = 1; });
