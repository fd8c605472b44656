/**
 * The one token put before the document (DESIGN.md "Scoring convention", lm-evaluation-harness
 * rolling log-likelihood): the BOS the tokenizer itself adds, else config `bos_token_id`, else the
 * tokenizer's declared BOS, else `<|endoftext|>`, else EOS. Exactly one token: never doubled.
 */
import type { Tokenizer } from '@huggingface/tokenizers';

export interface PrefixSources {
  /** config.json of the model. */
  config: Record<string, unknown>;
  /** tokenizer_config.json, when present. */
  tokenizerConfig: Record<string, unknown>;
  /** special_tokens_map.json, when present. */
  specialTokensMap: Record<string, unknown>;
}

export interface PrefixChoice {
  id: number;
  /** Where it came from, for logs and tests. */
  source: 'tokenizer-template' | 'config-bos' | 'tokenizer-bos' | 'endoftext' | 'eos';
}

/**
 * The ids the tokenizer's post-processor puts before a text (Llama's `<s>`): what
 * `encode(text, add_special_tokens)` has in front of the plain encoding. A template that only
 * appends (T5's `</s>`) yields none.
 */
export function templatePrefixIds(full: Tokenizer): number[] {
  const plain = full.encode('a', { add_special_tokens: false }).ids;
  const withSpecials = full.encode('a', { add_special_tokens: true }).ids;
  for (let at = 0; at + plain.length <= withSpecials.length; at++) {
    if (plain.every((id, k) => withSpecials[at + k] === id)) return withSpecials.slice(0, at);
  }
  return [];
}

export function choosePrefixToken(full: Tokenizer, sources: PrefixSources, vocabSize: number): PrefixChoice | null {
  const valid = (id: unknown): id is number => typeof id === 'number' && Number.isInteger(id) && id >= 0 && id < vocabSize;
  const byName = (token: unknown): number | undefined => {
    const content = typeof token === 'string' ? token : tokenContent(token);
    return content === undefined ? undefined : full.token_to_id(content);
  };
  const firstId = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);

  const template = templatePrefixIds(full);
  const candidates: Array<[unknown, PrefixChoice['source']]> = [
    [template[0], 'tokenizer-template'],
    [firstId(sources.config.bos_token_id), 'config-bos'],
    [byName(sources.tokenizerConfig.bos_token), 'tokenizer-bos'],
    [byName(sources.specialTokensMap.bos_token), 'tokenizer-bos'],
    [full.token_to_id('<|endoftext|>'), 'endoftext'],
    [firstId(sources.config.eos_token_id), 'eos'],
    [byName(sources.tokenizerConfig.eos_token), 'eos'],
    [byName(sources.specialTokensMap.eos_token), 'eos'],
  ];
  for (const [id, source] of candidates) if (valid(id)) return { id, source };
  return null;
}

/** `{"content": "<s>", ...}` as written by newer tokenizer_config files. */
function tokenContent(token: unknown): string | undefined {
  if (token === null || typeof token !== 'object') return undefined;
  const content = (token as Record<string, unknown>).content;
  return typeof content === 'string' ? content : undefined;
}
