/**
 * Reduces one forward chunk of two models at the same positions: each model's own metrics (NLL,
 * entropy, rank, top-k, ... exactly as its own analysis gives them) and the joint ones (jointRow.ts),
 * row by row, so the two logits rows are read while hot and nothing larger than a chunk is held.
 * The unit of work the engine hands to its reduction thread in a comparison (or does inline).
 */
import { RowReducer } from '../reduce';
import { emptyChunkMetrics, placeChunk, storeRow, type ChunkMetrics } from '../reduceChunk';
import { jointRow } from './jointRow';

/** Per row of a chunk (or a window): the joint metrics; NaN / −1 where either row was not finite. */
export interface JointMetrics {
  kl: Float64Array;
  klReverse: Float64Array;
  js: Float64Array;
  tv: Float64Array;
  outsideBase: Float64Array;
  outsideOther: Float64Array;
  top1Base: Int32Array;
  top1Other: Int32Array;
}

export interface JointChunkMetrics {
  base: ChunkMetrics;
  other: ChunkMetrics;
  joint: JointMetrics;
}

export function emptyJointMetrics(rows: number): JointMetrics {
  return {
    kl: new Float64Array(rows), klReverse: new Float64Array(rows), js: new Float64Array(rows), tv: new Float64Array(rows),
    outsideBase: new Float64Array(rows), outsideOther: new Float64Array(rows),
    top1Base: new Int32Array(rows), top1Other: new Int32Array(rows),
  };
}

/** The typed arrays of joint metrics, in a fixed order (to move them between threads). */
export function jointArrays(j: JointMetrics): Array<Float64Array | Int32Array> {
  return [j.kl, j.klReverse, j.js, j.tv, j.outsideBase, j.outsideOther, j.top1Base, j.top1Other];
}

/**
 * `base` holds rows x widthBase logits of the base model and `other` rows x widthOther of the other
 * one, at the same positions; `targets[r]` is the id row r scores. Both reducers keep the same k.
 */
export function reduceJointChunk(
  p: RowReducer, q: RowReducer, base: Float32Array, widthBase: number, other: Float32Array, widthOther: number, targets: Int32Array,
): JointChunkMetrics {
  const rows = targets.length;
  p.resetShift();
  q.resetShift();
  p.keepProbabilities(widthBase);
  q.keepProbabilities(widthOther);
  const out: JointChunkMetrics = { base: emptyChunkMetrics(rows, p.k), other: emptyChunkMetrics(rows, q.k), joint: emptyJointMetrics(rows) };
  const j = out.joint;
  for (let r = 0; r < rows; r++) {
    const mp = p.reduce(base, r * widthBase, widthBase, targets[r]);
    storeRow(out.base, r, mp, p);
    const mq = q.reduce(other, r * widthOther, widthOther, targets[r]);
    storeRow(out.other, r, mq, q);
    if (!mp.finite || !mq.finite) {
      for (const a of [j.kl, j.klReverse, j.js, j.tv, j.outsideBase, j.outsideOther]) a[r] = NaN;
      j.top1Base[r] = -1;
      j.top1Other[r] = -1;
      continue;
    }
    const row = jointRow(p.lastRow(), base, r * widthBase, widthBase, q.lastRow(), other, r * widthOther, widthOther);
    j.kl[r] = row.kl;
    j.klReverse[r] = row.klReverse;
    j.js[r] = row.js;
    j.tv[r] = row.tv;
    j.outsideBase[r] = row.outsideBase;
    j.outsideOther[r] = row.outsideOther;
    j.top1Base[r] = row.top1Base;
    j.top1Other[r] = row.top1Other;
  }
  return out;
}

/** Copies a chunk into a window's arrays at row `at` (k predictions per row). */
export function placeJointChunk(into: JointChunkMetrics, at: number, chunk: JointChunkMetrics, k: number): void {
  placeChunk(into.base, at, chunk.base, k);
  placeChunk(into.other, at, chunk.other, k);
  const to = jointArrays(into.joint);
  jointArrays(chunk.joint).forEach((a, i) => to[i].set(a, at));
}
