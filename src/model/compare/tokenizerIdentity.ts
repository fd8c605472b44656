/**
 * Whether two models tokenize the same way, decided by the content of their tokenizer.json (never by
 * a name): the model's vocabulary and merges (or pieces and scores), the normalizer, the
 * pre-tokenizer and the added tokens, compared with object keys in a canonical order; and the prefix
 * token the scoring convention puts before the text. The decoder, post-processor, truncation and
 * padding do not change the ids of a document and are not compared.
 */
import type { TokenizerMatch } from '../../core/compare/comparison';
import type { LoadedModel } from '../load/loader';
import { readModelTextFile } from '../load/modelFile';

interface Identity {
  parts: Record<'model' | 'normalizer' | 'preTokenizer' | 'addedTokens', string>;
  modelType: string;
}

const PART_NAMES: Record<keyof Identity['parts'], string> = {
  model: 'vocabularies or merges',
  normalizer: 'normalizers',
  preTokenizer: 'pre-tokenizers',
  addedTokens: 'added tokens',
};

/** JSON with object keys sorted at every level (arrays keep their order: merges and pieces are ordered). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object).sort().map(k => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

const identities = new WeakMap<LoadedModel, Identity>();

function identityOf(model: LoadedModel): Identity {
  let identity = identities.get(model);
  if (identity) return identity;
  const json = JSON.parse(readModelTextFile(model.files.tokenizerPath, 'tokenizer-invalid') ?? '{}') as Record<string, unknown>;
  const tokenizerModel = (json.model ?? {}) as Record<string, unknown>;
  identity = {
    parts: {
      model: canonical(tokenizerModel),
      normalizer: canonical(json.normalizer),
      preTokenizer: canonical(json.pre_tokenizer),
      addedTokens: canonical(((json.added_tokens ?? []) as Array<Record<string, unknown>>).map(t => [t.id, t.content, t.special === true]).sort((a, b) => Number(a[0]) - Number(b[0]))),
    },
    modelType: typeof tokenizerModel.type === 'string' ? tokenizerModel.type : 'unknown',
  };
  identities.set(model, identity);
  return identity;
}

export function matchTokenizers(model: LoadedModel, against: LoadedModel): TokenizerMatch {
  const a = identityOf(model);
  const b = identityOf(against);
  const ids = (m: LoadedModel) => m.tokenizer.vocabSize;
  if (a.modelType !== b.modelType) return { same: false, reason: `tokenizer types differ (${a.modelType} vs ${b.modelType})` };
  const differing = (Object.keys(a.parts) as Array<keyof Identity['parts']>).filter(k => a.parts[k] !== b.parts[k]);
  if (differing.length) {
    const sizes = ids(model) !== ids(against) ? ` (${ids(model)} vs ${ids(against)} ids)` : '';
    return { same: false, reason: `${differing.map(k => PART_NAMES[k]).join(', ')} differ${sizes}` };
  }
  if (model.tokenizer.prefixTokenId !== against.tokenizer.prefixTokenId) {
    return { same: false, reason: `same tokenizer, but the prefix tokens differ (${model.tokenizer.prefixTokenId} vs ${against.tokenizer.prefixTokenId}: config.json bos_token_id)` };
  }
  return { same: true, reason: `same vocabulary, merges, normalizer, pre-tokenizer and added tokens (${ids(model)} ids)` };
}
