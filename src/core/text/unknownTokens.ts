/**
 * Unknown tokens that lost their text (BPE without byte fallback emits the bare `<unk>`): the
 * bytes they stand for are recovered from the document, as the gap between the known tokens
 * around them. Each gap is the leftmost place where the following run of known tokens occurs,
 * at least one byte on; a heuristic that is unambiguous unless that run repeats within the gap.
 */

/**
 * @param pieces each token's bytes, or null for an unknown token
 * @param doc the document's bytes as the tokenizer saw them
 * @returns the pieces with every null filled in, or null when the known pieces do not fit the document
 */
export function fillUnknownPieces(pieces: ReadonlyArray<Uint8Array | null>, doc: Uint8Array): Uint8Array[] | null {
  const out: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; i < pieces.length; ) {
    const piece = pieces[i];
    if (piece !== null) {
      if (!startsWithAt(doc, piece, at)) return null;
      out.push(piece);
      at += piece.length;
      i++;
      continue;
    }
    // A run of unknown tokens, then the run of known tokens that must follow them.
    let unknownEnd = i;
    while (unknownEnd < pieces.length && pieces[unknownEnd] === null) unknownEnd++;
    let knownEnd = unknownEnd;
    while (knownEnd < pieces.length && pieces[knownEnd] !== null) knownEnd++;
    const following = concat(pieces.slice(unknownEnd, knownEnd) as Uint8Array[]);
    const unknownCount = unknownEnd - i;
    const gapEnd = knownEnd === pieces.length && following.length === 0 ? doc.length : indexOf(doc, following, at + unknownCount);
    if (gapEnd < 0) return null;
    // Several unknown tokens in a row share the gap: one byte each, the rest to the last.
    for (let k = 0; k < unknownCount; k++) {
      const to = k === unknownCount - 1 ? gapEnd : at + 1;
      out.push(doc.subarray(at, to));
      at = to;
    }
    i = unknownEnd;
  }
  return at === doc.length ? out : null;
}

function startsWithAt(doc: Uint8Array, piece: Uint8Array, at: number): boolean {
  if (at + piece.length > doc.length) return false;
  for (let k = 0; k < piece.length; k++) if (doc[at + k] !== piece[k]) return false;
  return true;
}

function indexOf(doc: Uint8Array, needle: Uint8Array, from: number): number {
  for (let at = from; at + needle.length <= doc.length; at++) if (startsWithAt(doc, needle, at)) return at;
  return -1;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
