/**
 * The divergences between two models' next-token distributions at one position, from the two
 * logits rows while they are in hand (each already reduced by its own RowReducer with
 * `keepProbabilities`, so e^(z − shift) and Σ are known). Exact arithmetic on the rows (float64,
 * exp to 3e-10 relative), over the ids both rows have: when the logits have different widths (a
 * padded vocabulary) both distributions are restricted to the shared ids and renormalised, and the
 * mass each model put outside them is returned; with equal widths nothing is renormalised and the
 * values are the full-vocabulary ones.
 *
 * P is the base model (the reference), Q the other one:
 *   kl = KL(P || Q) = Σ p (log p − log q);   klReverse = KL(Q || P);
 *   js = ½ KL(P || M) + ½ KL(Q || M), M = (P + Q) / 2;   tv = ½ Σ |p − q|.
 * Identical rows give exactly 0 for all four.
 */
/** What `RowReducer.lastRow()` returns for a row reduced with kept probabilities. */
export interface KeptRow {
  exps: Float64Array;
  shift: number;
  s0: number;
}

export interface JointRow {
  kl: number;
  klReverse: number;
  js: number;
  tv: number;
  /** Probability mass each model put on ids the other's logits do not have (0 with equal widths). */
  outsideBase: number;
  outsideOther: number;
  /** Argmax of each model's full row (ties: lower id). */
  top1Base: number;
  top1Other: number;
}

/** Σ e over the shared ids [0, shared) and over the rest (the rest is 0 when the row has no more). */
function splitSums(row: KeptRow, width: number, shared: number): { inside: number; outside: number } {
  if (width === shared) return { inside: row.s0, outside: 0 };
  let inside = 0;
  let outside = 0;
  for (let i = 0; i < shared; i++) inside += row.exps[i];
  for (let i = shared; i < width; i++) outside += row.exps[i];
  return { inside, outside };
}

/** Argmax of row[offset .. offset + width) scanning from `from`, given the best so far. */
function argmaxFrom(row: Float32Array, offset: number, width: number, from: number, best: number, bestValue: number): number {
  for (let i = from; i < width; i++) {
    const z = row[offset + i];
    if (z > bestValue) { bestValue = z; best = i; }
  }
  return best;
}

/**
 * The joint metrics of base row zp[offP .. offP + wP) and other row zq[offQ .. offQ + wQ), both
 * finite and just reduced (their KeptRow views are those reductions').
 */
export function jointRow(p: KeptRow, zp: Float32Array, offP: number, wP: number, q: KeptRow, zq: Float32Array, offQ: number, wQ: number): JointRow {
  const shared = Math.min(wP, wQ);
  const splitP = splitSums(p, wP, shared);
  const splitQ = splitSums(q, wQ, shared);
  const sP = splitP.inside;
  const sQ = splitQ.inside;
  // log p_i = z_i − (shift + log Σ_shared e): the restricted (renormalised) distribution.
  const cP = p.shift + Math.log(sP);
  const cQ = q.shift + Math.log(sQ);
  const invP = 1 / sP;
  const invQ = 1 / sQ;
  const eP = p.exps;
  const eQ = q.exps;
  let kl = 0;
  let klReverse = 0;
  let js = 0;
  let tv = 0;
  let bestP = 0;
  let bestQ = 0;
  let maxP = zp[offP];
  let maxQ = zq[offQ];
  for (let i = 0; i < shared; i++) {
    const zi = zp[offP + i];
    const wi = zq[offQ + i];
    if (zi > maxP) { maxP = zi; bestP = i; }
    if (wi > maxQ) { maxQ = wi; bestQ = i; }
    const a = eP[i] * invP;
    const b = eQ[i] * invQ;
    const la = zi - cP;
    const lb = wi - cQ;
    const d = la - lb;
    kl += a * d;
    klReverse -= b * d;
    tv += Math.abs(a - b);
    // Equal log-probabilities add exactly 0 (so identical rows give js = 0); two probabilities that
    // both underflowed add 0 too (their terms are 0 · finite). log m is exact to p's 3e-10.
    const m = a + b;
    if (d !== 0 && m > 0) {
      const lm = Math.log(0.5 * m);
      js += a * (la - lm) + b * (lb - lm);
    }
  }
  return {
    kl,
    klReverse,
    js: 0.5 * js,
    tv: 0.5 * tv,
    outsideBase: splitP.outside / (splitP.inside + splitP.outside),
    outsideOther: splitQ.outside / (splitQ.inside + splitQ.outside),
    top1Base: argmaxFrom(zp, offP, wP, shared, bestP, maxP),
    top1Other: argmaxFrom(zq, offQ, wQ, shared, bestQ, maxQ),
  };
}
