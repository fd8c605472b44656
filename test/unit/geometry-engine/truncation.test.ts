/**
 * The prototype operator from top-k slices against the exact operator over the whole vocabulary, on
 * a real model and text (gpt2-bytelevel, V = 512, so the exact operator is one analysis with top-k =
 * V). Each prototype row misses at most its slice's missing mass ε_t (unit head rows), so by Weyl's
 * inequality for singular values every √λ_j of the operator, and every √ρ_j of its compression onto
 * the hidden states, moves by at most δ = √(Σ ε_t² / T) ≤ √(ε_max · ε_mean), both of which the
 * geometry reports (kernel.maxResidual, kernel.meanResidual). The test holds the truncated spectrum
 * and A_k to those bounds and prints the measured errors.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openModel } from '../../../src/model/client/openModel';

const fixtures = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures');

/** [lo, hi] of Σ_{j≤k} x'_j given |√x'_j − √x_j| ≤ δ for every j. */
function sumRange(x: readonly number[], k: number, delta: number): [number, number] {
  let lo = 0;
  let hi = 0;
  for (let j = 0; j < k; j++) {
    const root = Math.sqrt(Math.max(0, x[j]));
    lo += Math.max(0, root - delta) ** 2;
    hi += (root + delta) ** 2;
  }
  return [lo, hi];
}

test('the top-k prototype operator is within the bound its reported missing mass gives of the exact (full-vocabulary) operator: eigenvalues and A_k', async t => {
  const text = (JSON.parse(readFileSync(join(fixtures, 'reference', 'gpt2-long-context.json'), 'utf8')) as { cases: Array<{ text: string }> }).cases[0].text;
  const engine = await openModel(join(fixtures, 'models', 'gpt2-bytelevel'), { intraOpThreads: 1 });
  try {
    const geometry = { eigenpairs: 16, shifts: 0, seed: 1 };
    const exact = (await engine.analyze({ text, topK: 512, geometry })).geometry!;
    assert.ok(exact.kernel.maxResidual < 1e-5, `top-512 of 512 holds all the mass (residual ${exact.kernel.maxResidual})`);
    for (const k of [10, 50, 100, 200]) {
      const truncated = (await engine.analyze({ text, topK: k, geometry })).geometry!;
      const { maxResidual, meanResidual } = truncated.kernel;
      assert.ok(maxResidual > 0.01, `top-${k}: the slices leave mass out (max ε ${maxResidual})`);
      // The bound from the reported figures, plus float32 rounding of the records' probabilities.
      const delta = Math.sqrt(maxResidual * meanResidual) + 1e-6;
      let worstRoot = 0;
      let worstRelative = 0;
      exact.eigenvalues.forEach((x, j) => {
        const y = truncated.eigenvalues[j];
        const moved = Math.abs(Math.sqrt(y) - Math.sqrt(x));
        assert.ok(moved <= delta, `top-${k} √λ${j + 1}: ${Math.sqrt(y)} vs exact ${Math.sqrt(x)}, bound ${delta}`);
        worstRoot = Math.max(worstRoot, moved);
        worstRelative = Math.max(worstRelative, Math.abs(y - x) / x);
      });
      const a = truncated.alignment!;
      let worstA = 0;
      let widest = 0;
      exact.alignment!.Ak.forEach((x, i) => {
        const [rhoLo, rhoHi] = sumRange(a.rho, i + 1, delta);
        const [lambdaLo, lambdaHi] = sumRange(truncated.eigenvalues, i + 1, delta);
        const lo = rhoLo / lambdaHi;
        const hi = lambdaLo > 0 ? Math.min(1, rhoHi / lambdaLo) : 1;
        assert.ok(x >= lo && x <= hi, `top-${k} A_${i + 1}: exact ${x} outside [${lo}, ${hi}] around ${a.Ak[i]}`);
        worstA = Math.max(worstA, Math.abs(a.Ak[i] - x));
        widest = Math.max(widest, hi - lo);
      });
      t.diagnostic(`top-${k} of 512, T ${truncated.tokens}: missing mass max ${maxResidual.toFixed(3)}, mean ${meanResidual.toFixed(3)}; bound δ ${delta.toFixed(3)} on every √λ_j (√λ_1 ${Math.sqrt(exact.eigenvalues[0]).toFixed(3)}); ` +
        `measured max |Δ√λ_j| ${worstRoot.toFixed(4)}, max |Δλ_j|/λ_j ${worstRelative.toFixed(3)}, max |ΔA_k| ${worstA.toFixed(4)} (bound interval up to ${widest.toFixed(3)} wide)`);
    }
  } finally {
    await engine.dispose();
  }
});
