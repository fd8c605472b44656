/**
 * The document as the tokenizer sees it, mapped back to the original: the same section splitting
 * on (non-special) added tokens, the same normalizer, the same dummy prefix per section as
 * @huggingface/tokenizers 0.2.0 `Tokenizer.encode_text`, then written in the tokens' byte domain
 * (the SentencePiece space symbol becomes ' '). Its UTF-8 must equal the concatenated token bytes;
 * src/core/spans.ts checks that and repairs by a diff when it does not hold.
 */
import { MappedText, concatMapped, identityMapped, sliceMapped } from '../../core/text/mappedText';
import { NormalizationStep, normalizeMapped } from '../../core/text/normalizeMapped';

export interface AddedTokenRule {
  content: string;
  lstrip: boolean;
  rstrip: boolean;
}

/** A dummy prefix the pre-tokenizer puts before a piece of text (Metaspace, ByteLevel add_prefix_space). */
export interface DummyPrefix {
  /** The prefix as written in the byte domain (' '). */
  text: string;
  /** Metaspace prepend_scheme 'first': only in the document's first section. */
  firstSectionOnly: boolean;
  /** No prefix when the piece already starts with one of these. */
  unlessStartsWith: string[];
}

export interface DocumentViewRules {
  /** Added tokens matched in the raw text (normalized: false, or no normalizer). */
  rawAdded: AddedTokenRule[];
  /** Added tokens matched in the normalized text. */
  normalizedAdded: AddedTokenRule[];
  /** Strings that form an added token when a whole section equals them. */
  addedKeys: ReadonlySet<string>;
  normalization: NormalizationStep | null;
  prefix: DummyPrefix | null;
  /** SentencePiece space symbol (▁) that tokens decode to ' ', or null for byte-level tokenizers. */
  spaceSymbol: string | null;
}

interface Section {
  from: number;
  to: number;
  added: AddedTokenRule | null;
}

export function documentView(text: string, rules: DocumentViewRules): MappedText {
  const pieces: MappedText[] = [];
  const sections = splitOnAdded(text, rules.rawAdded);
  sections.forEach((section, sectionIndex) => {
    if (section.to <= section.from) return;
    const raw = text.slice(section.from, section.to);
    if (rules.addedKeys.has(raw)) {
      pieces.push(identityMapped(raw, section.from));
      return;
    }
    let normalized = identityMapped(raw, section.from);
    if (rules.normalization) normalized = normalizeMapped(normalized, rules.normalization);
    for (const sub of splitOnAdded(normalized.text, rules.normalizedAdded)) {
      if (sub.to <= sub.from) continue;
      const piece = sliceMapped(normalized, sub.from, sub.to);
      if (rules.addedKeys.has(piece.text)) pieces.push(piece);
      else pieces.push(inByteDomain(withPrefix(piece, rules.prefix, sectionIndex), rules.spaceSymbol));
    }
  });
  return concatMapped(pieces, 0, text.length);
}

function withPrefix(piece: MappedText, prefix: DummyPrefix | null, sectionIndex: number): MappedText {
  if (!prefix || (prefix.firstSectionOnly && sectionIndex !== 0)) return piece;
  if (prefix.unlessStartsWith.some((s) => piece.text.startsWith(s))) return piece;
  return normalizeMapped(piece, { kind: 'prepend', text: prefix.text });
}

function inByteDomain(piece: MappedText, spaceSymbol: string | null): MappedText {
  if (spaceSymbol === null || !piece.text.includes(spaceSymbol)) return piece;
  // A 1:1 replacement (▁ is one UTF-16 unit), so the map is unchanged.
  const text = piece.text.replaceAll(spaceSymbol, ' ');
  return text.length === piece.text.length ? { text, starts: piece.starts } : normalizeMapped(piece, { kind: 'replace', pattern: new RegExp(escapeRegExp(spaceSymbol), 'gu'), content: ' ' });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Splits like the library's DictionarySplitter (longest added token starting at each position,
 * scanning left to right), then applies the tokens' lstrip / rstrip to their neighbours.
 */
export function splitOnAdded(text: string, added: readonly AddedTokenRule[]): Section[] {
  if (added.length === 0) return [{ from: 0, to: text.length, added: null }];
  const trie = buildTrie(added);
  const sections: Section[] = [];
  let start = 0;
  for (let i = 0; i < text.length; ) {
    const match = longestAt(text, i, trie);
    if (!match) {
      i++;
      continue;
    }
    if (i > start) sections.push({ from: start, to: i, added: null });
    sections.push({ from: i, to: i + match.content.length, added: match });
    i += match.content.length;
    start = i;
  }
  if (start < text.length) sections.push({ from: start, to: text.length, added: null });
  sections.forEach((s, i) => {
    if (!s.added) return;
    const before = sections[i - 1];
    const after = sections[i + 1];
    if (s.added.lstrip && before) before.to = before.from + text.slice(before.from, before.to).trimEnd().length;
    if (s.added.rstrip && after) after.from = after.to - text.slice(after.from, after.to).trimStart().length;
  });
  return sections;
}

interface TrieNode {
  next: Map<string, TrieNode>;
  rule: AddedTokenRule | null;
}

function buildTrie(added: readonly AddedTokenRule[]): TrieNode {
  const root: TrieNode = { next: new Map(), rule: null };
  for (const rule of added) {
    let node = root;
    for (let k = 0; k < rule.content.length; k++) {
      const ch = rule.content[k];
      let child = node.next.get(ch);
      if (!child) node.next.set(ch, (child = { next: new Map(), rule: null }));
      node = child;
    }
    if (rule.content.length > 0) node.rule = rule;
  }
  return root;
}

/** The longest added token starting at i (the trie is keyed by UTF-16 units, as the library's). */
function longestAt(text: string, i: number, root: TrieNode): AddedTokenRule | null {
  let best: AddedTokenRule | null = null;
  let node: TrieNode | undefined = root;
  for (let j = i; j < text.length; j++) {
    node = node.next.get(text[j]);
    if (!node) break;
    if (node.rule) best = node.rule;
  }
  return best;
}
