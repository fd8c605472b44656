/**
 * Loads the DocumentTokenizer of a model folder: tokenizer.json (+ tokenizer_config.json and
 * special_tokens_map.json when present). Every problem with these files is an InputError naming
 * the file: 'tokenizer-missing' or 'tokenizer-invalid'.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { InputError } from '../../core/errors';
import { readModelTextFile } from '../load/modelFile';
import { HfDocumentTokenizer, vocabularySize } from './documentTokenizer';
import { choosePrefixToken } from './prefixToken';
import { byteFamily, TokenizerJson } from './tokenizerRules';

const OPTIONAL_FILES = ['tokenizer_config.json', 'special_tokens_map.json'] as const;
type FileTexts = { tokenizer: string; tokenizerConfig?: string; specialTokensMap?: string };

export interface LoadTokenizerOptions {
  /** Piece length for encoding long documents in pieces (tests only; see chunkedEncoding.ts). */
  chunk?: number;
}

export async function loadTokenizer(modelDir: string, config: Record<string, unknown>, options: LoadTokenizerOptions = {}): Promise<HfDocumentTokenizer> {
  const path = tokenizerPath(modelDir);
  const read = async (name: string) => (existsSync(join(modelDir, name)) ? readFile(join(modelDir, name), 'utf8') : undefined);
  const [tokenizerConfig, specialTokensMap] = await Promise.all(OPTIONAL_FILES.map(read));
  return buildTokenizer(modelDir, config, { tokenizer: await readFile(path, 'utf8'), tokenizerConfig, specialTokensMap }, options);
}

/** The same, synchronously (for callers that cannot await, such as a worker's load step). */
export function loadTokenizerSync(modelDir: string, config: Record<string, unknown>, options: LoadTokenizerOptions = {}): HfDocumentTokenizer {
  const path = tokenizerPath(modelDir);
  // Untrusted folder: a pipe or folder in place of a file is refused, never read (a FIFO would block).
  const read = (name: string) => readModelTextFile(join(modelDir, name), 'tokenizer-invalid', true);
  const [tokenizerConfig, specialTokensMap] = OPTIONAL_FILES.map(read);
  return buildTokenizer(modelDir, config, { tokenizer: readModelTextFile(path, 'tokenizer-invalid') ?? '', tokenizerConfig, specialTokensMap }, options);
}

function tokenizerPath(modelDir: string): string {
  const path = join(modelDir, 'tokenizer.json');
  if (!existsSync(path)) throw new InputError(`${modelDir}: no tokenizer.json in the model folder`, 'tokenizer-missing', path);
  return path;
}

function buildTokenizer(modelDir: string, config: Record<string, unknown>, files: FileTexts, options: LoadTokenizerOptions): HfDocumentTokenizer {
  const path = join(modelDir, 'tokenizer.json');
  const json = parseObject(path, files.tokenizer) as TokenizerJson;
  const tokenizerConfig = files.tokenizerConfig === undefined ? {} : parseObject(join(modelDir, OPTIONAL_FILES[0]), files.tokenizerConfig);
  const specialTokensMap = files.specialTokensMap === undefined ? {} : parseObject(join(modelDir, OPTIONAL_FILES[1]), files.specialTokensMap);
  checkModel(path, json);
  const completed = withDefaults(json);
  const full = construct(path, completed, tokenizerConfig);
  // The document tokenizer: special-token strings in the text are text (pitfall 17).
  const document = construct(path, { ...completed, added_tokens: (completed.added_tokens ?? []).filter((t) => t.special !== true) }, tokenizerConfig);
  const prefix = choosePrefixToken(full, { config, tokenizerConfig, specialTokensMap }, vocabularySize(full));
  if (!prefix) throw new InputError(`${path}: no BOS or EOS token to put before the text (config.json has no bos_token_id or eos_token_id)`, 'tokenizer-invalid', path);
  return new HfDocumentTokenizer(prefix.id, full, document, completed, tokenizerConfig, byteFamily(completed), options.chunk);
}

function parseObject(path: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: invalid JSON (${oneLine(e)})`, 'tokenizer-invalid', path);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(`${path}: expected a JSON object`, 'tokenizer-invalid', path);
  }
  return value as Record<string, unknown>;
}

const MODEL_TYPES = ['BPE', 'Unigram', 'WordPiece'];

function checkModel(path: string, json: TokenizerJson): void {
  const model = json.model;
  if (model === undefined || model === null || typeof model !== 'object') {
    throw new InputError(`${path}: no "model" section`, 'tokenizer-invalid', path);
  }
  if (model.type !== undefined && !MODEL_TYPES.includes(model.type)) {
    throw new InputError(`${path}: unsupported tokenizer model type "${String(model.type)}" (supported: ${MODEL_TYPES.join(', ')})`, 'tokenizer-invalid', path);
  }
  if (json.added_tokens !== undefined && !Array.isArray(json.added_tokens)) {
    throw new InputError(`${path}: "added_tokens" is not a list`, 'tokenizer-invalid', path);
  }
  // Ids size the library's tables: one id of 2^31 would make it build (and scan) a table that large.
  for (const t of (json.added_tokens ?? []) as unknown[]) {
    const token = t as { id?: unknown; content?: unknown } | null;
    if (!token || typeof token !== 'object' || typeof token.content !== 'string' || !isTokenId(token.id)) {
      throw new InputError(`${path}: an "added_tokens" entry needs a string "content" and an "id" from 0 to ${MAX_TOKEN_ID} (${JSON.stringify(t)?.slice(0, 80)})`, 'tokenizer-invalid', path);
    }
  }
  const vocab = (model as { vocab?: unknown }).vocab;
  if (vocab !== undefined && (vocab === null || typeof vocab !== 'object')) {
    throw new InputError(`${path}: "model.vocab" is not a list or an object`, 'tokenizer-invalid', path);
  }
  if (vocab && !Array.isArray(vocab)) {
    for (const [token, id] of Object.entries(vocab)) {
      if (!isTokenId(id)) throw new InputError(`${path}: vocabulary entry ${JSON.stringify(token).slice(0, 40)} has id ${JSON.stringify(id)}, not a whole number from 0 to ${MAX_TOKEN_ID}`, 'tokenizer-invalid', path);
    }
  }
}

/** Larger than any real vocabulary (the largest are about 260,000 ids). */
const MAX_TOKEN_ID = 16_777_215;

function isTokenId(id: unknown): id is number {
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 && id <= MAX_TOKEN_ID;
}

/** Files written by hand or by old versions may omit the null components the library requires. */
function withDefaults(json: TokenizerJson): TokenizerJson {
  const completed = { normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, added_tokens: [], ...json };
  return { ...completed, pre_tokenizer: legacyMetaspace(completed.pre_tokenizer), decoder: legacyMetaspace(completed.decoder) };
}

/**
 * Older files write Metaspace's dummy prefix as `add_prefix_space`; the Rust library reads that as
 * prepend_scheme 'always' / 'never', while the JS port ignores it (and assumes 'always').
 */
function legacyMetaspace(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(legacyMetaspace);
  if (node === null || typeof node !== 'object') return node;
  const n = node as Record<string, unknown>;
  if (n.type === 'Metaspace' && n.prepend_scheme === undefined && typeof n.add_prefix_space === 'boolean') {
    return { ...n, prepend_scheme: n.add_prefix_space ? 'always' : 'never' };
  }
  if (n.type !== 'Sequence') return n;
  const out = { ...n };
  for (const key of ['pretokenizers', 'decoders']) if (key in n) out[key] = legacyMetaspace(n[key]);
  return out;
}

function construct(path: string, json: TokenizerJson, tokenizerConfig: Record<string, unknown>): Tokenizer {
  try {
    return new Tokenizer(json, tokenizerConfig);
  } catch (e) {
    throw new InputError(`${path}: unsupported tokenizer (${oneLine(e)})`, 'tokenizer-invalid', path);
  }
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim();
}
