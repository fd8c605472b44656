/** The `markov-lens/analysis@1` JSON document (DESIGN.md "JSON output"). */
import type { AnalysisDocument, DocumentSummary, ModelInfo, ScoringInfo, TokenRecord } from './analysis';

export interface AnalysisParts {
  model: ModelInfo;
  scoring: ScoringInfo;
  tokens: TokenRecord[];
  summary: DocumentSummary;
  inputPath: string;
  utf16Length: number;
  utf8Bytes: number;
  geometry?: Record<string, unknown>;
}

export function toAnalysisDocument(parts: AnalysisParts): AnalysisDocument {
  const doc: AnalysisDocument = {
    schema: 'markov-lens/analysis@1',
    model: parts.model,
    input: { path: parts.inputPath, utf16Length: parts.utf16Length, utf8Bytes: parts.utf8Bytes },
    scoring: parts.scoring,
    tokens: parts.tokens,
    summary: parts.summary,
  };
  if (parts.geometry) doc.geometry = parts.geometry;
  return doc;
}

export function formatJson(parts: AnalysisParts): string {
  return JSON.stringify(toAnalysisDocument(parts), null, 2) + '\n';
}
