/**
 * Decides whether a file is text we can analyse, before any model work. Pure (no vscode).
 * Binary detection is a heuristic, git's: a NUL byte in the first 8000 bytes.
 */
import { InputError } from '../core/errors';

const SNIFF_BYTES = 8000;

export function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, SNIFF_BYTES);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  return false;
}

/** Throws the user-facing InputError when the file must not be analysed. */
export function checkDocumentBytes(fileName: string, sizeBytes: number, head: Uint8Array, maxFileSizeKB: number): void {
  if (sizeBytes > maxFileSizeKB * 1024) {
    throw new InputError(
      `${fileName}: ${(sizeBytes / 1024).toFixed(0)} KB is over the markovLens.maxFileSizeKB limit of ${maxFileSizeKB} KB.`,
      'document-too-large', fileName);
  }
  if (looksBinary(head)) {
    throw new InputError(`${fileName} looks like a binary file (it contains NUL bytes); only text can be analysed.`,
      'document-binary', fileName);
  }
}

export function checkDocumentText(fileName: string, text: string): void {
  if (text.length === 0) throw new InputError(`${fileName} is empty: there is nothing to analyse.`, 'document-missing', fileName);
}
