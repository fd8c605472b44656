/**
 * Reads what the span mapping needs out of a tokenizer.json and the @huggingface/tokenizers
 * objects built from it: the byte family of the vocabulary, the normalizer as a mapping plan
 * (using the library's own normalizer functions and regexes, so the text is exactly its text),
 * the dummy prefix of the pre-tokenizer, and the added tokens that split the text.
 */
import {
  MetaspacePreTokenizer,
  ByteLevelPreTokenizer,
  Normalizer,
  PrependNormalizer,
  PreTokenizer,
  ReplaceNormalizer,
  SequenceNormalizer,
  SequencePreTokenizer,
  StripNormalizer,
} from '@huggingface/tokenizers';
import type { NormalizationStep } from '../../core/text/normalizeMapped';
import type { ByteFamily } from './byteTable';
import type { AddedTokenRule, DocumentViewRules, DummyPrefix } from './documentView';

/** The parts of tokenizer.json this module reads. */
export interface TokenizerJson {
  added_tokens?: RawAddedToken[];
  normalizer?: unknown;
  pre_tokenizer?: unknown;
  decoder?: unknown;
  post_processor?: unknown;
  model?: { type?: string; byte_fallback?: boolean; vocab?: unknown } & Record<string, unknown>;
  [key: string]: unknown;
}

export interface RawAddedToken {
  id: number;
  content: string;
  special?: boolean;
  normalized?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
}

/** True when `type` appears anywhere in a component tree (decoders and pre-tokenizers nest). */
function hasComponent(tree: unknown, type: string): boolean {
  if (Array.isArray(tree)) return tree.some((x) => hasComponent(x, type));
  if (tree === null || typeof tree !== 'object') return false;
  const node = tree as Record<string, unknown>;
  if (node.type === type) return true;
  return Object.values(node).some((v) => typeof v === 'object' && hasComponent(v, type));
}

function metaspaceReplacement(tree: unknown): string | null {
  if (Array.isArray(tree)) {
    for (const x of tree) {
      const r = metaspaceReplacement(x);
      if (r !== null) return r;
    }
    return null;
  }
  if (tree === null || typeof tree !== 'object') return null;
  const node = tree as Record<string, unknown>;
  if (node.type === 'Metaspace' && typeof node.replacement === 'string') return node.replacement;
  return metaspaceReplacement(Object.values(node).filter((v) => typeof v === 'object'));
}

export function byteFamily(json: TokenizerJson): ByteFamily {
  if (hasComponent(json.decoder, 'ByteLevel') || hasComponent(json.pre_tokenizer, 'ByteLevel')) return { kind: 'byte-level' };
  return {
    kind: 'sentencepiece',
    space: metaspaceReplacement(json.pre_tokenizer) ?? metaspaceReplacement(json.decoder) ?? '\u2581',
    byteFallback: json.model?.byte_fallback === true || hasComponent(json.decoder, 'ByteFallback'),
  };
}

/** The library's normalizer as a mapping plan; unknown kinds become opaque local functions. */
export function normalizationPlan(n: Normalizer | null): NormalizationStep | null {
  if (n === null) return null;
  if (n instanceof SequenceNormalizer) {
    return { kind: 'sequence', steps: n.normalizers.map(normalizationPlan).filter((s): s is NormalizationStep => s !== null) };
  }
  if (n instanceof PrependNormalizer) return { kind: 'prepend', text: n.config.prepend };
  if (n instanceof StripNormalizer) return { kind: 'strip', left: n.config.strip_left === true, right: n.config.strip_right === true };
  if (n instanceof ReplaceNormalizer) {
    return n.pattern === null ? null : { kind: 'replace', pattern: n.pattern, content: n.config.content ?? '' };
  }
  return { kind: 'local', apply: (text) => n.normalize(text) };
}

/** The dummy prefix the first pre-tokenizer adds to each piece of text (null when none). */
export function dummyPrefix(pre: PreTokenizer | null, family: ByteFamily): DummyPrefix | null {
  let first: PreTokenizer | null = pre;
  while (first instanceof SequencePreTokenizer) first = first.tokenizers.find((t) => t !== null) ?? null;
  if (first instanceof MetaspacePreTokenizer) {
    if (first.prepend_scheme === 'never') return null;
    const space = family.kind === 'sentencepiece' ? family.space : first.replacement;
    return {
      text: first.str_rep.replaceAll(space, ' '),
      firstSectionOnly: first.prepend_scheme === 'first',
      // The library replaces ' ' by str_rep first, then checks for the replacement symbol.
      unlessStartsWith: first.str_rep.startsWith(first.replacement) ? [first.replacement, ' '] : [first.replacement],
    };
  }
  if (first instanceof ByteLevelPreTokenizer && first.add_prefix_space) {
    return { text: ' ', firstSectionOnly: false, unlessStartsWith: [' '] };
  }
  return null;
}

/**
 * Everything documentView needs. `documentAdded` are the added tokens of the document tokenizer
 * (special ones removed), `normalizer` its library normalizer.
 */
export function documentViewRules(
  documentAdded: readonly RawAddedToken[],
  normalizer: Normalizer | null,
  pre: PreTokenizer | null,
  family: ByteFamily,
): DocumentViewRules {
  const rule = (t: RawAddedToken): AddedTokenRule => ({ content: t.content, lstrip: t.lstrip === true, rstrip: t.rstrip === true });
  // As the library: an added token is matched after normalization when it is `normalized`
  // (default: not special) and there is a normalizer; then its normalized content is a key too.
  const isNormalized = (t: RawAddedToken) => (t.normalized ?? t.special !== true) && normalizer !== null;
  const addedKeys = new Set<string>();
  for (const t of documentAdded) {
    addedKeys.add(t.content);
    if (isNormalized(t) && normalizer) addedKeys.add(normalizer.normalize(t.content));
  }
  return {
    rawAdded: documentAdded.filter((t) => !isNormalized(t)).map(rule),
    normalizedAdded: documentAdded
      .filter(isNormalized)
      .map((t) => ({ ...rule(t), content: normalizer ? normalizer.normalize(t.content) : t.content })),
    addedKeys,
    normalization: normalizationPlan(normalizer),
    prefix: dummyPrefix(pre, family),
    spaceSymbol: family.kind === 'sentencepiece' ? family.space : null,
  };
}
