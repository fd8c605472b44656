/**
 * Load-time check that the detected feeds are right: an 8-token string scored in one run and as
 * 4 + 4 tokens through the KV cache must give the same log-probabilities. A wrong position_ids,
 * mask length, cache branch or KV layout shows up here, not as quietly wrong scores.
 */
import { InputError } from '../../core/errors';
import type { WindowScorer } from './scorer';

const SELF_TEST_TEXT = 'The quick brown fox jumps over the lazy dog.';
/**
 * Largest |delta log p| accepted: float32 rounding vs float16 rounding of logits and cache. Graphs
 * that quantize activations per run (DynamicQuantizeLinear) differ between one pass and two by the
 * quantization itself (measured 0.09 to 0.22 nats on the int8 fixtures), while a wrong cache layout
 * still differs by several nats (3 to 6 on the same graphs, with positions or mask fed wrong): 1 nat
 * separates the two.
 */
export const SELF_TEST_TOLERANCE = { float32: 1e-3, float16: 1e-2, activationsPerRun: 1 };

/** The 8 ids: prefix, then the sentence's tokens (cycled if the tokenizer makes fewer than 7). */
export function selfTestIds(prefix: number, encoded: Int32Array): Int32Array {
  const ids = new Int32Array(8);
  ids[0] = prefix;
  for (let i = 1; i < 8; i++) ids[i] = encoded.length > 0 ? encoded[(i - 1) % encoded.length] : prefix;
  return ids;
}

export function selfTestText(): string {
  return SELF_TEST_TEXT;
}

/** Log-softmax of each row, float64. Non-finite rows stay NaN and are skipped in the comparison. */
function logSoftmaxRows(logits: Float32Array, rows: number, width: number): Float64Array {
  const out = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let i = 0; i < width; i++) max = Math.max(max, logits[r * width + i]);
    let sum = 0;
    for (let i = 0; i < width; i++) sum += Math.exp(logits[r * width + i] - max);
    const logZ = max + Math.log(sum);
    for (let i = 0; i < width; i++) out[r * width + i] = logits[r * width + i] - logZ;
  }
  return out;
}

/**
 * Returns the largest |delta log p| over every vocabulary entry of the 8 positions, or null when the
 * graph has no cache (nothing to compare). Throws an InputError naming the file when it exceeds
 * the tolerance.
 */
export async function runCacheSelfTest(scorer: WindowScorer, ids: Int32Array, hasCache: boolean, tolerance: number, file: string): Promise<number | null> {
  scorer.resetCache();
  const whole = await scorer.step(ids, 0, 8);
  const width = whole.width;
  const reference = logSoftmaxRows(whole.logits, 8, width);
  if (!hasCache) return null;
  scorer.resetCache();
  const first = logSoftmaxRows((await scorer.step(ids, 0, 4)).logits.slice(0, 4 * width), 4, width);
  const second = logSoftmaxRows((await scorer.step(ids, 4, 8)).logits.slice(0, 4 * width), 4, width);
  scorer.resetCache();
  let delta = 0;
  const half = 4 * width;
  for (let i = 0; i < 8 * width; i++) {
    const cached = i < half ? first[i] : second[i - half];
    const d = Math.abs(cached - reference[i]);
    if (Number.isFinite(d) && d > delta) delta = d;
  }
  if (delta > tolerance) {
    throw new InputError(
      `${file}: scores through the KV cache differ from a single pass by ${delta.toExponential(2)} nats (limit ${tolerance}); the graph's position_ids, attention_mask or cache layout is not what this engine feeds`,
      'model-not-causal-lm',
      file,
    );
  }
  return delta;
}
