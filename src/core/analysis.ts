/**
 * The result types every front end shares: one record per scored token, document figures, and the
 * JSON document of schema `markov-lens/analysis@1` (DESIGN.md). All stored values are in nats.
 */
import type { WordSurprisal } from './words';

/** One scored token of the document. Character offsets are UTF-16 code units, `[start, end)`. */
export interface TokenRecord {
  index: number;
  id: number;
  /** The token's own bytes decoded as UTF-8 (lossy for partial characters); for display only. */
  text: string;
  start: number;
  end: number;
  /** True when the token holds only part of a multi-byte character. */
  partial: boolean;
  /** How many tokens the model saw before predicting this one (prefix token included). */
  context: number;
  /** -log p(token | context), nats; null when the logits row was not finite. */
  nll: number | null;
  /** Entropy of the full next-token distribution, nats; null when not finite. */
  entropy: number | null;
  /** 1 + number of vocabulary entries with a strictly larger logit; null when not finite. */
  rank: number | null;
  /** Top-k predictions as [id, probability], most probable first. */
  top: Array<[number, number]>;
  /** Optional extra per-token fields (geometry, varentropy, ...), keyed by name. */
  [extra: string]: unknown;
}

export interface ModelInfo {
  path: string;
  name: string;
  modelType: string;
  vocabSize: number;
  hiddenSize: number;
  layers: number;
  contextLength: number;
  dtype: string;
  /** The graph's quantized arithmetic, when it has some (e.g. "4-bit weights (MatMulNBits, blocks of 32)"). */
  quantization?: string;
}

export interface ScoringInfo {
  prefixTokenId: number;
  window: number;
  stride: number;
  topK: number;
  /** Present when the default window is shorter than the model's context (memory): why, in words. */
  windowCapped?: string;
}

export interface DocumentSummary {
  tokens: number;
  totalNll: number | null;
  meanNll: number | null;
  perplexity: number | null;
  bitsPerByte: number | null;
  meanEntropy: number | null;
  nonFinite: number;
}

export interface AnalysisDocument {
  schema: 'markov-lens/analysis@1';
  model: ModelInfo;
  input: { path: string; utf16Length: number; utf8Bytes: number };
  scoring: ScoringInfo;
  tokens: TokenRecord[];
  summary: DocumentSummary;
  geometry?: Record<string, unknown>;
  /** With `analyze --words`: per-word surprisal (core/words.ts). */
  words?: WordSurprisal[];
  /** With `--layers`: the layer lens, [layer][token] matrices (format/layers.ts). */
  layers?: Record<string, unknown>;
}

/** Document figures from the token records (DESIGN.md "Units"). Sums in float64. */
export function summarize(tokens: readonly TokenRecord[], utf8Bytes: number): DocumentSummary {
  let total = 0;
  let entropy = 0;
  let finite = 0;
  let nonFinite = 0;
  for (const t of tokens) {
    if (t.nll === null || t.entropy === null) {
      nonFinite++;
      continue;
    }
    total += t.nll;
    entropy += t.entropy;
    finite++;
  }
  if (finite === 0) {
    return { tokens: tokens.length, totalNll: null, meanNll: null, perplexity: null, bitsPerByte: null, meanEntropy: null, nonFinite };
  }
  const meanNll = total / finite;
  return {
    tokens: tokens.length,
    totalNll: total,
    meanNll,
    perplexity: Math.exp(meanNll),
    bitsPerByte: utf8Bytes > 0 ? total / Math.LN2 / utf8Bytes : null,
    meanEntropy: entropy / finite,
    nonFinite,
  };
}
