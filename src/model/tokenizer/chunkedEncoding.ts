/**
 * Encoding a long document in pieces, for tokenizers whose pre-tokenizer does not split the text
 * (Metaspace in @huggingface/tokenizers 0.2.0 returns the whole text as one word, as does no
 * pre-tokenizer): there the library runs BPE or the Unigram lattice over the whole document, which
 * is slow, memory-hungry and, for Unigram, overflows the stack on about a megabyte.
 *
 * A cut between characters x|y is safe, i.e. the ids equal the whole-text ids, when:
 * - BPE: no merge joins a left part ending in x to a right part starting with y (so no symbol can
 *   ever span the cut: the first one to do so would need exactly such a merge);
 * - Unigram: no vocabulary piece contains xy (no lattice edge spans the cut, so the best path
 *   splits there);
 * - both x and y are single-symbol tokens (so no unknown-token fusion spans the cut);
 * - the normalizer gives the same text piecewise (checked on the actual document);
 * and the pieces after the first are encoded by a "continuation" tokenizer without the dummy
 * prefix (no Prepend normalizer, Metaspace prepend_scheme 'never'), since the whole text gets it
 * only at its start. Cuts are only made when there are no added tokens in the document tokenizer.
 * The equality is tested against whole-text encoding in test/unit/tokenizer.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import type { TokenizerJson } from './tokenizerRules';

export interface Encoded {
  ids: number[];
  tokens: string[];
}

/** Default piece length in UTF-16 units (a cut is made at the first safe place after it). */
export const DEFAULT_CHUNK = 4096;

export class ChunkedEncoder {
  private readonly continuation: Tokenizer | null;
  private readonly space: string | null;
  /** Built on the first long document only (a large Unigram vocabulary makes many pairs). */
  private pairs: { forbidden: ReadonlySet<string>; symbols: ReadonlySet<string> } | null = null;

  constructor(private readonly document: Tokenizer, private readonly json: TokenizerJson, tokenizerConfig: Record<string, unknown>, private readonly chunk = DEFAULT_CHUNK) {
    this.continuation = chunkable(json, tokenizerConfig) ? new Tokenizer(continuationJson(json), tokenizerConfig) : null;
    const pre = json.pre_tokenizer as { type?: string; replacement?: string; str_rep?: string } | null;
    this.space = pre?.type === 'Metaspace' ? (pre.str_rep || pre.replacement || '\u2581') : null;
  }

  encode(text: string): Encoded {
    const cuts = this.cutPositions(text);
    if (cuts.length === 0) return this.whole(text);
    const bounds = [0, ...cuts, text.length];
    const pieces = bounds.slice(1).map((end, i) => text.slice(bounds[i], end));
    const normalizer = this.document.normalizer;
    if (normalizer && pieces.map((p, i) => (i === 0 ? normalizer.normalize(p) : this.continuation?.normalizer?.normalize(p) ?? p)).join('') !== normalizer.normalize(text)) {
      return this.whole(text); // the normalizer is not piecewise on this text
    }
    const out: Encoded = { ids: [], tokens: [] };
    pieces.forEach((piece, i) => {
      const e = (i === 0 ? this.document : (this.continuation as Tokenizer)).encode(piece, { add_special_tokens: false });
      for (let k = 0; k < e.ids.length; k++) {
        out.ids.push(e.ids[k]);
        out.tokens.push(e.tokens[k]);
      }
    });
    return out;
  }

  private whole(text: string): Encoded {
    const e = this.document.encode(text, { add_special_tokens: false });
    return { ids: e.ids, tokens: e.tokens };
  }

  /** Safe cut positions, about `chunk` units apart, only between two ASCII characters. */
  cutPositions(text: string): number[] {
    const cuts: number[] = [];
    if (!this.continuation || text.length <= this.chunk) return cuts;
    for (let p = this.chunk; p < text.length; p++) {
      if (this.safeAt(text, p)) {
        cuts.push(p);
        p += this.chunk - 1;
      }
    }
    return cuts;
  }

  private safeAt(text: string, p: number): boolean {
    const left = text.charCodeAt(p - 1);
    const right = text.charCodeAt(p);
    // ASCII on both sides: every normalizer acts on them independently of their neighbours.
    if (left >= 0x80 || right >= 0x80 || p === 0) return false;
    const x = this.symbol(text[p - 1]);
    const y = this.symbol(text[p]);
    const { forbidden, symbols } = (this.pairs ??= modelPairs(this.json));
    return symbols.has(x) && symbols.has(y) && !forbidden.has(x + '\u0000' + y);
  }

  /** A character as the model sees it after the pre-tokenizer (spaces become ▁). */
  private symbol(ch: string): string {
    const n = this.document.normalizer ? this.document.normalizer.normalize(ch) : ch;
    return this.space !== null ? n.replaceAll(' ', this.space) : n;
  }
}

/**
 * The character pairs a cut must not separate (BPE: last char of a merge's left part + first char
 * of its right part; Unigram: adjacent chars inside a piece), and the single-character tokens.
 */
function modelPairs(json: TokenizerJson): { forbidden: Set<string>; symbols: Set<string> } {
  const model = json.model as { type?: string; vocab?: unknown; merges?: unknown[] };
  const vocab = model.type === 'Unigram' ? (model.vocab as Array<[string, number]>).map((p) => p[0]) : Object.keys(model.vocab as object);
  const forbidden = new Set<string>();
  if (model.type === 'Unigram') {
    for (const piece of vocab) {
      const cps = Array.from(piece);
      for (let i = 0; i + 1 < cps.length; i++) forbidden.add(cps[i] + '\u0000' + cps[i + 1]);
    }
  } else {
    for (const merge of model.merges ?? []) {
      const [a, b] = Array.isArray(merge) ? (merge as string[]) : String(merge).split(' ', 2);
      if (a && b) forbidden.add(Array.from(a).at(-1) + '\u0000' + Array.from(b)[0]);
    }
  }
  return { forbidden, symbols: new Set(vocab.filter((v) => Array.from(v).length === 1)) };
}

/** Only where the whole text is one word and the pieces can be encoded independently. */
function chunkable(json: TokenizerJson, tokenizerConfig: Record<string, unknown>): boolean {
  const pre = json.pre_tokenizer as { type?: string } | null | undefined;
  const model = json.model as Record<string, unknown>;
  const noSplit = pre === null || pre === undefined || pre.type === 'Metaspace';
  const modelOk = model.type === 'Unigram' || (model.type === 'BPE' && !model.ignore_merges && !model.end_of_word_suffix && !model.continuing_subword_suffix);
  const documentAdded = (json.added_tokens ?? []).filter((t) => t.special !== true);
  const plainConfig = !tokenizerConfig.remove_space && !tokenizerConfig.do_lowercase_and_remove_accent;
  return noSplit && modelOk && documentAdded.length === 0 && plainConfig && !hasStrip(json.normalizer);
}

function hasStrip(n: unknown): boolean {
  if (n === null || typeof n !== 'object') return false;
  const node = n as { type?: string; normalizers?: unknown[] };
  return node.type === 'Strip' || (node.normalizers ?? []).some(hasStrip);
}

/** The document tokenizer for text that continues a word: no dummy prefix. */
function continuationJson(json: TokenizerJson): TokenizerJson {
  const dropPrepend = (n: unknown): unknown => {
    if (n === null || typeof n !== 'object') return n;
    const node = n as { type?: string; normalizers?: unknown[] };
    if (node.type === 'Prepend') return null;
    if (node.type === 'Sequence' && node.normalizers) return { ...node, normalizers: node.normalizers.map(dropPrepend).filter((x) => x !== null) };
    return node;
  };
  const pre = json.pre_tokenizer as Record<string, unknown> | null | undefined;
  return {
    ...json,
    added_tokens: (json.added_tokens ?? []).filter((t) => t.special !== true),
    normalizer: dropPrepend(json.normalizer ?? null),
    pre_tokenizer: pre && pre.type === 'Metaspace' ? { ...pre, prepend_scheme: 'never', add_prefix_space: false } : pre ?? null,
  };
}
