/**
 * The bytes each token id stands for, computed once per vocabulary (reference/onnx-signatures.md
 * section 6, step 2). These are exact for the families below; they are what the spans are built
 * from, and `tokenText` decodes them for display.
 */

export type ByteFamily =
  /** GPT-2 byte alphabet (decoder / pre-tokenizer ByteLevel): every char is one byte. */
  | { kind: 'byte-level' }
  /** SentencePiece-style: `space` stands for ' ', `<0xNN>` is byte NN when byteFallback. */
  | { kind: 'sentencepiece'; space: string; byteFallback: boolean };

/** Inverse of GPT-2's bytes_to_unicode: char code -> byte (-1 when the char is not in the alphabet). */
const BYTE_OF_CHAR: Int16Array = (() => {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table = new Int16Array(0x200).fill(-1);
  for (const b of printable) table[b] = b;
  let shifted = 0;
  for (let b = 0; b < 256; b++) if (!printable.includes(b)) table[256 + shifted++] = b;
  return table;
})();

const encoder = new TextEncoder();
const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

/** The bytes of one raw vocabulary string under `family`. */
export function tokenStringBytes(token: string, family: ByteFamily): Uint8Array {
  if (family.kind === 'byte-level') {
    const out = new Uint8Array(token.length);
    for (let i = 0; i < token.length; i++) {
      const code = token.charCodeAt(i);
      const byte = code < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[code] : -1;
      if (byte < 0) return encoder.encode(token); // not a byte-alphabet token (should not happen)
      out[i] = byte;
    }
    return out;
  }
  const byte = family.byteFallback ? BYTE_TOKEN.exec(token) : null;
  if (byte) return Uint8Array.of(parseInt(byte[1], 16));
  return encoder.encode(token.replaceAll(family.space, ' '));
}

/** Flat byte table: id's bytes are `bytes[offsets[id] .. offsets[id + 1])`. */
export interface ByteTable {
  readonly bytes: Uint8Array;
  readonly offsets: Uint32Array;
}

/**
 * @param vocab raw token string per id (undefined for holes)
 * @param addedTokens added tokens by id: their bytes are the UTF-8 of their content
 */
export function buildByteTable(vocab: ReadonlyArray<string | undefined>, addedTokens: ReadonlyMap<number, string>, family: ByteFamily): ByteTable {
  const pieces: Uint8Array[] = new Array(vocab.length);
  let total = 0;
  for (let id = 0; id < vocab.length; id++) {
    const added = addedTokens.get(id);
    const raw = vocab[id];
    const piece = added !== undefined ? encoder.encode(added) : raw === undefined ? new Uint8Array(0) : tokenStringBytes(raw, family);
    pieces[id] = piece;
    total += piece.length;
  }
  const bytes = new Uint8Array(total);
  const offsets = new Uint32Array(vocab.length + 1);
  for (let id = 0; id < vocab.length; id++) {
    bytes.set(pieces[id], offsets[id]);
    offsets[id + 1] = offsets[id] + pieces[id].length;
  }
  return { bytes, offsets };
}

export function tableBytes(table: ByteTable, id: number): Uint8Array {
  if (id < 0 || id + 1 >= table.offsets.length) return new Uint8Array(0);
  return table.bytes.subarray(table.offsets[id], table.offsets[id + 1]);
}
