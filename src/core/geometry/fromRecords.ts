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
import type { RecordBatch } from '../records';
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

/**
 * geometryInputFromRecords(batches.flatMap(expandBatch)) straight from the streamed columns, without
 * making a record object and a [id, p] pair per slice entry (the same values, in the same order).
 */
export function geometryInputFromBatches(batches: readonly RecordBatch[], extras: GeometryExtras = {}): GeometryInput {
  const T = batches.reduce((n, b) => n + b.count, 0);
  const num = (x: number) => (Number.isFinite(x) ? x : NaN);
  const targets = new Int32Array(T);
  const nll = new Float64Array(T);
  const entropy = new Float64Array(T);
  const varentropy = new Float64Array(T);
  const rank = new Int32Array(T);
  const logPartition = new Float64Array(T);
  const rowStart = new Int32Array(T + 1);
  let entries = 0;
  for (const b of batches) entries += b.count * b.topK;
  const ids = new Int32Array(entries);
  const probs = new Float64Array(entries);
  let t = 0;
  let e = 0;
  for (const b of batches) {
    const k = b.topK;
    for (let r = 0; r < b.count; r++, t++) {
      targets[t] = b.ids[r];
      const finite = !Number.isNaN(b.nll[r]);
      nll[t] = finite ? num(b.nll[r]) : NaN;
      entropy[t] = finite ? num(b.entropy[r]) : NaN;
      varentropy[t] = finite ? num(b.varentropy[r]) : NaN;
      logPartition[t] = finite ? num(b.logZ[r]) : NaN;
      rank[t] = finite ? b.rank[r] : 0;
      if (finite) for (let j = 0; j < k; j++) {
        const id = b.topIds[r * k + j];
        if (id >= 0) { ids[e] = id; probs[e] = b.topProbs[r * k + j]; e++; }
      }
      rowStart[t + 1] = e;
    }
  }
  const afterNextLogProb = new Float64Array(T).fill(NaN);
  for (let u = 0; u + 1 < T; u++) {
    for (let x = rowStart[u]; x < rowStart[u + 1]; x++) {
      if (ids[x] !== targets[u + 1]) continue;
      if (probs[x] > 0) afterNextLogProb[u] = Math.log(probs[x]);
      break;
    }
  }
  return {
    targets, nll, entropy, varentropy, rank, logPartition,
    top: { rowStart, ids: ids.slice(0, e), probs: probs.slice(0, e) },
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
