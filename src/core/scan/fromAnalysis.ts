/** A file's scan line from its analysis (the one `analyze` makes): summary as is, hot spans, model. */
import type { DocumentSummary, ModelInfo, ScoringInfo, TokenRecord } from '../analysis';
import { hotSpans } from './hotSpans';
import { scanModel, scoredLine, type ScoredLine } from './record';

export interface ScannedAnalysis {
  model: ModelInfo;
  scoring: ScoringInfo;
  tokens: readonly TokenRecord[];
  summary: DocumentSummary;
}

export function lineFromAnalysis(path: string, sha256: string, bytes: number, text: string, analysis: ScannedAnalysis): ScoredLine {
  return scoredLine(path, sha256, bytes, analysis.summary, hotSpans(text, analysis.tokens), scanModel(analysis.model, analysis.scoring));
}
