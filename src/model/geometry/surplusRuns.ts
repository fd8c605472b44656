/**
 * The short runs behind the context-ablation heuristic B (paper-spec §4.11):
 *   c_t = log p(x_{t+2} | x_≤t+1) − log p(x_{t+2} | prefix, x_{t+1}).
 * The second term depends on x_{t+1} only, so the session runs once per distinct document token u
 * on [prefix, u], and log p(x_{t+2}) is gathered (float64 log-sum-exp of the row) for every t with
 * x_{t+1} = u. With a KV cache the prefix runs once and each u is one decode step on its cache
 * (`SHORT_RUN_BATCH` rows per run); without one, rows of length 2. Cost: one position per distinct
 * token (two without a cache); nothing is kept beyond one run's logits.
 * B is a heuristic (an upper-bound proxy under exact conditionals that uses h_{t+1}, not h_t).
 */
import type { Tensor } from '../onnx/runtime';
import type { SessionRunner } from '../run/observers';
import { logSumExp } from '../../core/geometry/surplusA2';
import { batchFeeds } from '../onnx/batchFeeds';
import { CacheState } from '../onnx/feeds';
import { toFloat32 } from '../onnx/float16';
import type { ModelSignature } from '../onnx/signature';

/** Rows per short run. */
export const SHORT_RUN_BATCH = 64;

export interface AblatedLogProbs {
  /** Document token t: log p(doc_{t+1} | prefix, doc_t), NaN for the last token or a non-finite row. */
  values: Float64Array;
  distinctTokens: number;
  runs: number;
  ms: number;
}

/**
 * `ids`: the prefix token then the document's ids (what the analysis fed). A graph that refuses a
 * batch above 1 (a static batch dim) is retried one row at a time.
 */
export async function ablatedLogProbs(runner: SessionRunner, signature: ModelSignature, ids: Int32Array, width: number, batch = SHORT_RUN_BATCH): Promise<AblatedLogProbs> {
  const started = performance.now();
  const T = ids.length - 1;
  const values = new Float64Array(T).fill(NaN);
  // Document tokens t (that have a token after them), grouped by their id u = doc_t = ids[t + 1].
  const byToken = new Map<number, number[]>();
  for (let t = 0; t + 1 < T; t++) {
    const u = ids[t + 1];
    const list = byToken.get(u);
    if (list) list.push(t); else byToken.set(u, [t]);
  }
  const tokens = [...byToken.keys()];
  const shortRun = await shortRunner(runner, signature, ids[0]);
  let runs = 0;
  let rowsPerRun = batch;
  for (let from = 0; from < tokens.length;) {
    const group = tokens.slice(from, from + rowsPerRun);
    let logits: Float32Array;
    try {
      logits = await shortRun(group);
    } catch (e) {
      if (rowsPerRun === 1) throw e;
      rowsPerRun = 1;
      continue;
    }
    runs++;
    if (logits.length !== group.length * width) throw new Error(`surplus B: the short run returned ${logits.length / group.length} logits per row, expected ${width}`);
    group.forEach((u, b) => {
      const lse = logSumExp(logits, b * width, width);
      if (!Number.isFinite(lse)) return;
      for (const t of byToken.get(u)!) values[t] = logits[b * width + ids[t + 2]] - lse;
    });
    from += group.length;
  }
  return { values, distinctTokens: tokens.length, runs, ms: performance.now() - started };
}

/** A function from tokens u to the logits (rows × V, float32) after [prefix, u]. */
async function shortRunner(runner: SessionRunner, signature: ModelSignature, prefix: number): Promise<(tokens: readonly number[]) => Promise<Float32Array>> {
  const logitsOf = async (feeds: Record<string, Tensor>, rows: number, n: number): Promise<Float32Array> => {
    const outputs = await runner.run(feeds, [signature.logitsName]);
    const tensor = outputs[signature.logitsName] as Tensor;
    const [b, m, V] = tensor.dims.map(Number);
    if (b !== rows || m !== n) throw new Error(`surplus B: logits of shape [${tensor.dims.join(', ')}] for ${rows} rows of ${n}`);
    const data = toFloat32(tensor.data);
    if (n === 1) return data;
    const last = new Float32Array(rows * V);
    for (let r = 0; r < rows; r++) last.set(data.subarray((r * n + n - 1) * V, (r * n + n) * V), r * V);
    return last;
  };
  if (signature.past.length === 0) {
    return tokens => {
      const ids = Int32Array.from(tokens.flatMap(u => [prefix, u]));
      return logitsOf(batchFeeds(signature, new CacheState(signature).feeds(ids, 0, 2), ids, tokens.length), tokens.length, 2);
    };
  }
  // The prefix's cache, made once; every row is then one decode step on it.
  const cache = new CacheState(signature);
  cache.advance(await runner.run(cache.feeds(Int32Array.of(prefix), 0, 1), signature.past.map(p => p.presentName)));
  return tokens => {
    const ids = Int32Array.from(tokens);
    return logitsOf(batchFeeds(signature, cache.feeds(ids, 0, 1), ids, tokens.length), tokens.length, 1);
  };
}
