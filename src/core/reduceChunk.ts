/**
 * Reduces the logits rows of one forward chunk into typed arrays, one entry per row: the unit of
 * work the inference worker hands to its reduction thread (or does inline).
 */
import { RowReducer, type RowMetrics } from './reduce';

/** Metrics of `rows` consecutive positions; NaN nll marks a non-finite row (rank -1, top ids -1). */
export interface ChunkMetrics {
  nll: Float64Array;
  entropy: Float64Array;
  varentropy: Float64Array;
  rank: Int32Array;
  logZ: Float64Array;
  /** rows x k, row-major. */
  topIds: Int32Array;
  topProbs: Float64Array;
  /** With `afterNext` (geometry): Σ p over the chunk's finite rows (width entries) and how many rows that is. */
  probabilitySum?: Float64Array;
  summedRows?: number;
  /** With `afterNext`: log p_row(afterNext[row]) (NaN for a non-finite row or an id of −1). */
  afterNextLogProb?: Float64Array;
}

/**
 * `logits` holds rows x width floats; `targets[r]` is the id whose probability row r scores.
 * `afterNext` (geometry's extras): per row the id after the target (−1: none); the chunk then also
 * returns Σ p of its finite rows and log p of those ids, from the same sums as the metrics.
 */
export function reduceChunk(reducer: RowReducer, logits: Float32Array, width: number, targets: Int32Array, afterNext?: Int32Array): ChunkMetrics {
  const rows = targets.length;
  reducer.resetShift(); // deterministic: results depend on this chunk only
  const out = emptyChunkMetrics(rows, reducer.k);
  if (afterNext && afterNext.length !== rows) throw new Error(`reduceChunk: ${afterNext.length} after-next ids for ${rows} rows`);
  const sum = afterNext ? new Float64Array(width) : null;
  const afterNextLogProb = afterNext ? new Float64Array(rows).fill(NaN) : null;
  let summedRows = 0;
  reducer.keepProbabilities(afterNext ? width : null);
  for (let r = 0; r < rows; r++) {
    const m = reducer.reduce(logits, r * width, width, targets[r]);
    if (afterNext && sum && afterNextLogProb && m.finite) {
      reducer.addProbabilities(sum);
      summedRows++;
      const id = afterNext[r];
      if (id >= 0 && id < width) afterNextLogProb[r] = reducer.logProbability(logits, r * width, id);
    }
    storeRow(out, r, m, reducer);
  }
  if (sum && afterNextLogProb) Object.assign(out, { probabilitySum: sum, summedRows, afterNextLogProb });
  return out;
}

/** Zeroed metrics of `rows` positions keeping top-`k`. */
export function emptyChunkMetrics(rows: number, k: number): ChunkMetrics {
  return {
    nll: new Float64Array(rows),
    entropy: new Float64Array(rows),
    varentropy: new Float64Array(rows),
    rank: new Int32Array(rows),
    logZ: new Float64Array(rows),
    topIds: new Int32Array(rows * k),
    topProbs: new Float64Array(rows * k),
  };
}

/** Stores row `r`'s metrics (and the reducer's top-k, when the row was finite) into `out`. */
export function storeRow(out: ChunkMetrics, r: number, m: RowMetrics, reducer: RowReducer): void {
  const k = reducer.k;
  out.nll[r] = m.nll;
  out.entropy[r] = m.entropy;
  out.varentropy[r] = m.varentropy;
  out.rank[r] = m.finite ? m.rank : -1;
  out.logZ[r] = m.logZ;
  if (m.finite) {
    out.topIds.set(reducer.topIds, r * k);
    out.topProbs.set(reducer.topProbs, r * k);
  } else {
    out.topIds.fill(-1, r * k, (r + 1) * k);
  }
}

/** Copies a chunk's metrics into a window's arrays at row `at`. */
export function placeChunk(into: ChunkMetrics, at: number, chunk: ChunkMetrics, k: number): void {
  into.nll.set(chunk.nll, at);
  into.entropy.set(chunk.entropy, at);
  into.varentropy.set(chunk.varentropy, at);
  into.rank.set(chunk.rank, at);
  into.logZ.set(chunk.logZ, at);
  into.topIds.set(chunk.topIds, at * k);
  into.topProbs.set(chunk.topProbs, at * k);
}
