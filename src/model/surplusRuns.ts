/**
 * The short runs behind the context-ablation heuristic B (paper-spec §4.11):
 *   c_t = log p(x_{t+2} | x_≤t+1) − log p(x_{t+2} | prefix, x_{t+1}).
 * The second term depends on x_{t+1} only, so the session runs once per distinct document token u
 * on [prefix, u] (rows of length 2, `BATCH` rows per run) and the row at position 1 is reduced to a
 * float64 log-softmax, from which x_{t+2} is gathered for every t with x_{t+1} = u. Cost: distinct
 * tokens × 2 positions, nothing kept beyond one row per batch entry at a time.
 * B is a heuristic (an upper-bound proxy under exact conditionals that uses h_{t+1}, not h_t).
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { logSoftmax } from '../core/geometry/surplusA2';
import { batchFeeds } from './batchFeeds';
import { CacheState } from './feeds';
import { toFloat32 } from './float16';
import type { ModelSignature } from './signature';

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
 * `ids`: the prefix token then the document's ids (what the analysis fed). Runs from an empty
 * cache; a graph that refuses a batch above 1 (a static batch dim) is retried one row at a time.
 */
export async function ablatedLogProbs(session: InferenceSession, signature: ModelSignature, ids: Int32Array, width: number, batch = SHORT_RUN_BATCH): Promise<AblatedLogProbs> {
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
  const logP = new Float64Array(width);
  let runs = 0;
  let rowsPerRun = batch;
  for (let from = 0; from < tokens.length;) {
    const group = tokens.slice(from, from + rowsPerRun);
    let logits: Float32Array;
    try {
      logits = await shortRun(session, signature, ids[0], group);
    } catch (e) {
      if (rowsPerRun === 1) throw e;
      rowsPerRun = 1;
      continue;
    }
    runs++;
    const V = logits.length / (2 * group.length);
    if (V !== width) throw new Error(`surplus B: the short run returned ${V} logits per row, expected ${width}`);
    group.forEach((u, b) => {
      // Row b, position 1: the distribution after [prefix, u].
      if (!Number.isFinite(logSoftmax(logits, (2 * b + 1) * V, V, logP))) return;
      for (const t of byToken.get(u)!) values[t] = logP[ids[t + 2]];
    });
    from += group.length;
  }
  return { values, distinctTokens: tokens.length, runs, ms: performance.now() - started };
}

/** Logits (rows × 2 × V, float32) of [prefix, u] for each u of `tokens`. */
async function shortRun(session: InferenceSession, signature: ModelSignature, prefix: number, tokens: readonly number[]): Promise<Float32Array> {
  const rows = tokens.length;
  const ids = new Int32Array(2 * rows);
  tokens.forEach((u, b) => { ids[2 * b] = prefix; ids[2 * b + 1] = u; });
  const one = new CacheState(signature).feeds(ids, 0, 2);
  const outputs = await session.run(batchFeeds(signature, one, ids, rows));
  const tensor = outputs[signature.logitsName] as Tensor;
  if (Number(tensor.dims[0]) !== rows || Number(tensor.dims[1]) !== 2) throw new Error(`surplus B: logits of shape [${tensor.dims.join(', ')}] for ${rows} rows of 2`);
  return toFloat32(tensor.data);
}
