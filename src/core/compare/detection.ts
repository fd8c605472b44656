/**
 * Machine-text detection scores over a whole file. Heuristics: each paper calibrated its threshold
 * on its own models (Binoculars: Falcon-7B / Falcon-7B-instruct; Fast-DetectGPT: GPT-Neo-2.7B and
 * others), so a score here says how this text looks to these two models, not whether a machine
 * wrote it.
 *
 * Binoculars (Hans et al. 2024, arXiv 2401.12070): B = log PPL_M1(x) / log X-PPL_{M1,M2}(x), with
 * log X-PPL = (1/L) Σ_t Σ_v M1_t(v) · (−log M2_t(v)), the cross-entropy between the two models'
 * next-token distributions, M1 the observer and M2 the performer. Here the base model (--model) is
 * the observer and the other (--against) the performer; the paper's reference code takes the
 * numerator from the performer instead (its issue #27), given as `scorePerformerPpl`. The
 * cross-entropy per position is H(P_t) + KL(P_t || Q_t), from the same rows as everything else.
 *
 * Fast-DetectGPT's analytic criterion (Bao et al. 2024, arXiv 2310.05130) with one model as both
 * sampling and scoring model: (Σ_t log p(x_t) − Σ_t E[log p]) / sqrt(Σ_t Var[log p]) = (ΣH − ΣNLL)
 * / sqrt(Σ varentropy) = −Z, Z the martingale statistic the geometry reports (documentFigures.ts).
 */
import { martingaleZ } from '../geometry/documentFigures';

export interface Binoculars {
  observer: 'model';
  performer: 'against';
  /** log PPL of the observer / log X-PPL (the paper's formula). */
  score: number;
  /** log PPL of the performer / log X-PPL (what the reference code computes). */
  scorePerformerPpl: number;
  logPplObserver: number;
  logPplPerformer: number;
  /** log X-PPL: mean over positions of Σ_v p_observer(v) · (−log p_performer(v)), nats. */
  logCrossPerplexity: number;
}

export interface FastDetectGpt {
  /** The analytic criterion (higher: more like the model's own samples). */
  criterion: number;
  /** The same number with the geometry's sign: Z = (ΣNLL − ΣH) / sqrt(Σ varentropy) = −criterion. */
  martingaleZ: number;
}

export interface Detection {
  status: 'heuristic';
  note: string;
  /** Null when the models have different tokenizers (their distributions are over different alphabets). */
  binoculars: Binoculars | null;
  binocularsUnavailable?: string;
  fastDetectGpt: { model: FastDetectGpt | null; against: FastDetectGpt | null };
}

export const DETECTION_NOTE = 'their published thresholds were calibrated on the papers\' own models (Binoculars: Falcon-7B and Falcon-7B-instruct, 0.90 / 0.85), not on these';

/** Binoculars from per-position NLLs of both models and the observer's entropy plus KL(P || Q). */
export function binoculars(nllObserver: ArrayLike<number>, nllPerformer: ArrayLike<number>, entropyObserver: ArrayLike<number>, kl: ArrayLike<number>): Binoculars | null {
  const n = nllObserver.length;
  if (n === 0) return null;
  let a = 0;
  let b = 0;
  let x = 0;
  for (let i = 0; i < n; i++) {
    a += nllObserver[i];
    b += nllPerformer[i];
    x += entropyObserver[i] + kl[i];
  }
  const logPplObserver = a / n;
  const logPplPerformer = b / n;
  const logCrossPerplexity = x / n;
  return {
    observer: 'model', performer: 'against',
    score: logPplObserver / logCrossPerplexity,
    scorePerformerPpl: logPplPerformer / logCrossPerplexity,
    logPplObserver, logPplPerformer, logCrossPerplexity,
  };
}

/** Fast-DetectGPT's analytic criterion of one model (null without varentropy mass). */
export function fastDetectGpt(nll: Float64Array, entropy: Float64Array, varentropy: Float64Array): FastDetectGpt | null {
  const z = martingaleZ(nll, entropy, varentropy);
  return z === null ? null : { criterion: z === 0 ? 0 : -z, martingaleZ: z };
}
