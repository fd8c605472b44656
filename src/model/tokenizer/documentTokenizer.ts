/**
 * DocumentTokenizer on @huggingface/tokenizers: ids from the library, spans from the byte table
 * and the mapped document view (reference/onnx-signatures.md section 6).
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { tokenSpans } from '../../core/spans';
import { fillUnknownPieces } from '../../core/text/unknownTokens';
import { utf8Bytes } from '../../core/text/utf8';
import { ChunkedEncoder, DEFAULT_CHUNK } from './chunkedEncoding';
import { ByteFamily, ByteTable, buildByteTable, tableBytes, tokenStringBytes } from './byteTable';
import { DocumentViewRules, documentView } from './documentView';
import { documentViewRules, RawAddedToken, TokenizerJson } from './tokenizerRules';
import type { DocumentTokenizer, TokenizedDocument } from './types';

export interface DetailedTokenization extends TokenizedDocument {
  /** True when the token bytes matched the document exactly; false when a diff repaired the spans. */
  exact: boolean;
}

const decoder = new TextDecoder('utf-8');

/** Max id + 1 over the model vocabulary and the added tokens. */
export function vocabularySize(full: Tokenizer): number {
  let size = 0;
  for (const id of full.get_vocab(true).values()) size = Math.max(size, id + 1);
  return size;
}

export class HfDocumentTokenizer implements DocumentTokenizer {
  readonly vocabSize: number;
  private readonly table: ByteTable;
  private readonly rules: DocumentViewRules;
  private readonly unkId: number | undefined;
  private readonly unkToken: string | undefined;
  private readonly encoder: ChunkedEncoder;

  /**
   * @param full the tokenizer as published (special tokens are control tokens), for the vocabulary
   * @param document the document tokenizer: special-token strings are plain text in it
   * @param chunk piece length for long documents (see chunkedEncoding.ts); tests make it small
   */
  constructor(
    readonly prefixTokenId: number,
    full: Tokenizer,
    document: Tokenizer,
    json: TokenizerJson,
    tokenizerConfig: Record<string, unknown>,
    private readonly family: ByteFamily,
    chunk = DEFAULT_CHUNK,
  ) {
    this.vocabSize = vocabularySize(full);
    const vocab = Array.from({ length: this.vocabSize }, (_, id) => full.id_to_token(id));
    const added = new Map((json.added_tokens ?? []).map((t) => [t.id, t.content]));
    this.table = buildByteTable(vocab, added, family);
    const documentAdded = (json.added_tokens ?? []).filter((t: RawAddedToken) => t.special !== true);
    this.rules = documentViewRules(documentAdded, document.normalizer, document.pre_tokenizer, family);
    this.unkId = document.model?.unk_token_id;
    this.unkToken = document.model?.unk_token;
    this.encoder = new ChunkedEncoder(document, json, tokenizerConfig, chunk);
  }

  encode(text: string): TokenizedDocument {
    const { ids, starts, ends, partial, boundaryStart } = this.encodeDetailed(text);
    return { ids, starts, ends, partial, boundaryStart };
  }

  /** As encode, and says whether the spans are exact (see src/core/spans.ts). */
  encodeDetailed(text: string): DetailedTokenization {
    const encoding = this.encoder.encode(text);
    const ids = Int32Array.from(encoding.ids);
    const view = documentView(text, this.rules);
    const pieceAt = (i: number) => this.bytesAt(ids[i], encoding.tokens[i]);
    let pieces: (i: number) => Uint8Array | null = pieceAt;
    if (this.unkId !== undefined && ids.includes(this.unkId) && ids.some((_, i) => pieceAt(i) === null)) {
      const filled = fillUnknownPieces(Array.from(ids, (_, i) => pieceAt(i)), utf8Bytes(view.text));
      pieces = filled ? (i) => filled[i] : (i) => pieceAt(i) ?? utf8Bytes(this.unkToken ?? '');
    }
    // Two passes (lengths, then bytes) so memory stays a few typed arrays, not an object per token.
    const tokenEnds = new Uint32Array(ids.length);
    let total = 0;
    for (let i = 0; i < ids.length; i++) tokenEnds[i] = total += (pieces(i) as Uint8Array).length;
    const tokenBytes = new Uint8Array(total);
    for (let i = 0; i < ids.length; i++) tokenBytes.set(pieces(i) as Uint8Array, i === 0 ? 0 : tokenEnds[i - 1]);
    const spans = tokenSpans(tokenBytes, tokenEnds, view);
    return { ids, starts: spans.starts, ends: spans.ends, partial: spans.partial, boundaryStart: spans.boundaryStart, exact: spans.exact };
  }

  tokenText(id: number): string {
    return decoder.decode(tableBytes(this.table, id));
  }

  /** The exact bytes the token stands for (a view into the table: do not modify). */
  tokenBytes(id: number): Uint8Array {
    return tableBytes(this.table, id);
  }

  /**
   * The table's bytes; for an unknown token, the text it still carries (Unigram), or null when
   * it lost it (BPE without byte fallback: the bytes are recovered from the document).
   */
  private bytesAt(id: number, token: string | undefined): Uint8Array | null {
    if (id !== this.unkId) return tableBytes(this.table, id);
    return token !== undefined && token !== this.unkToken ? tokenStringBytes(token, this.family) : null;
  }
}
