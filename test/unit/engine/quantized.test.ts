/**
 * Quantized and half-precision exports in the transformers.js layout (issue 15): every variant the
 * fixture recipe writes (tools/fixtures_quantized.py: fp32, fp16, dynamic int8 "quantized", int8,
 * uint8, MatMulNBits q4, q4f16, MatMulBnb4) loads through `variant`, scores, and matches the float64
 * reference computed from its own dequantized weights, within the tolerance of its arithmetic:
 *  - exact (fp32, q4, bnb4: weights dequantize exactly, arithmetic is float32): 1e-4 nats per token,
 *    ranks exact, as for every float32 fixture;
 *  - float16 arithmetic (fp16, q4f16): the graph computes in float16 (relative precision 2^-11 per
 *    operation, and the Llama fixture's rotary angles and RMSNorm too), which a float64 reference of
 *    the same weights does not emulate: mean |ΔNLL| <= 0.02 and every token <= 0.5 nats;
 *  - activations quantized per run (quantized, int8, uint8: DynamicQuantizeLinear), which the
 *    reference does not apply: mean |ΔNLL| <= 0.05 and every token <= 1 nat.
 * A wrong dequantization or feed layout is off by nats on most tokens, far outside all three.
 * The load-time cache self-test accepts the per-run activation noise but still refuses a wrong
 * cache layout on those graphs.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TokenRecord } from '../../../src/core/analysis';
import { expandBatch } from '../../../src/core/records';
import { disposeModel, loadModel } from '../../../src/model/load/loader';
import { analyzeText } from '../../../src/model/run/analyzer';

const fixtures = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures');
interface RefToken { nll: number | null; entropy: number | null; rank: number | null }
interface Ref { variant: string; meanKlToFp32: number; cases: Array<{ name: string; text: string; windows: Array<{ window: number; stride: number; tokens: RefToken[] }> }> }

type Arithmetic = 'exact' | 'float16' | 'activationsPerRun';
const VARIANTS: Array<[string, Arithmetic]> = [
  ['fp32', 'exact'], ['q4', 'exact'], ['bnb4', 'exact'],
  ['fp16', 'float16'], ['q4f16', 'float16'],
  ['quantized', 'activationsPerRun'], ['int8', 'activationsPerRun'], ['uint8', 'activationsPerRun'],
];
const LIMITS: Record<Exclude<Arithmetic, 'exact'>, { mean: number; max: number }> = { float16: { mean: 0.02, max: 0.5 }, activationsPerRun: { mean: 0.05, max: 1 } };

async function score(model: Awaited<ReturnType<typeof loadModel>>, text: string, window: number, stride: number): Promise<TokenRecord[]> {
  const records: TokenRecord[] = [];
  await analyzeText(model, { text, topK: 10, window, stride }, { started: () => undefined, batch: b => records.push(...expandBatch(b)), progress: () => undefined, cancelled: () => false });
  return records;
}

for (const folder of ['gpt2-tjs-quant', 'llama-tjs-quant']) {
  for (const [variant, arithmetic] of VARIANTS) {
    test(`${folder} ${variant}: scores, and matches its dequantized float64 reference (${arithmetic})`, async () => {
      const ref = JSON.parse(readFileSync(join(fixtures, 'reference', 'quantized', `${folder}.${variant}.json`), 'utf8')) as Ref;
      const model = await loadModel(join(fixtures, 'models', folder), { variant: variant === 'fp32' ? '' : variant, intraOpThreads: 1 });
      try {
        assert.equal(model.info.quantization !== undefined, !['fp32', 'fp16'].includes(variant), `quantization label: ${model.info.quantization}`);
        let sum = 0;
        let n = 0;
        let worst = 0;
        for (const c of ref.cases) {
          for (const w of c.windows) {
            const got = await score(model, c.text, w.window, w.stride);
            assert.equal(got.length, w.tokens.length, `${c.name} (${w.window}/${w.stride}): token count`);
            got.forEach((t, i) => {
              const r = w.tokens[i];
              assert.ok(t.nll !== null && Number.isFinite(t.nll), `${c.name} token ${i}: a finite NLL`);
              const d = Math.abs(t.nll - r.nll!);
              sum += d;
              n++;
              worst = Math.max(worst, d);
              if (arithmetic === 'exact') {
                assert.ok(d <= 1e-4, `${c.name} token ${i}: nll ${t.nll} vs ${r.nll}`);
                assert.ok(Math.abs(t.entropy! - r.entropy!) <= 1e-4, `${c.name} token ${i}: entropy`);
                assert.equal(t.rank, r.rank, `${c.name} token ${i}: rank`);
              }
            });
          }
        }
        if (arithmetic !== 'exact') {
          const limit = LIMITS[arithmetic];
          assert.ok(sum / n <= limit.mean, `mean |ΔNLL| ${sum / n} > ${limit.mean}`);
          assert.ok(worst <= limit.max, `max |ΔNLL| ${worst} > ${limit.max}`);
        }
      } finally {
        await disposeModel(model);
      }
    });
  }
}

test('activation-quantized graphs: the self-test accepts their per-run noise but still refuses a cache layout fed wrong', async () => {
  const model = await loadModel(join(fixtures, 'models', 'llama-tjs-quant'), { variant: 'quantized', intraOpThreads: 1 });
  const { CacheState } = await import('../../../src/model/onnx/feeds');
  const { makeTensor } = await import('../../../src/model/onnx/runtime');
  const { WindowScorer } = await import('../../../src/model/run/scorer');
  const { runCacheSelfTest, selfTestIds, selfTestText, SELF_TEST_TOLERANCE } = await import('../../../src/model/run/selfTest');
  const feeds = CacheState.prototype.feeds;
  try {
    assert.ok(model.selfTestDelta! > SELF_TEST_TOLERANCE.float32, `the per-run quantization is visible (${model.selfTestDelta})`);
    assert.ok(model.selfTestDelta! < SELF_TEST_TOLERANCE.activationsPerRun);
    const mask = model.signature.mask!;
    // A mask that hides the cached positions: what a wrong cache layout looks like to the model.
    CacheState.prototype.feeds = function (this: InstanceType<typeof CacheState>, ids: Int32Array, from: number, to: number) {
      const out = feeds.call(this, ids, from, to);
      const past = this.pastLength;
      if (past > 0) out[mask.name] = makeTensor('int64', BigInt64Array.from({ length: past + to - from }, (_, i) => (i < past ? 0n : 1n)), [1, past + to - from]);
      return out;
    };
    const ids = selfTestIds(model.tokenizer.prefixTokenId, model.tokenizer.encode(selfTestText()).ids);
    await assert.rejects(runCacheSelfTest(new WindowScorer(model.session, model.signature), ids, true, SELF_TEST_TOLERANCE.activationsPerRun, 'q8'),
      /scores through the KV cache differ from a single pass by [\d.]+e\+0 nats \(limit 1\)/);
  } finally {
    CacheState.prototype.feeds = feeds;
    await disposeModel(model);
  }
});
