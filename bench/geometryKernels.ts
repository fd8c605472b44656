/**
 * Microbenchmark of the geometry's numerics at the bundled model's size (T = 4,096 tokens, top-k 10,
 * d = 192, V = 8,192; dense factors up to r = 384 columns) and at GPT-2 small's (d = 768, V = 50,257),
 * on synthetic but realistic inputs (Zipf-like top-k ids, float32 head rows, power-law spectra).
 * Variants run round-robin, best of N each (the least disturbed by other load on the machine), and
 * each row prints its ratios to the first variant, all from one run:
 *
 *  - products: ONNX Runtime's GEMM on this thread (src/model/geometry/ortProducts.ts; 1 and 2
 *    intra-op threads) against the JavaScript kernel (core/geometry/products.ts), for each product
 *    the geometry makes, and the small sizes where handing a product over stops paying;
 *  - eigensolver: the tridiagonal top-count solver (core/geometry/tridiagonal.ts) against ml-matrix's
 *    symmetric EigenvalueDecomposition, when ml-matrix is resolvable (it is not a dependency: run
 *    `npm install --no-save ml-matrix` first to include it);
 *  - geometry: computeGeometry end to end (eigenpairs, alignment, 50-shift nulls, per-token layers)
 *    with the engine's products against the JavaScript kernel, and with --baseline DIR against the
 *    computeGeometry of another build (DIR/out/src/core/geometry/computeGeometry.js, e.g. a checkout
 *    of main after `npm run compile-tests`) on the same input;
 *  - the prototype factor and the per-token pullback trace (no products).
 *
 *   node out/bench/geometryKernels.js [--runs N] [--only NAME] [--baseline DIR] [--size bundled|gpt2]
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { computeGeometry, geometrySteps, type GeometryResult } from '../src/core/geometry/computeGeometry';
import { symmetricEigenTop, symmetricEigenvalues } from '../src/core/geometry/eigen';
import { DenseFactor } from '../src/core/geometry/factor';
import { gatherHeadRows, headRowIds } from '../src/core/geometry/fromRecords';
import { buildKernelFactor, HeadIndex } from '../src/core/geometry/kernels';
import { shiftScores } from '../src/core/geometry/nulls';
import { jsProducts, runLinalg, runLinalgAsync, type AsyncProducts, type Linalg, type Matrix } from '../src/core/geometry/products';
import { gaussian, seededRandom } from '../src/core/geometry/random';
import { runStepsAsync } from '../src/core/geometry/steps';
import { pullbackTrace } from '../src/core/geometry/tokenMetrics';
import type { ComputeOptions, GeometryInput } from '../src/core/geometry/types';
import { OrtProducts } from '../src/model/geometry/ortProducts';
import { arg } from './lib';

const T = 4096;
const k = 10;
const runs = Number(arg('runs') ?? 5);
const only = arg('only');
const sizes = { bundled: { d: 192, V: 8192 }, gpt2: { d: 768, V: 50257 } };
type Size = keyof typeof sizes;

type Variant = () => unknown;

/** Runs the variants round-robin `runs` times after one warm-up each; prints the best times and ratios to the first. */
async function compare(name: string, variants: Record<string, Variant>): Promise<void> {
  if (only && !name.includes(only)) return;
  const names = Object.keys(variants);
  const best: Record<string, number> = {};
  for (const n of names) { await variants[n](); best[n] = Infinity; }
  for (let i = 0; i < runs; i++) for (const n of names) {
    const started = performance.now();
    await variants[n]();
    best[n] = Math.min(best[n], performance.now() - started);
  }
  const first = best[names[0]];
  const cells = names.map((n, i) => `${n} ${best[n].toFixed(2)} ms${i === 0 ? '' : ` (${(first / best[n]).toFixed(2)}x)`}`);
  console.log(`${name.padEnd(52)} ${cells.join('  ')}`);
}

function randomMatrix(rows: number, cols: number, seed: number, power = 0): Matrix {
  const random = seededRandom(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = gaussian(random) * Math.pow(j + 1, -power);
  return { data, rows, cols };
}

/** XᵀX/T for T×n Gaussian X with column scales (j+1)^(−power): a power-law spectrum. */
function powerLawGram(n: number, power: number, seed: number): Float64Array {
  const g = runLinalg(new DenseFactor(randomMatrix(T, n, seed, power).data, T, n).gram());
  for (let i = 0; i < g.length; i++) g[i] /= T;
  return g;
}

/** A document's geometry input: Zipf-like top-k slices with 10 % missing mass, float32 head rows, hidden states with a power-law spectrum. */
function syntheticInput(d: number, V: number): GeometryInput {
  const random = seededRandom(5);
  const rowStart = Int32Array.from({ length: T + 1 }, (_, t) => t * k);
  const ids = new Int32Array(T * k);
  const probs = new Float64Array(T * k);
  for (let t = 0; t < T; t++) {
    const seen = new Set<number>();
    let mass = 0.9;
    for (let e = 0; e < k; e++) {
      let id: number;
      do id = Math.floor(V * Math.pow(random(), 3)); while (seen.has(id));
      seen.add(id);
      ids[t * k + e] = id;
      const p = e === k - 1 ? mass : mass * (0.3 + 0.4 * random());
      probs[t * k + e] = p;
      mass -= p;
    }
  }
  const targets = Int32Array.from({ length: T }, (_, t) => ids[t * k + Math.floor(random() * k)]);
  const base = { targets, top: { rowStart, ids, probs } };
  const weight = Float32Array.from({ length: V * d }, () => 0.05 * gaussian(random));
  const head = gatherHeadRows(weight, d, headRowIds(base));
  const hidden = Float32Array.from(randomMatrix(T, d, 6, 0.5).data);
  const nll = Float64Array.from({ length: T }, () => 3 * random());
  const entropy = Float64Array.from({ length: T }, () => 3 * random());
  return { ...base, nll, entropy, varentropy: Float64Array.from(entropy), head, hidden: { data: hidden, d } };
}

const drive = <R>(steps: Linalg<R>, p: AsyncProducts) => runLinalgAsync(steps, p);

async function products(ort1: OrtProducts, ort2: OrtProducts): Promise<void> {
  console.log('\nproducts: ONNX Runtime on this thread (1 or 2 intra-op threads) vs the JavaScript kernel; ratios are js / other');
  const each = (a: Matrix, transA: boolean, b: Matrix, transB: boolean): Record<string, Variant> => ({
    js: () => jsProducts.gemm({ a, transA, b, transB }),
    ort1: () => ort1.gemm({ a, transA, b, transB }),
    ort2: () => ort2.gemm({ a, transA, b, transB }),
  });
  for (const m of [192, 384, 768]) {
    const f = randomMatrix(T, m, m);
    await compare(`Gram FᵀF, F ${T}×${m}`, each(f, true, f, false));
    for (const r of [32, 128]) await compare(`F·X, ${T}×${m} · ${m}×${r}`, each(f, false, randomMatrix(m, r, r), false));
    await compare(`Fᵀ·Q, (${T}×${m})ᵀ · ${T}×128`, each(f, true, randomMatrix(T, 128, 3), false));
  }
  const K = 32;
  const r = 128;
  const eig = { values: Float64Array.from({ length: K }, (_, j) => 1 / (j + 1)), vectors: randomMatrix(T, K, 8).data, count: K };
  const q = randomMatrix(T, r, 9).data;
  const basis = { q, r, singular: new Float64Array(r).fill(1), centred: new Float64Array(0), d: r, totalSq: r, capturedShare: 1, reduced: true, pcaConverged: true };
  const shifts = Array.from({ length: 51 }, (_, i) => (i * 797) % T);
  await compare(`shift nulls: 51 shifts, K ${K}, r ${r} (batches of 8)`, {
    js: () => runLinalg(shiftScores(eig, basis, shifts)),
    ort1: () => drive(shiftScores(eig, basis, shifts), ort1),
    ort2: () => drive(shiftScores(eig, basis, shifts), ort2),
  });
  for (const [n, count] of [[128, 8], [192, 32], [192, 128], [384, 32]]) {
    const g = powerLawGram(n, 0.75, n);
    await compare(`eigenTop ${n}×${n} top ${count} (back-transform products)`, {
      js: () => runLinalg(symmetricEigenTop(g, n, count)),
      ort1: () => drive(symmetricEigenTop(g, n, count), ort1),
      ort2: () => drive(symmetricEigenTop(g, n, count), ort2),
    });
  }
  const always = new OrtProducts(1, 0);
  for (const [a, l, b] of [[8, 64, 8], [16, 64, 16], [32, 64, 32], [32, 128, 32], [32, 128, 64], [64, 256, 64]]) {
    const x = randomMatrix(a, l, 1);
    const y = randomMatrix(b, l, 2);
    await compare(`small A·Bᵀ, ${a * l * b} multiply-adds`, {
      js: () => jsProducts.gemm({ a: x, transA: false, b: y, transB: true }),
      ort1: () => always.gemm({ a: x, transA: false, b: y, transB: true }),
    });
  }
  await always.close();
}

async function eigensolver(): Promise<void> {
  let ml: { Matrix: new (rows: number[][]) => unknown; EigenvalueDecomposition: new (m: unknown, o: { assumeSymmetric: boolean }) => unknown } | null = null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional: not a dependency
    ml = require('ml-matrix');
  } catch {
    console.log('\neigensolver: ml-matrix is not installed (npm install --no-save ml-matrix to compare)');
  }
  console.log(`\neigensolver: the tridiagonal solver (top-count vectors; all of them) vs ml-matrix's EigenvalueDecomposition (all vectors); ratios are ours-top / other`);
  for (const [n, count] of [[32, 0], [128, 8], [192, 32], [192, 128], [384, 32]]) {
    const g = powerLawGram(n, 0.75, n);
    const variants: Record<string, Variant> = count
      ? { ours: () => runLinalg(symmetricEigenTop(g, n, count)), oursAll: () => runLinalg(symmetricEigenTop(g, n, n)) }
      : { ours: () => symmetricEigenvalues(g, n) };
    if (ml) {
      const rows = Array.from({ length: n }, (_, i) => Array.from(g.subarray(i * n, (i + 1) * n)));
      const matrix = new ml.Matrix(rows);
      variants['ml-matrix'] = () => new ml!.EigenvalueDecomposition(matrix, { assumeSymmetric: true });
    }
    await compare(`symmetric ${n}×${n}, ${count ? `top ${count} vectors` : 'eigenvalues only'}`, variants);
  }
}

type Geometry = (input: GeometryInput, options: ComputeOptions) => GeometryResult | Promise<GeometryResult>;

async function geometry(size: Size, ort1: OrtProducts, ort2: OrtProducts): Promise<void> {
  const { d, V } = sizes[size];
  const input = syntheticInput(d, V);
  const options: ComputeOptions = { eigenpairs: 32, shifts: 50, seed: 1 };
  const variants: Record<string, Variant> = {};
  const baseline = arg('baseline');
  if (baseline) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- another build's module, found at run time
    const before = (require(join(baseline, 'out', 'src', 'core', 'geometry', 'computeGeometry.js')) as { computeGeometry: Geometry }).computeGeometry;
    variants.baseline = () => before(input, options);
  }
  variants.js = () => computeGeometry(input, options);
  variants.ort1 = () => runStepsAsync(geometrySteps(input, options), ort1);
  variants.ort2 = () => runStepsAsync(geometrySteps(input, options), ort2);
  console.log(`\ngeometry, ${size} size (T ${T}, d ${d}, V ${V}, k ${k}): computeGeometry, one thread; ratios are ${baseline ? 'baseline' : 'js'} / other`);
  await compare(`computeGeometry, 32 eigenpairs, 50 shifts, d ${d}`, variants);
}

async function tokenKernels(): Promise<void> {
  const { d, V } = sizes.bundled;
  const input = syntheticInput(d, V);
  const best = (name: string, f: () => unknown) => compare(name, { best: f });
  await best('prototypeFactor T=4096 k=10 d=192', () => buildKernelFactor(input, 'prototype', 'model'));
  await best('pullback trace per token (HeadIndex.of + normSq)', () => {
    const head = HeadIndex.of(input.head!);
    const { rows } = input.head!;
    const { rowStart, ids, probs } = input.top;
    const out = new Float64Array(T);
    const scratch = new Float64Array(d);
    for (let t = 0; t < T; t++) {
      const s = rowStart[t];
      out[t] = pullbackTrace(ids.subarray(s, rowStart[t + 1]), probs.subarray(s, rowStart[t + 1]), rowStart[t + 1] - s, id => head.row(id), rows, d, scratch, head.normSq);
    }
    return out;
  });
}

async function main(): Promise<void> {
  console.log(`load average ${loadavg().map(x => x.toFixed(2)).join(' ')}; best of ${runs}`);
  const ort1 = new OrtProducts(1);
  const ort2 = new OrtProducts(2);
  try {
    await products(ort1, ort2);
    await eigensolver();
    const size = arg('size');
    for (const s of Object.keys(sizes) as Size[]) if (!size || size === s) await geometry(s, ort1, ort2);
    console.log('\nper-token kernels (no products)');
    await tokenKernels();
  } finally {
    await ort1.close();
    await ort2.close();
  }
  console.log(`\nload average at the end ${loadavg().map(x => x.toFixed(2)).join(' ')}`);
}

main().catch(e => {
  console.error(e);
  process.exitCode = 1;
});
