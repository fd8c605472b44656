/**
 * Turns a file's bytes into the document string the model scores, refusing inputs that are not
 * text: a size limit, NUL bytes (binary), and invalid UTF-8 (strict decoding). An empty file is a
 * valid, empty document.
 */
import { InputError } from './errors';

/** Default input size limit, bytes. */
export { DEFAULT_MAX_BYTES } from './defaults';
import { DEFAULT_MAX_BYTES } from './defaults';

/** Decodes `bytes` as UTF-8 text; `path` only names the file in error messages. */
export function decodeDocument(bytes: Uint8Array, path: string, maxBytes = DEFAULT_MAX_BYTES): string {
  checkDocumentSize(bytes.length, path, maxBytes);
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    throw new InputError(`${path}: looks binary (a NUL byte at offset ${nul}); only text files can be analysed`, 'document-binary', path);
  }
  try {
    // A leading BOM is dropped, as editors do; offsets are then into the string without it.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(`${path}: is not valid UTF-8 text (at byte ${firstInvalidUtf8(bytes)})`, 'document-encoding', path);
  }
}

/** Refuses a document over the size limit (callers may check the file size before reading it). */
export function checkDocumentSize(size: number, path: string, maxBytes = DEFAULT_MAX_BYTES): void {
  if (size > maxBytes) {
    throw new InputError(`${path}: the file is ${size} bytes, more than the limit of ${maxBytes} bytes (raise it with --max-bytes)`, 'document-too-large', path);
  }
}

/** UTF-8 length of a string, counting a lone surrogate as the 3 bytes of U+FFFD. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Offset of the first byte that starts an invalid UTF-8 sequence (approximate: for the message only). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0 || i + need >= bytes.length) return i;
    for (let j = 1; j <= need; j++) {
      if ((bytes[i + j] & 0xc0) !== 0x80) return i;
    }
    i += need + 1;
  }
  return i;
}
