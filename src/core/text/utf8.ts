/**
 * UTF-8 facts about JS strings. A lone surrogate (invalid UTF-16) counts as U+FFFD, 3 bytes: that
 * is what TextEncoder writes for it, and so what byte-level tokenizers see.
 */

/** The code point length in UTF-16 units and its UTF-8 length, for the code point at `i`. */
export function codePointAt(text: string, i: number): { units: 1 | 2; bytes: 1 | 2 | 3 | 4 } {
  const c = text.charCodeAt(i);
  if (c < 0x80) return { units: 1, bytes: 1 };
  if (c < 0x800) return { units: 1, bytes: 2 };
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
    const next = text.charCodeAt(i + 1);
    if (next >= 0xdc00 && next <= 0xdfff) return { units: 2, bytes: 4 };
  }
  return { units: 1, bytes: 3 }; // BMP, or a lone surrogate written as U+FFFD
}

const encoder = new TextEncoder();

/** UTF-8 bytes of `text`, lone surrogates as U+FFFD. */
export function utf8Bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** UTF-8 length of `text` without allocating, lone surrogates as U+FFFD. */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; ) {
    const cp = codePointAt(text, i);
    n += cp.bytes;
    i += cp.units;
  }
  return n;
}
