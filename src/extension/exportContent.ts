/**
 * What Export… writes for a held analysis, made by the CLI's own formatters so that a file exported
 * here and one written by `markov-lens analyze FILE --format json|csv` (or `compare … --against DIR`)
 * for the same file and settings diff cleanly. `input.path` is the file's path relative to its
 * workspace folder (what the CLI writes when run there with that path), else its absolute path.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatComparisonJson } from '../core/compare/comparison';
import { formatComparisonCsv } from '../core/compare/formatCsv';
import { formatCsv } from '../core/format/csv';
import { formatJson, geometryJsonBlock } from '../core/format/json';
import { formatSummaryMarkdown } from '../core/format/summaryMarkdown';
import type { DocumentResult } from './results';

export type DataFormat = 'json' | 'csv';

/** The `input.path` the CLI would write: relative to the file's workspace folder, else absolute. */
export function inputPathOf(uri: vscode.Uri): string {
  if (uri.scheme !== 'file') return uri.path.split('/').pop() || uri.toString();
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  return folder ? path.relative(folder.uri.fsPath, uri.fsPath) : uri.fsPath;
}

/** Why this result cannot be exported yet, or undefined when it can. */
export function notExportable(result: DocumentResult | undefined): string | undefined {
  if (!result) return 'no analysis of this document yet; run "Markov Lens: Analyze File" first';
  if (result.running) return 'the analysis is still running';
  if (result.error) return `the last analysis failed (${result.error})`;
  if (!result.header) return 'the analysis has not finished';
  return undefined;
}

/**
 * The JSON or CSV text of a finished result: a comparison as `markov-lens compare` writes it, an
 * analysis as `markov-lens analyze` does (with the geometry block when the spectrum computed one).
 */
export function exportText(result: DocumentResult, format: DataFormat, inputPath: string): string {
  const comparison = result.comparison?.result;
  if (comparison) return format === 'json' ? formatComparisonJson(comparison, inputPath) : formatComparisonCsv(result.text, comparison);
  if (format === 'csv') return formatCsv(result.tokens);
  const header = result.header;
  if (!header || !result.scoring) throw new Error('the analysis has not finished');
  return formatJson({
    model: header.model, scoring: result.scoring, tokens: result.tokens, summary: header.summary,
    inputPath, utf16Length: result.text.length, utf8Bytes: header.utf8Bytes,
    geometry: result.geometry && geometryJsonBlock(result.geometry, result.tokens, result.geometryMs),
  });
}

/** Copy summary: the figures of the result (and its comparison) as Markdown. */
export function summaryText(result: DocumentResult): string {
  const header = result.header;
  if (!header) throw new Error('the analysis has not finished');
  return formatSummaryMarkdown({
    fileName: result.fileName, model: header.model, summary: header.summary,
    comparison: header.comparison && { against: header.comparison.against, sameTokenizer: header.comparison.sameTokenizer, summary: header.comparison.summary },
  });
}
