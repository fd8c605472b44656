/** The `markov-lens/analysis@1` JSON document (DESIGN.md "JSON output"). */
import type { AnalysisDocument, DocumentSummary, ModelInfo, ScoringInfo, TokenRecord } from '../analysis';
import type { GeometryReport } from '../geometry';
import { geometryFieldsOn } from '../geometry/tokenFields';

export interface AnalysisParts {
  model: ModelInfo;
  scoring: ScoringInfo;
  tokens: TokenRecord[];
  summary: DocumentSummary;
  inputPath: string;
  utf16Length: number;
  utf8Bytes: number;
  geometry?: Record<string, unknown>;
  words?: AnalysisDocument['words'];
  /** The layer lens block (format/layers.ts). */
  layers?: Record<string, unknown>;
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
  if (parts.words) doc.words = parts.words;
  if (parts.layers) doc.layers = parts.layers;
  return doc;
}

/**
 * The JSON's `geometry` block: the report without its per-token arrays (they are on the token
 * records already; the block names those fields instead), its total time the analysis's geometry time.
 */
export function geometryJsonBlock(report: GeometryReport, tokens: readonly TokenRecord[], geometryMs: number | undefined): Record<string, unknown> {
  return { ...report, perToken: undefined, perTokenFields: geometryFieldsOn(tokens), timings: { ...report.timings, totalMs: geometryMs } } as unknown as Record<string, unknown>;
}

const LAYERS_MARK = '@@layers@@';

/** Indented JSON whose arrays of numbers (the lens's rows) each stay on one line. */
function rowsPerLine(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (value.every(v => v === null || typeof v !== 'object')) return JSON.stringify(value);
    return `[\n${value.map(v => `${indent}  ${rowsPerLine(v, `${indent}  `)}`).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{\n${entries.map(([k, v]) => `${indent}  ${JSON.stringify(k)}: ${rowsPerLine(v, `${indent}  `)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/**
 * Indented JSON with one line per token record, so a long document stays readable and diffable.
 * The content is exactly JSON.stringify's; only the whitespace differs.
 */
export function formatJson(parts: AnalysisParts): string {
  const doc = toAnalysisDocument(parts);
  const tokens = doc.tokens.map(t => `    ${JSON.stringify(t)}`).join(',\n');
  const body = JSON.stringify({ ...doc, tokens: [], ...(doc.layers ? { layers: LAYERS_MARK } : {}) }, null, 2);
  // A function replacement: token text may contain "$&" and friends.
  const replaced = body
    .replace('"tokens": []', () => (doc.tokens.length ? `"tokens": [\n${tokens}\n  ]` : '"tokens": []'))
    .replace(`"layers": "${LAYERS_MARK}"`, () => `"layers": ${rowsPerLine(doc.layers, '  ')}`);
  return replaced + '\n';
}
