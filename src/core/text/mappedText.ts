/**
 * A string derived from a document (by normalization, prefixes, ...) that remembers where each of
 * its UTF-16 code units came from in the original document.
 *
 * `starts[i]` is the original offset where unit i begins; `starts[text.length]` is where the whole
 * piece ends. Unit i covers the original range `[starts[i], starts[i + 1])`, so the ranges of all
 * units tile the original range exactly, whatever the transformation did:
 * - a unit copied 1:1 covers its own original unit;
 * - when a piece is rewritten (NFC, lowercase, ...), its first unit covers the whole original piece
 *   and the other units are empty;
 * - inserted text (a dummy prefix) covers nothing;
 * - deleted text is absorbed by the unit before it (or the first unit, for a leading deletion).
 */
export interface MappedText {
  readonly text: string;
  /** Monotone, length text.length + 1, in UTF-16 units of the original document. */
  readonly starts: Uint32Array;
}

/** The identity mapping of `text`, whose first unit sits at `offset` in the original document. */
export function identityMapped(text: string, offset = 0): MappedText {
  const starts = new Uint32Array(text.length + 1);
  for (let i = 0; i <= text.length; i++) starts[i] = offset + i;
  return { text, starts };
}

/** The units [from, to) of `m`, keeping their original positions. */
export function sliceMapped(m: MappedText, from: number, to: number): MappedText {
  return { text: m.text.slice(from, to), starts: m.starts.slice(from, to + 1) };
}

/**
 * Builds a new MappedText out of pieces of a source MappedText, composing the maps so the result
 * points straight into the original document.
 */
export class MappedTextBuilder {
  private parts: string[] = [];
  private starts: Uint32Array;
  private length = 0;

  constructor(private readonly source: MappedText, expectedLength = source.text.length) {
    this.starts = new Uint32Array(Math.max(16, expectedLength + 1));
  }

  /** Copies source units [from, to) unchanged. */
  copy(from: number, to: number): void {
    if (to <= from) return;
    this.reserve(to - from);
    this.starts.set(this.source.starts.subarray(from, to), this.length);
    this.parts.push(this.source.text.slice(from, to));
    this.length += to - from;
  }

  /** Emits `text` in place of source units [from, to): its first unit takes the whole range. */
  replace(from: number, to: number, text: string): void {
    if (text.length === 0) return; // a deletion: the previous unit absorbs the range
    if (text === this.source.text.slice(from, to)) {
      this.copy(from, to);
      return;
    }
    this.reserve(text.length);
    this.starts[this.length] = this.source.starts[from];
    this.starts.fill(this.source.starts[to], this.length + 1, this.length + text.length);
    this.parts.push(text);
    this.length += text.length;
  }

  /** Emits `text` that has no source: it covers nothing and sits at source unit `at`. */
  insert(at: number, text: string): void {
    if (text.length === 0) return;
    this.reserve(text.length);
    this.starts.fill(this.source.starts[at], this.length, this.length + text.length);
    this.parts.push(text);
    this.length += text.length;
  }

  /** The result; it ends where the source ends, and begins where the source begins. */
  finish(): MappedText {
    const starts = this.starts.slice(0, this.length + 1);
    starts[this.length] = this.source.starts[this.source.text.length];
    // A leading deletion belongs to the first unit (ranges must start at the source's start).
    if (this.length > 0) starts[0] = Math.min(starts[0], this.source.starts[0]);
    return { text: this.parts.join(''), starts };
  }

  private reserve(extra: number): void {
    const needed = this.length + extra + 1;
    if (needed <= this.starts.length) return;
    const grown = new Uint32Array(Math.max(needed, this.starts.length * 2));
    grown.set(this.starts.subarray(0, this.length));
    this.starts = grown;
  }
}

/** Concatenates mapped pieces that follow each other in the original document. */
export function concatMapped(pieces: readonly MappedText[], originalStart: number, originalEnd: number): MappedText {
  const total = pieces.reduce((n, p) => n + p.text.length, 0);
  const starts = new Uint32Array(total + 1);
  let at = 0;
  for (const p of pieces) {
    starts.set(p.starts.subarray(0, p.text.length), at);
    at += p.text.length;
  }
  starts[total] = originalEnd;
  if (total > 0) starts[0] = Math.min(starts[0], originalStart);
  return { text: pieces.map((p) => p.text).join(''), starts };
}
