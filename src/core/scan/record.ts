/**
 * One line of a corpus scan, schema `markov-lens/scan@1` (JSON Lines, one line per file): the
 * file's document figures from the same analysis `analyze` runs (so `bitsPerByte` is the same
 * number), its hottest passages and the model; or, for a file that could not be scored, why.
 * Fields may be added, never renamed.
 */
import type { DocumentSummary, ModelInfo, ScoringInfo } from '../analysis';
import type { HotSpan } from './hotSpans';

export const SCAN_SCHEMA = 'markov-lens/scan@1';

/** Why a file was not scored although it was found: stable names, with a message beside them. */
export type SkipReason = 'binary' | 'invalid-utf8' | 'too-large';

/** The model and scoring settings a line was made with (no path: shards on other machines compare equal). */
export type ScanModel = Omit<ModelInfo, 'path'> & Pick<ScoringInfo, 'window' | 'stride'>;

export interface ScoredLine {
  schema: typeof SCAN_SCHEMA;
  /** Relative to the scanned root, '/' separators. */
  path: string;
  sha256: string;
  bytes: number;
  tokens: number;
  /** Null for an empty file (no tokens), as in `analyze`. */
  bitsPerByte: number | null;
  meanNll: number | null;
  perplexity: number | null;
  meanEntropy: number | null;
  hot: HotSpan[];
  model: ScanModel;
}

export interface FailedLine {
  schema: typeof SCAN_SCHEMA;
  path: string;
  /** Present when the file could be read. */
  sha256?: string;
  bytes?: number;
  /** The file is not text the model can take (a decision, not a fault). */
  skipped?: SkipReason;
  /** The file could not be read or scored: the message naming the problem. */
  error?: string;
  /** With `skipped`: the detail (offset of the NUL byte, the limit, ...). */
  message?: string;
}

export type ScanLine = ScoredLine | FailedLine;

export function isScored(line: ScanLine): line is ScoredLine {
  return 'tokens' in line && typeof (line as ScoredLine).tokens === 'number';
}

export function scanModel(info: ModelInfo, scoring: Pick<ScoringInfo, 'window' | 'stride'>): ScanModel {
  const { path: _path, ...model } = info;
  return { ...model, window: scoring.window, stride: scoring.stride };
}

/** Same model and window: every field equal (compared as JSON, so nested fields compare by value). */
export function sameModel(a: ScanModel, b: ScanModel): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every(k => JSON.stringify((a as Record<string, unknown>)[k]) === JSON.stringify((b as Record<string, unknown>)[k]));
}

/** The line of a scored file, fields in schema order. */
export function scoredLine(path: string, sha256: string, bytes: number, summary: DocumentSummary, hot: HotSpan[], model: ScanModel): ScoredLine {
  return {
    schema: SCAN_SCHEMA, path, sha256, bytes, tokens: summary.tokens, bitsPerByte: summary.bitsPerByte,
    meanNll: summary.meanNll, perplexity: summary.perplexity, meanEntropy: summary.meanEntropy, hot, model,
  };
}

export function failedLine(path: string, why: { skipped?: SkipReason; error?: string; message?: string; sha256?: string; bytes?: number }): FailedLine {
  const line: FailedLine = { schema: SCAN_SCHEMA, path };
  if (why.sha256 !== undefined) line.sha256 = why.sha256;
  if (why.bytes !== undefined) line.bytes = why.bytes;
  if (why.skipped !== undefined) line.skipped = why.skipped;
  if (why.error !== undefined) line.error = why.error;
  if (why.message !== undefined) line.message = why.message;
  return line;
}

/** One JSON Lines line, newline included (full float precision: the numbers are `analyze`'s). */
export function formatLine(line: ScanLine): string {
  return JSON.stringify(line) + '\n';
}

/**
 * A line read back: null when it is not a complete scan@1 line (a torn last line of an interrupted
 * scan, a blank line); a line of another schema is an error naming it.
 */
export function parseLine(text: string): ScanLine | null {
  const trimmed = text.trim();
  if (!trimmed) return null;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (v.schema !== SCAN_SCHEMA) throw new Error(`not a ${SCAN_SCHEMA} line (schema ${JSON.stringify(v.schema)})`);
  if (typeof v.path !== 'string') return null;
  if ('tokens' in v) {
    const ok = typeof v.sha256 === 'string' && typeof v.bytes === 'number' && typeof v.tokens === 'number' && Array.isArray(v.hot) && !!v.model && typeof v.model === 'object';
    return ok ? (v as unknown as ScoredLine) : null;
  }
  return typeof v.skipped === 'string' || typeof v.error === 'string' ? (v as unknown as FailedLine) : null;
}
