/**
 * The result of comparing two models on one text, as every front end holds it, and its JSON
 * document of schema `markov-lens/comparison@1` (fields may be added, never renamed). The base
 * model (`--model`) plays P, the reference; the other (`--against`) plays Q.
 */
import type { ModelInfo, ScoringInfo, TokenRecord } from '../analysis';
import type { CompareTokenRecord } from './records';
import type { Segment } from './segments';
import type { ComparisonSummary } from './summary';

/** Whether the two tokenizers are the same, decided by content, and what differed. */
export interface TokenizerMatch {
  same: boolean;
  reason: string;
}

/** One tokenizer: both models scored the same ids in the same windows. */
export interface SharedScoring extends ScoringInfo {
  /** The two context lengths; the window is the smaller (capped as for an analysis) unless set. */
  contexts: { model: number; against: number };
}

interface ComparisonCommon {
  models: { model: ModelInfo; against: ModelInfo };
  tokenizer: TokenizerMatch;
  summary: ComparisonSummary;
  utf16Length: number;
  utf8Bytes: number;
  timings: { tokenizeMs: number; inferenceMs: number; totalMs: number };
}

export interface SameTokenizerComparison extends ComparisonCommon {
  kind: 'same-tokenizer';
  scoring: SharedScoring;
  tokens: CompareTokenRecord[];
  /** Live mode: leading records kept from the previous comparison. */
  reusedTokens?: number;
}

export interface CrossTokenizerComparison extends ComparisonCommon {
  kind: 'cross-tokenizer';
  /** Each model scored its own ids with its own plan. */
  scoring: { model: ScoringInfo; against: ScoringInfo };
  /** Each model's own token records. */
  tokens: TokenRecord[];
  againstTokens: TokenRecord[];
  segments: Segment[];
}

export type Comparison = SameTokenizerComparison | CrossTokenizerComparison;

export const COMPARISON_SCHEMA = 'markov-lens/comparison@1';

/** A token of the JSON document: position fields, each model's own metrics, then the joint ones. */
function tokenJson(t: CompareTokenRecord): Record<string, unknown> {
  const { index, id, text, start, end, partial, context, nll, entropy, rank, top, varentropy, logZ, against, kl, klReverse, js, tv, acceptance, dNll, dP, sameTop1 } = t;
  return {
    index, id, text, start, end, partial, context,
    model: { nll, entropy, rank, top, varentropy, logZ },
    against,
    kl, klReverse, js, tv, acceptance, dNll, dP, sameTop1,
    ...(t.outsideModel !== undefined ? { outsideModel: t.outsideModel, outsideAgainst: t.outsideAgainst } : {}),
  };
}

export function toComparisonDocument(c: Comparison, inputPath: string): Record<string, unknown> {
  const head = {
    schema: COMPARISON_SCHEMA,
    models: c.models,
    input: { path: inputPath, utf16Length: c.utf16Length, utf8Bytes: c.utf8Bytes },
    tokenizer: c.tokenizer,
    scoring: c.scoring,
  };
  if (c.kind === 'same-tokenizer') return { ...head, tokens: c.tokens.map(tokenJson), summary: c.summary };
  return {
    ...head,
    segments: c.segments.map(s => ({ start: s.start, end: s.end, nllModel: s.nllModel, nllAgainst: s.nllAgainst, dNll: s.dNll, modelTokens: s.modelTokens, againstTokens: s.againstTokens })),
    summary: c.summary,
  };
}

/**
 * Indented JSON with one line per token or segment (as the analysis JSON: the content is exactly
 * JSON.stringify's, only the whitespace differs).
 */
export function formatComparisonJson(c: Comparison, inputPath: string): string {
  const doc = toComparisonDocument(c, inputPath);
  const key = c.kind === 'same-tokenizer' ? 'tokens' : 'segments';
  const rows = doc[key] as unknown[];
  const body = JSON.stringify({ ...doc, [key]: [] }, null, 2);
  const lines = rows.map(r => `    ${JSON.stringify(r)}`).join(',\n');
  return body.replace(`"${key}": []`, () => (rows.length ? `"${key}": [\n${lines}\n  ]` : `"${key}": []`)) + '\n';
}
