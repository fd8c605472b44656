/**
 * One found file, read and judged before any model work: too large (by its size, unread), unreadable,
 * or its bytes with their sha256; then decoded as analyze decodes (NUL byte: binary; strict UTF-8).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { decodeDocument } from '../../core/document';
import { isInputError } from '../../core/errors';
import { failedLine, type FailedLine, type SkipReason } from '../../core/scan/record';
import type { FoundFile } from './walk';

export type ReadResult =
  | { file: FoundFile; bytes: Buffer; sha256: string }
  | { file: FoundFile; line: FailedLine };

export async function readFound(file: FoundFile, maxBytes: number): Promise<ReadResult> {
  if (file.error) return { file, line: failedLine(file.path, { error: file.error }) };
  if (file.size > maxBytes) {
    return { file, line: failedLine(file.path, { skipped: 'too-large', bytes: file.size, message: `${file.size} bytes, more than the limit of ${maxBytes} (--max-bytes)` }) };
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(file.absolute);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { file, line: failedLine(file.path, { error: `cannot read the file: ${err.code ?? err.message}` }) };
  }
  return { file, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

const SKIPS: Record<string, SkipReason> = { 'document-binary': 'binary', 'document-encoding': 'invalid-utf8', 'document-too-large': 'too-large' };

/** The text analyze would score, or the line saying why not (the message without the path). */
export function decodeFound(file: FoundFile, bytes: Buffer, sha256: string, maxBytes: number): { text: string } | { line: FailedLine } {
  try {
    return { text: decodeDocument(bytes, file.path, maxBytes) };
  } catch (e) {
    if (!isInputError(e) || !SKIPS[e.code]) throw e;
    const message = e.message.startsWith(`${file.path}: `) ? e.message.slice(file.path.length + 2) : e.message;
    return { line: failedLine(file.path, { sha256, bytes: bytes.length, skipped: SKIPS[e.code], message }) };
  }
}
