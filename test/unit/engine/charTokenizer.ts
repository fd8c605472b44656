/**
 * Test-only tokenizer for the hand-written tiny model: one token per UTF-16 unit, id = code % (V-1)
 * + 1, prefix id 0. It satisfies the DocumentTokenizer contract; the real loader lives in
 * src/model/tokenizer/.
 */
import type { DocumentTokenizer, TokenizedDocument } from '../../../src/model/tokenizer/types';

export function charTokenizer(vocab: number): DocumentTokenizer {
  return {
    prefixTokenId: 0,
    vocabSize: vocab,
    encode(text: string): TokenizedDocument {
      const n = text.length;
      const ids = new Int32Array(n);
      const starts = new Uint32Array(n);
      const ends = new Uint32Array(n);
      for (let i = 0; i < n; i++) {
        ids[i] = (text.charCodeAt(i) % (vocab - 1)) + 1;
        starts[i] = i;
        ends[i] = i + 1;
      }
      return { ids, starts, ends, partial: new Uint8Array(n) };
    },
    tokenText: (id: number) => `<${id}>`,
  };
}
