/**
 * The spectrum panel's alignment A_k at every layer (issue 17): does the alignment of the hidden
 * state with the document's predictive-similarity eigenspectrum appear only at the end? For layer l
 * the hidden state is the head's input when that layer's residual stream is decoded (the final norm
 * of r_l, what the logit lens reads), so layer L is exactly the spectrum panel's h. The operator is
 * the document's, as the geometry built it (same kernel, side, spectrum windows and eigenvalues
 * λ_j); per layer, h is reduced to its r_H principal components by the same dimension guard and
 * seed, and A_k = Σ_{j≤k} ρ_j / Σ_{j≤k} λ_j with ρ_j the eigenvalues of Qᵀ M Q. Exact arithmetic;
 * reading it, as for the final layer, needs the nulls (computed at the final layer only).
 */
import { windowSeed } from '../geometry/computeGeometry';
import { symmetricEigenvalues } from '../geometry/eigen';
import { CentredFactor } from '../geometry/factor';
import { hiddenBasis } from '../geometry/hiddenBasis';
import { buildKernelFactor } from '../geometry/kernels';
import { seededRandom } from '../geometry/random';
import { gram, jsProducts, matrix, runLinalg, type Products } from '../geometry/products';
import { planSpectrumWindows, sliceInput } from '../geometry/spectrumWindows';
import { taskSeed } from '../geometry/steps';
import type { GeometryInput, KernelName, KernelSide } from '../geometry/types';
import type { LayerAlignment } from './types';

export interface LayerAlignmentOptions {
  kernel: KernelName;
  side: KernelSide;
  seed: number;
  /** The dimension guard's cap (the geometry's default 128). */
  maxHiddenDims?: number;
  /** The geometry's spectrum-window plan (defaults as computeGeometry's). */
  maxWindowTokens?: number;
  windowTokens?: number;
  windowOverlap?: number;
}

/**
 * `layers[l]`: the head's input at layer l for every token of `input` (T × d, float32).
 * `eigenvalues[w]`: λ_j of spectrum window w, as the geometry computed them. `products`: who
 * multiplies (core/geometry/products.ts; the JavaScript kernel unless the caller has a faster one).
 */
export function layerAlignment(input: GeometryInput, layers: readonly Float32Array[], d: number, eigenvalues: readonly number[][], options: LayerAlignmentOptions,
  products: Products = jsProducts): LayerAlignment {
  const T = input.targets.length;
  const maxWindow = options.maxWindowTokens ?? 4096;
  const windows = planSpectrumWindows(T, maxWindow >= T ? T : options.windowTokens ?? 2048, options.windowOverlap ?? 512);
  if (windows.length !== eigenvalues.length) throw new Error(`layer alignment: ${eigenvalues.length} eigenvalue sets for ${windows.length} spectrum windows`);
  const cap = options.maxHiddenDims ?? 128;
  const perWindow: Array<Array<number[] | null>> = [];
  const hiddenDims: number[] = layers.map(() => 0);
  windows.forEach((w, i) => {
    const slice = windows.length === 1 ? input : sliceInput(input, w.start, w.end);
    const cf = new CentredFactor(buildKernelFactor(slice, options.kernel, options.side).factor);
    const Tw = w.end - w.start;
    perWindow.push(layers.map((h, l) => {
      const basis = runLinalg(hiddenBasis({ data: h.subarray(w.start * d, w.end * d), d }, Tw, cap, seededRandom(taskSeed(windowSeed(options.seed, i), 1))), products);
      if (i === 0) hiddenDims[l] = basis.r;
      if (basis.r === 0) return null;
      const r = basis.r;
      // ρ_j: eigenvalues of (Bᵀ B) / T_w with B = Fᵀ Q (cols × r), Qᵀ M Q's nonzero spectrum.
      const b = runLinalg(cf.tmul(basis.q, r), products);
      const overlap = runLinalg(gram(matrix(b, cf.cols, r), true), products);
      for (let x = 0; x < overlap.length; x++) overlap[x] /= Tw;
      const rho = Array.from(symmetricEigenvalues(overlap, r), x => Math.max(0, x));
      const lambda = eigenvalues[i];
      const Ak: number[] = [];
      let sumRho = 0;
      let sumLambda = 0;
      for (let k = 0; k < Math.min(lambda.length, r); k++) {
        sumRho += rho[k];
        sumLambda += lambda[k];
        Ak.push(sumLambda > 0 ? sumRho / sumLambda : 0);
      }
      return Ak;
    }));
  });
  const constant: number[] = [];
  const Ak = layers.map((_, l) => {
    const present = perWindow.map(x => x[l]).filter((a): a is number[] => a !== null);
    if (present.length === 0) { constant.push(l); return []; }
    const n = Math.min(...present.map(a => a.length));
    return Array.from({ length: n }, (_, k) => present.reduce((s, a) => s + a[k], 0) / present.length);
  });
  return {
    Ak, hiddenDims, kernel: options.kernel, side: options.side, windows: windows.length, provenance: 'exact',
    note: constant.length ? `layers ${constant.join(', ')}: the hidden states are constant over the document, so there is no alignment to measure` : null,
  };
}
