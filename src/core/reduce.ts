/**
 * Per-position reduction of one logits row into the few numbers a token record keeps, done while the
 * row is in hand so nothing ever holds a T x V array. Everything here is exact arithmetic on the
 * row (float64 accumulation), not an estimate.
 */

/** The metrics of one position; `finite: false` means the row held NaN or +-Infinity. */
export interface RowMetrics {
  finite: boolean;
  /** -log p(target), nats. */
  nll: number;
  /** Entropy of the full distribution, nats. */
  entropy: number;
  /** Variance of -log p under p (nats^2). */
  varentropy: number;
  /** 1 + number of entries with a strictly larger logit than the target's. */
  rank: number;
  /** log of the partition function, in logit units (max + log sum exp(z - max)). */
  logZ: number;
}

/**
 * Reusable scratch for `reduceRow`: a top-k min-heap. One per scorer, so the hot loop allocates
 * nothing per position.
 */
export class RowReducer {
  readonly topIds: Int32Array;
  readonly topProbs: Float64Array;
  private readonly heapIds: Int32Array;
  private readonly heapVals: Float64Array;

  constructor(readonly k: number) {
    this.topIds = new Int32Array(k);
    this.topProbs = new Float64Array(k);
    this.heapIds = new Int32Array(k);
    this.heapVals = new Float64Array(k);
  }

  /**
   * Reduces `row[offset .. offset + width)` for the given target id. After the call `topIds` and
   * `topProbs` hold the k most probable entries, most probable first (ties: lower id first), unless
   * the row was not finite.
   */
  reduce(row: ArrayLike<number>, offset: number, width: number, target: number): RowMetrics {
    const k = Math.min(this.k, width);
    const heapVals = this.heapVals;
    const heapIds = this.heapIds;
    const zTarget = row[offset + target];

    // Pass 1: rank count and top-k by a size-k min-heap (a partial selection, not a sort).
    let larger = 0;
    let size = 0;
    let max = -Infinity;
    for (let i = 0; i < width; i++) {
      const z = row[offset + i];
      if (z > zTarget) larger++;
      if (z > max) max = z;
      if (size < k) {
        siftUp(heapVals, heapIds, size++, z, i);
      } else if (z > heapVals[0]) {
        siftDown(heapVals, heapIds, k, z, i);
      }
    }

    // Pass 2: shifted sums. d = z - max <= 0, so exp never overflows. A NaN or +Inf anywhere makes
    // some d NaN; a -Inf makes e * d = 0 * -Inf = NaN. So non-finite rows always surface in the sums.
    // The variance comes from E[d^2] - E[d]^2 in float64: with |d| bounded by the logit range the
    // cancellation costs at most a few of the 16 digits, far below the 1e-4 nats we promise.
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < width; i++) {
      const d = row[offset + i] - max;
      const e = Math.exp(d);
      const ed = e * d;
      s0 += e;
      s1 += ed;
      s2 += ed * d;
    }
    const mean = s1 / s0; // E[d] under p
    const logS0 = Math.log(s0);
    const finite = Number.isFinite(s0) && Number.isFinite(s1) && Number.isFinite(s2) && Number.isFinite(zTarget) && s0 > 0;
    if (!finite) {
      return { finite: false, nll: NaN, entropy: NaN, varentropy: NaN, rank: NaN, logZ: NaN };
    }

    this.emitTop(size, max, logS0);
    return {
      finite: true,
      nll: logS0 - (zTarget - max),
      entropy: logS0 - mean,
      varentropy: Math.max(0, s2 / s0 - mean * mean),
      rank: 1 + larger,
      logZ: max + logS0,
    };
  }

  /** Pops the heap into `topIds`/`topProbs`, most probable first. */
  private emitTop(size: number, max: number, logS0: number): void {
    const vals = this.heapVals;
    const ids = this.heapIds;
    for (let n = size; n > 0; n--) {
      const v = vals[0];
      const id = ids[0];
      this.topIds[n - 1] = id;
      this.topProbs[n - 1] = Math.exp(v - max - logS0);
      const lastV = vals[n - 1];
      const lastId = ids[n - 1];
      siftDown(vals, ids, n - 1, lastV, lastId);
    }
    for (let n = size; n < this.k; n++) {
      this.topIds[n] = -1;
      this.topProbs[n] = 0;
    }
  }
}

/** Heap order: smaller value is "less"; equal values put the larger id lower so lower ids win ties. */
function less(va: number, ia: number, vb: number, ib: number): boolean {
  return va < vb || (va === vb && ia > ib);
}

function siftUp(vals: Float64Array, ids: Int32Array, pos: number, v: number, id: number): void {
  while (pos > 0) {
    const parent = (pos - 1) >> 1;
    if (!less(v, id, vals[parent], ids[parent])) break;
    vals[pos] = vals[parent];
    ids[pos] = ids[parent];
    pos = parent;
  }
  vals[pos] = v;
  ids[pos] = id;
}

/** Replaces the root with (v, id) and restores the heap over `size` entries. */
function siftDown(vals: Float64Array, ids: Int32Array, size: number, v: number, id: number): void {
  let pos = 0;
  for (;;) {
    const left = 2 * pos + 1;
    if (left >= size) break;
    const right = left + 1;
    let child = left;
    if (right < size && less(vals[right], ids[right], vals[left], ids[left])) child = right;
    if (!less(vals[child], ids[child], v, id)) break;
    vals[pos] = vals[child];
    ids[pos] = ids[child];
    pos = child;
  }
  if (size > 0) {
    vals[pos] = v;
    ids[pos] = id;
  }
}
