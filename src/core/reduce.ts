/**
 * Per-position reduction of one logits row into the few numbers a token record keeps, done while the
 * row is in hand so nothing ever holds a T x V array. Everything here is exact arithmetic on the
 * row (float64 accumulation, exp to 1e-13 relative), not an estimate.
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

/** 2^i for i in [-1100, 1100): exact powers of two (subnormals included, 0 below, Infinity above 1023). */
const POW2_OFFSET = 1100;
const POW2 = new Float64Array(2 * POW2_OFFSET);
for (let i = 0; i < POW2.length; i++) POW2[i] = Math.pow(2, i - POW2_OFFSET);

/** 2^(j/64) for j in [0, 64): the fractional steps of the exp's range reduction. */
const EXP_STEP_BITS = 6;
const EXP_STEPS = 1 << EXP_STEP_BITS;
const POW2_FRACTION = Float64Array.from({ length: EXP_STEPS }, (_, j) => Math.pow(2, j / EXP_STEPS));

/**
 * exp(d) for d in [-inf, 700], written here because exp is the reduction's hot spot: with Math.exp
 * the reduction loop takes 12.1 ns a logit, with this 5.2 (V8 in Node 20, V = 8,192). Range
 * reduction d = (k / 64) ln 2 + r with |r| <= ln 2 / 128, so
 * exp(d) = 2^(k >> 6) · 2^((k & 63) / 64) · e^r from two tables and a degree-4 Taylor
 * polynomial: relative error below 1e-13 (measured against Math.exp) on [-700, 700], i.e. far
 * below 1e-10 nats on any metric here; subnormal results lose digits and below 2^-1100 it returns 0
 * (negligible next to the row maximum's term, which is at least e^-600). exp(NaN) gives 0:
 * callers detect NaN through e * d.
 */
export function expSigned(d: number): number {
  const x = d * (EXP_STEPS * Math.LOG2E);
  const k = Math.floor(x + 0.5);
  const r = (x - k) * (Math.LN2 / EXP_STEPS);
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24))));
  const i = k + POW2_OFFSET * EXP_STEPS;
  return i > 0 ? POW2[i >> EXP_STEP_BITS] * POW2_FRACTION[i & (EXP_STEPS - 1)] * p : 0;
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
  /** The previous row's max: the exp shift for the next row. */
  private lastMax = NaN;
  /**
   * With `keepProbabilities`: e^(z_i − shift) of the last row reduced, and the shift and log Σ e
   * that turn them into p_i (addProbabilities, logProbability). Null otherwise: the plain hot loop.
   */
  private exps: Float64Array | null = null;
  private lastShift = NaN;
  private lastS0 = NaN;
  private lastLogS0 = NaN;

  constructor(readonly k: number) {
    this.topIds = new Int32Array(k);
    this.topProbs = new Float64Array(k);
    this.heapIds = new Int32Array(k);
    this.heapVals = new Float64Array(k);
  }

  /** Keeps each row's exponentials (width entries) for the mean distribution of geometry; null stops. */
  keepProbabilities(width: number | null): void {
    if (width === null) this.exps = null;
    else if (this.exps?.length !== width) this.exps = new Float64Array(width);
  }

  /**
   * into[i] += p_i for the last row reduced (it must have been finite): the same e^(z_i − shift)
   * and Σ as its metrics, so p is exact to the exp's 1e-13 relative.
   */
  addProbabilities(into: Float64Array): void {
    const exps = this.exps!;
    const inverse = 1 / this.lastS0;
    for (let i = 0; i < exps.length; i++) into[i] += exps[i] * inverse;
  }

  /**
   * E_p[x] = Σ p_i x_i of `x[offset .. offset + width)` under the last row reduced (kept
   * probabilities, finite row): the same e^(z_i − shift) and Σ as its metrics.
   */
  expectation(x: Float32Array, offset: number): number {
    const exps = this.exps!;
    let s = 0;
    for (let i = 0; i < exps.length; i++) s += exps[i] * x[offset + i];
    return s / this.lastS0;
  }

  /** log p(id) in the last row reduced, by the arithmetic of its nll: (z_id − shift) − log Σ e. */
  logProbability(row: Float32Array, offset: number, id: number): number {
    return row[offset + id] - this.lastShift - this.lastLogS0;
  }

  /**
   * The last finite row reduced with `keepProbabilities`: e^(z_i − shift) per entry, the shift and
   * Σ e^(z_i − shift), so p_i = exps[i] / s0 and log p_i = z_i − shift − log s0 (a joint reduction
   * of two models' rows, core/compare/jointRow.ts, reads them), and its argmax when k > 0 (−1 else).
   */
  lastRow(): { exps: Float64Array; shift: number; s0: number; top1: number } {
    if (this.exps === null) throw new Error('lastRow needs keepProbabilities');
    return { exps: this.exps, shift: this.lastShift, s0: this.lastS0, top1: this.k > 0 ? this.topIds[0] : -1 };
  }

  /** Forgets the carried shift, so a chunk's numbers never depend on what was reduced before. */
  resetShift(): void {
    this.lastMax = NaN;
  }

  /**
   * Reduces `row[offset .. offset + width)` for the given target id. After the call `topIds` and
   * `topProbs` hold the k most probable entries, most probable first (ties: lower id first), unless
   * the row was not finite.
   */
  reduce(row: Float32Array, offset: number, width: number, target: number): RowMetrics {
    const k = Math.min(this.k, width);
    const heapVals = this.heapVals;
    const heapIds = this.heapIds;
    const zTarget = row[offset + target];

    // One pass: rank count, top-k by a size-k min-heap (a partial selection, not a sort), the max,
    // and the shifted sums s_j = sum e^d d^j with d = z - shift. The shift is the previous row's
    // max (rows of one document are alike); any shift within 600 of the true max keeps exp finite
    // and exact, otherwise the sums are redone around the true max below.
    let larger = 0;
    let max = -Infinity;
    let shift = Number.isFinite(this.lastMax) ? this.lastMax : row[offset];
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    // The first k entries fill the heap; after that only entries above its minimum enter it.
    for (let i = 0; i < k; i++) siftUp(heapVals, heapIds, i, row[offset + i], i);
    let heapMin = k > 0 ? heapVals[0] : Infinity;
    const exps = this.exps;
    for (let i = 0; i < width; i++) {
      const z = row[offset + i];
      larger += +(z > zTarget); // branch-free: a target of middling rank makes this unpredictable
      if (z > max) max = z;
      if (z > heapMin && i >= k) {
        siftDown(heapVals, heapIds, k, z, i);
        heapMin = heapVals[0];
      }
      const d = z - shift;
      const e = expSigned(d);
      if (exps !== null) exps[i] = e;
      const ed = e * d;
      s0 += e;
      s1 += ed;
      s2 += ed * d;
    }
    const size = k;
    if (!(Math.abs(max - shift) < 600)) {
      // A NaN or +-Inf row also lands here (max or the shift is not finite); the sums then turn NaN.
      shift = max;
      s0 = s1 = s2 = 0;
      for (let i = 0; i < width; i++) {
        const d = row[offset + i] - shift;
        const e = expSigned(d);
        if (exps !== null) exps[i] = e;
        const ed = e * d;
        s0 += e;
        s1 += ed;
        s2 += ed * d;
      }
    }
    this.lastMax = max;
    // Non-finite rows always surface in the sums: a NaN or +Inf makes some d NaN, and a -Inf
    // makes e * d = 0 * -Inf = NaN. The variance comes from E[d^2] - E[d]^2 in float64: with |d|
    // bounded by the logit range (+600) the cancellation costs a few of the 16 digits, far below
    // the 1e-4 nats promised.
    const mean = s1 / s0; // E[d] under p
    const logS0 = Math.log(s0);
    const finite = Number.isFinite(s0) && Number.isFinite(s1) && Number.isFinite(s2) && Number.isFinite(zTarget) && s0 > 0;
    if (!finite) {
      return { finite: false, nll: NaN, entropy: NaN, varentropy: NaN, rank: NaN, logZ: NaN };
    }

    this.lastShift = shift;
    this.lastS0 = s0;
    this.lastLogS0 = logS0;
    this.emitTop(size, shift, logS0);
    return {
      finite: true,
      nll: logS0 - (zTarget - shift),
      entropy: logS0 - mean,
      varentropy: Math.max(0, s2 / s0 - mean * mean),
      rank: 1 + larger,
      logZ: shift + logS0,
    };
  }

  /** Pops the heap into `topIds`/`topProbs`, most probable first. */
  private emitTop(size: number, shift: number, logS0: number): void {
    const vals = this.heapVals;
    const ids = this.heapIds;
    for (let n = size; n > 0; n--) {
      const v = vals[0];
      const id = ids[0];
      this.topIds[n - 1] = id;
      this.topProbs[n - 1] = Math.exp(v - shift - logS0);
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
