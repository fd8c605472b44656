/**
 * Cross-check against an independent numpy implementation (tools/geometry_reference.py, dense T×T
 * float64): the factor-form code must give the same spectra, alignment scores, A1, Z and ECE_H,
 * with its products on the JavaScript kernel (computeGeometry) and on ONNX Runtime's GEMM, every
 * product of any size handed over (what the engine uses).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeGeometry, geometrySteps, type GeometryResult } from '../../../src/core/geometry/computeGeometry';
import { runStepsAsync } from '../../../src/core/geometry/steps';
import { ComputeOptions, GeometryInput, KernelName, KernelSide } from '../../../src/core/geometry/types';
import { OrtProducts } from '../../../src/model/geometry/ortProducts';

const ref = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'geometry', 'reference.json'), 'utf8'));
const { T, V, d, eigenpairs } = ref;
const probs: number[] = ref.input.probs;
const input: GeometryInput = {
  targets: Int32Array.from(ref.input.targets),
  nll: Float64Array.from(ref.input.nll),
  entropy: Float64Array.from(ref.input.entropy),
  varentropy: Float64Array.from(ref.input.varentropy),
  rank: Int32Array.from(ref.input.rank),
  // Full distributions as "top-V" slices, in vocabulary order.
  top: {
    rowStart: Int32Array.from({ length: T + 1 }, (_, t) => t * V),
    ids: Int32Array.from({ length: T * V }, (_, i) => i % V),
    probs: Float64Array.from(probs),
  },
  hidden: { data: Float64Array.from(ref.input.hidden), d },
  head: { d, ids: Int32Array.from({ length: V }, (_, i) => i), rows: Float64Array.from(ref.input.W) },
};

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

const ort = new OrtProducts(1, 0);
after(() => ort.close());
const paths: Array<[string, (input: GeometryInput, options: ComputeOptions) => Promise<GeometryResult>]> = [
  ['JavaScript products', async (i, o) => computeGeometry(i, o)],
  ['ONNX Runtime products', (i, o) => runStepsAsync(geometrySteps(i, o), ort)],
];

for (const [name, geometry] of paths) {
  test(`spectra of every kernel and side match numpy (relative 1e-8), ${name}`, async () => {
    for (const [key, expected] of Object.entries(ref.expected.spectra as Record<string, number[]>)) {
      const [kernel, side] = key.split('-') as [KernelName, KernelSide];
      const r = await geometry({ ...input, hidden: undefined }, { kernel, side, eigenpairs, tolerance: 1e-14, maxIterations: 500 });
      // Rank-limited kernels (prototype: rank ≤ d) return fewer pairs; numpy's extra ones are zero.
      expected.forEach((x, j) => close(r.eigenvalues[j] ?? 0, x, 1e-8 * expected[0], `${key} λ${j + 1}`));
      assert.equal(r.eigenvalues.length, Math.min(eigenpairs, key.startsWith('prototype') ? d : eigenpairs));
    }
  });

  test(`alignment scores, A1, Z, ECE_H and the pullback trace match numpy, ${name}`, async () => {
    const r = await geometry(input, { eigenpairs, shifts: 10 });
    const e = ref.expected;
    const a = r.alignment!;
    assert.equal(a.hiddenDims, d);
    e.rho.forEach((x: number, j: number) => close(a.rho[j], x, 1e-10, `ρ${j + 1}`));
    e.Ak.forEach((x: number, k: number) => close(a.Ak[k], x, 1e-9, `A_${k + 1}`));
    e.principalCosines.forEach((x: number, i: number) => close(a.principalCosines[i], x, 1e-8, `cos θ${i + 1}`));
    e.varianceCaptured.forEach((x: number, k: number) => close(a.varianceCaptured[k], x, 1e-9, `variance k=${k + 1}`));
    close(a.cka, e.cka, 1e-10, 'CKA');
    assert.equal(a.ckaExact, true);
    close(r.surplus.A1.value, e.A1, 1e-10, 'A1');
    close(r.document.martingaleZ!, e.martingaleZ, 1e-10, 'Z');
    close(r.document.eceH, e.eceH, 1e-12, 'ECE_H');
    e.pullbackTrace.forEach((x: number, t: number) => close(r.perToken.pullbackTrace![t]!, x, 1e-10 * Math.max(1, x), `tr g* t=${t}`));
    assert.ok(r.perToken.pullbackTraceBound!.every(b => b !== null && b < 1e-12), 'full distributions: no truncation');
    if (name.startsWith('ONNX')) assert.ok(ort.handedOver > 0);
  });
}
