/**
 * One read file to its scan line, the same way in the CLI and the editor's folder scan: decode as
 * analyze does, score with the engine, keep the summary and hot spans. A failure of this file (the
 * engine refused it, or stopped under it) becomes its error line; cancellation is thrown.
 */
import { isEngineStopped, isInputError } from '../../core/errors';
import { lineFromAnalysis } from '../../core/scan/fromAnalysis';
import { failedLine, type ScanLine } from '../../core/scan/record';
import type { Analysis } from '../../model/api';
import { decodeFound, type ReadResult } from './readFile';

export interface ScoredFile {
  line: ScanLine;
  tokens: number;
  /** The engine process stopped under this file (the caller starts a new one). */
  engineStopped: boolean;
}

export async function scoreRead(read: ReadResult, maxBytes: number, analyze: (text: string) => Promise<Analysis>, signal?: AbortSignal,
  onAnalysis?: (text: string, analysis: Analysis) => void): Promise<ScoredFile> {
  if ('line' in read) return { line: read.line, tokens: 0, engineStopped: false };
  const { file, bytes, sha256 } = read;
  const decoded = decodeFound(file, bytes, sha256, maxBytes);
  if ('line' in decoded) return { line: decoded.line, tokens: 0, engineStopped: false };
  try {
    const analysis = await analyze(decoded.text);
    onAnalysis?.(decoded.text, analysis);
    return { line: lineFromAnalysis(file.path, sha256, bytes.length, decoded.text, analysis), tokens: analysis.summary.tokens, engineStopped: false };
  } catch (e) {
    if (signal?.aborted) throw e;
    const message = e instanceof Error ? e.message : String(e);
    return {
      line: failedLine(file.path, { sha256, bytes: bytes.length, error: isInputError(e) ? message : `the engine failed: ${message}` }),
      tokens: 0,
      engineStopped: isEngineStopped(e),
    };
  }
}
