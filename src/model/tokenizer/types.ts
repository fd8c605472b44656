/**
 * The contract between tokenization and scoring: a document becomes token ids plus exact UTF-16
 * spans (DESIGN.md "Offsets"), and the prefix token that goes before it (DESIGN.md "Scoring").
 */

export interface TokenizedDocument {
  /** Token ids of the document text (no prefix token, no special tokens added). */
  ids: Int32Array;
  /** Span start of each token, UTF-16 code units into the original document string. */
  starts: Uint32Array;
  /** Span end (exclusive) of each token. Spans are ordered, never overlap, and tile the text. */
  ends: Uint32Array;
  /** 1 where the token holds only part of a multi-byte character. */
  partial: Uint8Array;
  /**
   * 1 where the token's first byte starts a character (core/spans.ts); absent from tokenizers that
   * cannot split characters (every token then starts on one).
   */
  boundaryStart?: Uint8Array;
}

export interface DocumentTokenizer {
  /** The one token put before the text: the tokenizer's BOS, else config bos_token_id, else EOS. */
  readonly prefixTokenId: number;
  /** Number of ids the tokenizer can produce (max id + 1). */
  readonly vocabSize: number;
  /** Tokenizes a whole document; special-token strings in it are plain text. */
  encode(text: string): TokenizedDocument;
  /** The token's bytes decoded as UTF-8 for display (may contain U+FFFD for partial characters). */
  tokenText(id: number): string;
}
