/**
 * The divergences between two models' next-token distributions at one position, from the two
 * logits rows while they are in hand (each already reduced by its own RowReducer with
 * `keepProbabilities`, so e^(z − shift) and Σ are known). Exact arithmetic on the rows (float64,
 * exp to 1e-13 relative), over the ids both rows have: when the logits have different widths (a
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
  /** The row's argmax (ties: lower id), or −1 when the reducer kept no top-k. */
  top1: number;
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

/** Argmax of row[offset .. offset + width) (ties: lower id). */
function argmax(row: Float32Array, offset: number, width: number): number {
  let best = 0;
  let bestValue = row[offset];
  for (let i = 1; i < width; i++) {
    const z = row[offset + i];
    if (z > bestValue) { bestValue = z; best = i; }
  }
  return best;
}

/** |d| below which the JS term comes from its series (relative error below 1e-14 there). */
const JS_SERIES_LIMIT = 0.25;
/** |d| below which the series to d⁸ is enough (the first omitted term is below 2e-15 of the sum). */
const JS_SHORT_SERIES_LIMIT = 0.05;

/**
 * p log(p/m) + q log(q/m), m = (p + q)/2, divided by p, as a function of d = log p − log q (so
 * q = p e^−d): (1 + e^−d)·(−log((1 + e^−d)/2)) − d e^−d = d²/4 − d³/8 + d⁴/32 − ... (Taylor series
 * to d¹²; the first omitted term is below 1e-14 of the sum for |d| ≤ 0.25).
 */
function jsSeries(d: number): number {
  return d * d * (1 / 4 + d * (-1 / 8 + d * (1 / 32 + d * (-1 / 192 + d * (1 / 1152 + d * (-1 / 5760 + d * (1 / 46080
    + d * (1 / 1935360 + d * (-1 / 19353600 + d * (-11 / 58060800 + d * (11 / 696729600)))))))))));
}

/**
 * JS(P, Q) = ½ Σ p log(p/m) + q log(q/m), m = (p + q)/2, with p = eP·invP, log p = z − cP (and the
 * same for Q). Its own loop: most terms (Q a quantized P) take the series in d = log p − log q
 * without a logarithm, and a small loop body keeps V8's code fast.
 */
function jensenShannon(eP: Float64Array, invP: number, cP: number, zp: Float32Array, offP: number,
  eQ: Float64Array, invQ: number, cQ: number, zq: Float32Array, offQ: number, n: number): number {
  let js = 0;
  for (let i = 0; i < n; i++) {
    const d = (zp[offP + i] - cP) - (zq[offQ + i] - cQ);
    // Equal log-probabilities add exactly 0 (identical rows give js = 0).
    if (d === 0) continue;
    const a = eP[i] * invP;
    if (d < JS_SHORT_SERIES_LIMIT && d > -JS_SHORT_SERIES_LIMIT) {
      const d2 = d * d;
      js += a * d2 * (1 / 4 + d * (-1 / 8 + d * (1 / 32 + d * (-1 / 192 + d * (1 / 1152 + d * (-1 / 5760 + d * (1 / 46080)))))));
    } else {
      js += wideTerm(a, eQ[i] * invQ, zp[offP + i] - cP, zq[offQ + i] - cQ, d);
    }
  }
  return 0.5 * js;
}

/** The JS term of one entry whose log-probabilities differ by 0.05 or more (series, or the logarithm). */
function wideTerm(a: number, b: number, la: number, lb: number, d: number): number {
  if (d < JS_SERIES_LIMIT && d > -JS_SERIES_LIMIT) return a * jsSeries(d);
  // Two probabilities that both underflowed add 0 (their terms are 0 · finite).
  const m = a + b;
  if (!(m > 0)) return 0;
  const lm = Math.log(0.5 * m);
  return a * (la - lm) + b * (lb - lm);
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
  let tv = 0;
  for (let i = 0; i < shared; i++) {
    const a = eP[i] * invP;
    const b = eQ[i] * invQ;
    const d = (zp[offP + i] - cP) - (zq[offQ + i] - cQ);
    kl += a * d;
    klReverse -= b * d;
    tv += Math.abs(a - b);
  }
  const js = jensenShannon(eP, invP, cP, zp, offP, eQ, invQ, cQ, zq, offQ, shared);
  return {
    kl,
    klReverse,
    js,
    tv: 0.5 * tv,
    outsideBase: splitP.outside / (splitP.inside + splitP.outside),
    outsideOther: splitQ.outside / (splitQ.inside + splitQ.outside),
    top1Base: p.top1 >= 0 ? p.top1 : argmax(zp, offP, wP),
    top1Other: q.top1 >= 0 ? q.top1 : argmax(zq, offQ, wQ),
  };
}
