/**
 * The summary of a comparison: llama.cpp's KL-divergence block (statistics.ts has the definitions),
 * the speculative-decoding view and the detection scores. Same tokenizer: over the tokens both
 * models scored with finite logits. Different tokenizers: per-token divergences do not exist, and
 * the block says so (`undefinedReason`) instead of showing numbers; what is exact then is per
 * segment (segments.ts) and per byte.
 */
import type { TokenRecord } from '../analysis';
import { binoculars, DETECTION_NOTE, fastDetectGpt, type Detection } from './detection';
import type { CompareTokenRecord } from './records';
import type { Segment } from './segments';
import { correlation, expectedTokensPerBlock, meanAndSe, proportion, spreadOf, type MeanSe, type Spread } from './statistics';

/** Drafts per speculative block in the expected-tokens figure. */
export const SPECULATIVE_GAMMA = 4;

export interface ComparisonSummary {
  /** Tokens of the base model's tokenization, and how many were left out (a non-finite row in either model). */
  tokens: number;
  excluded: number;
  /** Segments (different tokenizers only). */
  segments?: number;
  /**
   * exp(mean NLL) of each model over the same tokens ± exp(mean) · uncertainty of the mean, and
   * their difference ± its uncertainty with the covariance of the two means (llama.cpp's lines).
   */
  ppl: { model: ValueSe; against: ValueSe; difference: ValueSe } | null;
  /** Mean PPL(Q)/PPL(P) = exp(mean ln ratio). */
  pplRatio: number | null;
  /** Cor(ln PPL(Q), ln PPL(P)): Pearson correlation of the two models' per-token NLLs. */
  lnPplCorrelation: number | null;
  /** Mean of nll_Q − nll_P per token ± its uncertainty. */
  meanLnPplRatio: MeanSe | null;
  /** Different tokenizers: mean of nllAgainst − nllModel per segment ± its uncertainty, and the correlation of the segment NLLs. */
  segmentDNll?: MeanSe | null;
  segmentNllCorrelation?: number | null;
  kld: (MeanSe & Spread) | null;
  klReverse: { mean: number } | null;
  js: { mean: number } | null;
  tv: { mean: number } | null;
  dp: (MeanSe & Spread & { rms: number; rmsSe: number | null }) | null;
  sameTop1: { value: number; se: number | null } | null;
  acceptance: { mean: number; gamma: number; expectedTokensPerBlock: number; approximation: string } | null;
  /** Padded vocabularies: mean probability mass each model put outside the shared ids. */
  outsideMass?: { model: number; against: number };
  /** Total NLL / ln 2 / UTF-8 bytes of the text, per model (exact across tokenizers). */
  bitsPerByte: { model: number | null; against: number | null };
  detection: Detection;
  /** Why the per-token statistics are null (different tokenizers). */
  undefinedReason?: string;
}

export interface ValueSe {
  value: number;
  se: number | null;
}

/** The PPL lines: exp of each mean NLL, and their difference with the means' covariance. */
function perplexities(nllP: Float64Array, nllQ: Float64Array): ComparisonSummary['ppl'] {
  const p = meanAndSe(nllP);
  const q = meanAndSe(nllQ);
  if (!p || !q) return null;
  const n = nllP.length;
  let cov = 0;
  for (let i = 0; i < n; i++) cov += (nllP[i] - p.mean) * (nllQ[i] - q.mean);
  const pplP = Math.exp(p.mean);
  const pplQ = Math.exp(q.mean);
  const seP = p.se === null ? null : pplP * p.se;
  const seQ = q.se === null ? null : pplQ * q.se;
  const meanCov = n > 1 ? cov / n / (n - 1) : 0;
  const diffSe = seP === null || seQ === null ? null : Math.sqrt(Math.max(0, seQ * seQ + seP * seP - 2 * pplQ * pplP * meanCov));
  return { model: { value: pplP, se: seP }, against: { value: pplQ, se: seQ }, difference: { value: pplQ - pplP, se: diffSe } };
}

const IID_NOTE = 'the i.i.d. approximation of Leviathan et al. 2023: (1 − α^(γ+1)) / (1 − α), α the mean acceptance';
export const CROSS_TOKENIZER_REASON = 'the models have different tokenizers, so their next-token distributions are over different alphabets: per-token KL, JS, TV, Δp, top-1 agreement and acceptance are not defined; compare the segment NLLs and bits per byte instead';

function column(tokens: readonly CompareTokenRecord[], pick: (t: CompareTokenRecord) => number): Float64Array {
  return Float64Array.from(tokens, pick);
}

function bitsPerByte(total: number, bytes: number): number | null {
  return bytes > 0 && Number.isFinite(total) ? total / Math.LN2 / bytes : null;
}

function sumNll(tokens: ReadonlyArray<{ nll: number | null }>): number {
  let s = 0;
  for (const t of tokens) s += t.nll ?? NaN;
  return s;
}

/** Summary of a same-tokenizer comparison over its token records. */
export function compareSummary(tokens: readonly CompareTokenRecord[], utf8Bytes: number): ComparisonSummary {
  const kept = tokens.filter(t => t.kl !== null && t.nll !== null && t.against.nll !== null);
  const nllP = column(kept, t => t.nll as number);
  const nllQ = column(kept, t => t.against.nll as number);
  const kl = column(kept, t => t.kl as number);
  const dNll = column(kept, t => t.dNll as number);
  const dp = column(kept, t => t.dP as number);
  const mean = (xs: Float64Array) => meanAndSe(xs)?.mean ?? NaN;
  const n = kept.length;
  const lnRatio = meanAndSe(dNll);
  const kld = meanAndSe(kl);
  const dpMean = meanAndSe(dp);
  const dp2 = meanAndSe(dp.map(x => x * x));
  const alpha = n ? mean(column(kept, t => t.acceptance as number)) : NaN;
  const rms = dp2 ? Math.sqrt(dp2.mean) : NaN;
  const padded = kept.some(t => t.outsideModel !== undefined);
  return {
    tokens: tokens.length,
    excluded: tokens.length - n,
    ppl: perplexities(nllP, nllQ),
    pplRatio: lnRatio ? Math.exp(lnRatio.mean) : null,
    lnPplCorrelation: correlation(nllQ, nllP),
    meanLnPplRatio: lnRatio,
    kld: kld && { ...kld, ...spreadOf(kl)! },
    klReverse: n ? { mean: mean(column(kept, t => t.klReverse as number)) } : null,
    js: n ? { mean: mean(column(kept, t => t.js as number)) } : null,
    tv: n ? { mean: mean(column(kept, t => t.tv as number)) } : null,
    // RMS Δp ± (1 / (2 RMS)) · uncertainty of the mean of Δp², as llama.cpp propagates it.
    dp: dpMean && dp2 && { ...dpMean, ...spreadOf(dp, true)!, rms, rmsSe: dp2.se === null || rms === 0 ? null : (0.5 / rms) * dp2.se },
    sameTop1: proportion(kept.filter(t => t.sameTop1).length, n),
    acceptance: n ? { mean: alpha, gamma: SPECULATIVE_GAMMA, expectedTokensPerBlock: expectedTokensPerBlock(alpha, SPECULATIVE_GAMMA), approximation: IID_NOTE } : null,
    ...(padded ? { outsideMass: { model: mean(column(kept, t => t.outsideModel as number)), against: mean(column(kept, t => t.outsideAgainst as number)) } } : {}),
    bitsPerByte: { model: bitsPerByte(sumNll(tokens), utf8Bytes), against: bitsPerByte(sumNll(tokens.map(t => t.against)), utf8Bytes) },
    detection: {
      status: 'heuristic', note: DETECTION_NOTE,
      binoculars: binoculars(nllP, nllQ, column(kept, t => t.entropy as number), kl),
      fastDetectGpt: {
        model: fastDetectGpt(nllP, column(kept, t => t.entropy as number), column(kept, t => (t.varentropy as number | null) ?? NaN)),
        against: fastDetectGpt(nllQ, column(kept, t => t.against.entropy as number), column(kept, t => t.against.varentropy ?? NaN)),
      },
    },
  };
}

function ownFastDetectGpt(tokens: readonly TokenRecord[]) {
  const pick = (f: (t: TokenRecord) => unknown) => Float64Array.from(tokens, t => (typeof f(t) === 'number' ? (f(t) as number) : NaN));
  return fastDetectGpt(pick(t => t.nll), pick(t => t.entropy), pick(t => t.varentropy));
}

/** Summary of a comparison across tokenizers: per-segment and per-byte figures only. */
export function crossTokenizerSummary(model: readonly TokenRecord[], against: readonly TokenRecord[], segments: readonly Segment[], utf8Bytes: number): ComparisonSummary {
  const kept = segments.filter(s => s.dNll !== null);
  const excluded = model.filter(t => t.nll === null).length;
  return {
    tokens: model.length,
    excluded,
    segments: segments.length,
    ppl: null,
    pplRatio: null,
    lnPplCorrelation: null,
    meanLnPplRatio: null,
    segmentDNll: meanAndSe(Float64Array.from(kept, s => s.dNll as number)),
    segmentNllCorrelation: correlation(Float64Array.from(kept, s => s.nllAgainst as number), Float64Array.from(kept, s => s.nllModel as number)),
    kld: null, klReverse: null, js: null, tv: null, dp: null, sameTop1: null, acceptance: null,
    bitsPerByte: { model: bitsPerByte(sumNll(model), utf8Bytes), against: bitsPerByte(sumNll(against), utf8Bytes) },
    detection: {
      status: 'heuristic', note: DETECTION_NOTE, binoculars: null,
      binocularsUnavailable: 'Binoculars needs the cross-entropy between the two models\' next-token distributions, which needs one tokenizer',
      fastDetectGpt: { model: ownFastDetectGpt(model), against: ownFastDetectGpt(against) },
    },
    undefinedReason: CROSS_TOKENIZER_REASON,
  };
}
