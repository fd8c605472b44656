/**
 * Token spans in the original document (DESIGN.md "Offsets"): from the bytes of each token and the
 * document text as the tokenizer saw it (normalized, with dummy prefixes, mapped back to the
 * original), compute `[start, end)` in UTF-16 units of the original string.
 *
 * Exact when the tokens' bytes equal the UTF-8 of the mapped text (the self-check). Otherwise the
 * bytes are aligned by a diff first (a heuristic: spans still tile the text, attribution near the
 * differences may be off by the differing stretch).
 *
 * Rules: a character belongs to the token that holds its first byte; a token holding part of a
 * multi-byte character is `partial`; a token holding no first byte has start == end. Spans are in
 * order, never overlap and cover the mapped range (the whole document, when tokens exist).
 */
import { MappedText } from './text/mappedText';
import { alignSequences } from './text/sequenceAlignment';
import { codePointAt, utf8Bytes } from './text/utf8';

export interface TokenSpans {
  starts: Uint32Array;
  ends: Uint32Array;
  partial: Uint8Array;
  /**
   * 1 when the token's first byte is the first byte of a character (a token with no bytes: when it
   * sits on a character boundary). A partial token can start inside a character yet own the next
   * one: its span starts there, but this flag is 0 (core/compare/segments.ts needs the difference).
   */
  boundaryStart: Uint8Array;
  /** True when the token bytes matched the document bytes exactly (no diff repair). */
  exact: boolean;
}

/**
 * @param tokenBytes all token bytes, concatenated
 * @param tokenEnds byte offset (into tokenBytes) where each token ends
 * @param doc the text the tokenizer saw, in the tokens' byte domain, mapped to the original
 */
export function tokenSpans(tokenBytes: Uint8Array, tokenEnds: Uint32Array, doc: MappedText): TokenSpans {
  const docBytes = utf8Bytes(doc.text);
  const exact = bytesEqual(tokenBytes, docBytes);
  const toDoc = exact ? null : alignSequences(tokenBytes, docBytes);
  const n = tokenEnds.length;
  const starts = new Uint32Array(n);
  const ends = new Uint32Array(n);
  const partial = new Uint8Array(n);
  const boundaryStart = new Uint8Array(n);

  // One walk over the document's code points, in step with the (monotone) token boundaries.
  let unit = 0;
  let unitByte = 0;
  /** Original offset of the first character whose first byte is at or after `byte`. */
  const locate = (byte: number): { at: number; onBoundary: boolean } => {
    while (unitByte < byte && unit < doc.text.length) {
      const cp = codePointAt(doc.text, unit);
      unit += cp.units;
      unitByte += cp.bytes;
    }
    return { at: doc.starts[unit], onBoundary: unitByte === byte };
  };

  let previous = locate(0);
  for (let t = 0; t < n; t++) {
    const next = locate(toDoc ? toDoc[tokenEnds[t]] : tokenEnds[t]);
    starts[t] = previous.at;
    ends[t] = next.at;
    const empty = (t === 0 ? 0 : tokenEnds[t - 1]) === tokenEnds[t];
    partial[t] = !empty && (!previous.onBoundary || !next.onBoundary) ? 1 : 0;
    boundaryStart[t] = previous.onBoundary ? 1 : 0;
    previous = next;
  }
  if (n > 0) ends[n - 1] = doc.starts[doc.text.length]; // trailing deleted text joins the last token
  return { starts, ends, partial, boundaryStart, exact };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
