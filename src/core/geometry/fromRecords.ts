/**
 * Builds a GeometryInput from the engine's token records (src/core/analysis.ts TokenRecord with the
 * row-reduction extras `varentropy` and `logZ`) plus what the worker adds for geometry.
 *
 * Index convention: record t holds the token x_t that was scored and the distribution p_t that
 * predicted it, so the geometry target y_t is `records[t].id`, and h_t must be the hidden state at
 * the input position *before* x_t (the one whose logits gave p_t). The token after the target is
 * `records[t + 1].id`, and C1's log p_t(x_{t+2}) is read from record t's top list when present.
 */
import type { TokenRecord } from '../analysis';
import { GeometryInput, HeadRows } from './types';

export interface GeometryExtras {
  /** h_t for each record (T×d, aligned as above). */
  hidden?: { data: Float32Array | Float64Array; d: number };
  head?: HeadRows;
  meanDistribution?: Float64Array;
  ablatedLogProb?: Float64Array;
}

export function geometryInputFromRecords(records: readonly TokenRecord[], extras: GeometryExtras = {}): GeometryInput {
  const T = records.length;
  const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : NaN);
  const rowStart = new Int32Array(T + 1);
  for (let t = 0; t < T; t++) rowStart[t + 1] = rowStart[t] + records[t].top.length;
  const ids = new Int32Array(rowStart[T]);
  const probs = new Float64Array(rowStart[T]);
  records.forEach((r, t) => r.top.forEach(([id, p], j) => { ids[rowStart[t] + j] = id; probs[rowStart[t] + j] = p; }));
  const afterNextLogProb = new Float64Array(T).fill(NaN);
  for (let t = 0; t + 1 < T; t++) {
    const next = records[t + 1].id;
    const hit = records[t].top.find(([id]) => id === next);
    if (hit && hit[1] > 0) afterNextLogProb[t] = Math.log(hit[1]);
  }
  return {
    targets: Int32Array.from(records, r => r.id),
    nll: Float64Array.from(records, r => num(r.nll)),
    entropy: Float64Array.from(records, r => num(r.entropy)),
    varentropy: Float64Array.from(records, r => num(r.varentropy)),
    rank: Int32Array.from(records, r => (typeof r.rank === 'number' ? r.rank : 0)),
    logPartition: Float64Array.from(records, r => num(r.logZ)),
    top: { rowStart, ids, probs },
    afterNextLogProb,
    ...extras,
  };
}

/** The vocabulary ids whose head rows the geometry needs: every top id and every target. */
export function headRowIds(input: Pick<GeometryInput, 'targets' | 'top'>): Int32Array {
  const set = new Set<number>(input.targets);
  for (const id of input.top.ids) set.add(id);
  return Int32Array.from([...set].sort((a, b) => a - b));
}

/** Gathers rows `ids` of a V×d head matrix into HeadRows (copies only |ids|·d numbers). */
export function gatherHeadRows(weight: Float32Array, d: number, ids: Int32Array, maxRowNormSq?: number): HeadRows {
  const rows = new Float32Array(ids.length * d);
  ids.forEach((id, i) => rows.set(weight.subarray(id * d, (id + 1) * d), i * d));
  return { d, ids, rows, maxRowNormSq };
}
