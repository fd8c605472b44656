/**
 * Microbenchmark of the geometry's dense kernels at the default sizes (T = 4,096 tokens, top-k 10,
 * d = 192): the eigensolver on a 192×192 Gram (top 128 and top 32 vectors, eigenvalues only), the
 * prototype factor ḡ_t, the per-token pullback trace, and the factor Grams. Best of N runs each
 * (the least disturbed by other load on the machine). Synthetic but realistic inputs: Zipf-like
 * top-k ids over an 8,192-token vocabulary, float32 head rows, power-law Gram spectra.
 *
 *   node out/bench/geometryKernels.js [--runs N] [--only NAME]
 */
import { symmetricEigenTop, symmetricEigenvalues } from '../src/core/geometry/eigen';
import { CentredFactor, DenseFactor } from '../src/core/geometry/factor';
import { buildKernelFactor, HeadIndex } from '../src/core/geometry/kernels';
import { gaussian, seededRandom } from '../src/core/geometry/random';
import { pullbackTrace } from '../src/core/geometry/tokenMetrics';
import { gatherHeadRows, headRowIds } from '../src/core/geometry/fromRecords';
import { GeometryInput } from '../src/core/geometry/types';
import { arg } from './lib';

const T = 4096;
const k = 10;
const d = 192;
const V = 8192;
const runs = Number(arg('runs') ?? 8);
const only = arg('only');

function best(name: string, f: () => unknown): void {
  if (only && !name.includes(only)) return;
  f(); // warm-up (JIT, wasm memory)
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    f();
    min = Math.min(min, performance.now() - start);
  }
  console.log(`${name.padEnd(44)} ${min.toFixed(2).padStart(8)} ms (best of ${runs})`);
}

/** XᵀX/T for T×d Gaussian X with column scales (j+1)^(−power), rotated: a power-law spectrum. */
function powerLawGram(power: number, seed: number): Float64Array {
  const random = seededRandom(seed);
  const x = new Float64Array(T * d);
  for (let t = 0; t < T; t++) for (let j = 0; j < d; j++) x[t * d + j] = gaussian(random) * Math.pow(j + 1, -power);
  const g = new DenseFactor(x, T, d).gram();
  for (let i = 0; i < g.length; i++) g[i] /= T;
  return g;
}

function syntheticInput(): GeometryInput {
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
  const nan = new Float64Array(T);
  return { ...base, nll: nan, entropy: nan, head };
}

function main(): void {
  const hiddenGram = powerLawGram(0.75, 1);
  const operatorGram = powerLawGram(1.5, 2);
  best('eigenTop 192×192 hidden-state Gram, top 128', () => symmetricEigenTop(hiddenGram, d, 128));
  best('eigenTop 192×192 operator Gram, top 32', () => symmetricEigenTop(operatorGram, d, 32));
  best('eigenvalues only 192×192', () => symmetricEigenvalues(hiddenGram, d));

  const input = syntheticInput();
  best('prototypeFactor T=4096 k=10 d=192', () => buildKernelFactor(input, 'prototype', 'model'));
  for (const withNorms of [false, true]) {
    // As computeGeometry's tracePerToken: today (own index, norms recomputed) and as proposed
    // (the index prototypeFactor already built, HeadIndex.of, and its normSq).
    best(`pullback trace per token, ${withNorms ? 'HeadIndex.of + normSq' : 'new HeadIndex, norms recomputed'}`, () => {
      const head = withNorms ? HeadIndex.of(input.head!) : new HeadIndex(input.head!);
      const { rows } = input.head!;
      const { rowStart, ids, probs } = input.top;
      const out = new Float64Array(T);
      const scratch = new Float64Array(d);
      const norms = withNorms ? head.normSq : undefined;
      for (let t = 0; t < T; t++) {
        const s = rowStart[t];
        out[t] = pullbackTrace(ids.subarray(s, rowStart[t + 1]), probs.subarray(s, rowStart[t + 1]), rowStart[t + 1] - s, id => head.row(id), rows, d, scratch, norms);
      }
      return out;
    });
  }
  const factor = buildKernelFactor(input, 'prototype', 'model').factor as DenseFactor;
  best('DenseFactor.gram 4096×192 (incl. making Fᵀ)', () => new DenseFactor(factor.data, T, d).gram());
  factor.transposed();
  best('DenseFactor.gram 4096×192 (Fᵀ cached)', () => factor.gram());
  best('CentredFactor.gram 4096×192', () => new CentredFactor(new DenseFactor(factor.data, T, d)).gram());
}

main();
