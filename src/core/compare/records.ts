/**
 * One scored token of a comparison of two models that share a tokenizer: the base model's record
 * (TokenRecord, as its own analysis gives it), the other model's own metrics at the same position,
 * and the joint ones. And the compact batch the engine streams, with its expansion. Nats throughout.
 */
import type { TokenRecord } from '../analysis';
import { expandBatch, type RecordBatch, type WindowMetrics } from '../records';
import type { ChunkMetrics } from '../reduceChunk';
import type { JointMetrics } from './jointChunk';

/** The other model's own metrics for a token (null where its logits row was not finite). */
export interface AgainstMetrics {
  nll: number | null;
  entropy: number | null;
  rank: number | null;
  top: Array<[number, number]>;
  varentropy: number | null;
  logZ: number | null;
}

/** Joint metrics of a token; null when either model's row was not finite. */
export interface JointFields {
  /** KL(P || Q), P the base model (--model), Q the other (--against). */
  kl: number | null;
  klReverse: number | null;
  js: number | null;
  tv: number | null;
  /** 1 − tv: the acceptance probability of a speculative step drafting with Q for target P. */
  acceptance: number | null;
  /** nll_Q − nll_P (positive: the other model found the token more surprising). */
  dNll: number | null;
  /** q(actual) − p(actual). */
  dP: number | null;
  sameTop1: boolean | null;
  /** Padded vocabularies only: probability mass each model put on ids the other's logits lack. */
  outsideModel?: number | null;
  outsideAgainst?: number | null;
}

export interface CompareTokenRecord extends TokenRecord, JointFields {
  against: AgainstMetrics;
}

/** A window's metrics of both models (the engine's compare observer assembles them). */
export interface CompareWindowMetrics extends WindowMetrics {
  other: ChunkMetrics;
  joint: JointMetrics;
}

/** What the engine streams in a comparison of two models with one tokenizer. */
export interface CompareBatch extends RecordBatch {
  other: ChunkMetrics;
  joint: JointMetrics;
  /** True when the logits widths differ (the outside masses are then reported). */
  padded: boolean;
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

export function expandCompareBatch(batch: CompareBatch): CompareTokenRecord[] {
  const k = batch.topK;
  const { other, joint } = batch;
  return expandBatch(batch).map((base, r): CompareTokenRecord => {
    const ok = !Number.isNaN(other.nll[r]);
    const top: Array<[number, number]> = [];
    if (ok) {
      for (let j = 0; j < k; j++) {
        const id = other.topIds[r * k + j];
        if (id >= 0) top.push([id, other.topProbs[r * k + j]]);
      }
    }
    const against: AgainstMetrics = {
      nll: ok ? other.nll[r] : null, entropy: ok ? other.entropy[r] : null, rank: ok ? other.rank[r] : null, top,
      varentropy: ok ? other.varentropy[r] : null, logZ: ok ? other.logZ[r] : null,
    };
    const both = ok && base.nll !== null && !Number.isNaN(joint.kl[r]);
    const tv = both ? joint.tv[r] : NaN;
    const fields: JointFields = {
      kl: both ? joint.kl[r] : null,
      klReverse: both ? joint.klReverse[r] : null,
      js: both ? joint.js[r] : null,
      tv: both ? tv : null,
      acceptance: both ? 1 - tv : null,
      dNll: both ? (against.nll as number) - (base.nll as number) : null,
      dP: both ? finite(Math.exp(-(against.nll as number)) - Math.exp(-(base.nll as number))) : null,
      sameTop1: both ? joint.top1Base[r] === joint.top1Other[r] : null,
      ...(batch.padded ? { outsideModel: both ? joint.outsideBase[r] : null, outsideAgainst: both ? joint.outsideOther[r] : null } : {}),
    };
    return Object.assign(base, fields, { against });
  });
}
