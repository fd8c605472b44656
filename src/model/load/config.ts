/**
 * Reads a model folder's config.json into the few numbers the engine needs, under any of the common
 * field spellings (onnx-signatures.md 1.2). Composite configs keep the text model in `text_config`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../core/errors';
import { isRegularFile, readModelTextFile } from './modelFile';

export interface ModelConfig {
  modelType: string;
  /** config's vocab_size; the logits width may differ and wins. */
  vocabSize: number | undefined;
  hiddenSize: number | undefined;
  layers: number | undefined;
  heads: number | undefined;
  kvHeads: number | undefined;
  headDim: number | undefined;
  /** Context length from config (n_positions, max_position_embeddings, n_ctx, ...), if any. */
  contextLength: number | undefined;
  bosTokenId: number | undefined;
  eosTokenId: number | undefined;
  /** The parsed JSON, for the tokenizer loader and anything else that needs more fields. */
  raw: Record<string, unknown>;
}

type Json = Record<string, unknown>;

function firstNumber(obj: Json, names: readonly string[]): number | undefined {
  for (const n of names) {
    const v = obj[n];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

/** A token id field may be a number or a list of numbers (Llama 3 eos); the first counts. */
function tokenId(obj: Json, name: string): number | undefined {
  const v = obj[name];
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && typeof v[0] === 'number') return v[0];
  return undefined;
}

/** Parses config.json; a missing file gives an empty config (signature metadata still works). */
export function readModelConfig(modelDir: string): ModelConfig {
  const path = join(modelDir, 'config.json');
  let raw: Json = {};
  // A folder, pipe or unreadable file named config.json is an error, not a silently empty config.
  const text = readModelTextFile(path, 'model-config', true);
  if (text !== undefined) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      raw = parsed as Json;
    } catch (e) {
      throw new InputError(`${path}: is not a valid JSON object (${(e as Error).message})`, 'model-config', path);
    }
  }
  return withGenaiConfig(normalizeConfig(raw), modelDir);
}

/**
 * onnxruntime-genai folders carry genai_config.json; its decoder numbers are the graph's own
 * (head_size is what an empty GQA cache needs), so they win over config.json where present.
 */
function withGenaiConfig(config: ModelConfig, modelDir: string): ModelConfig {
  const path = join(modelDir, 'genai_config.json');
  let genai: Json;
  if (!isRegularFile(path)) return config; // absent (or a pipe that would block the read)
  try {
    genai = JSON.parse(readFileSync(path, 'utf8')) as Json;
  } catch {
    return config; // absent or unreadable: config.json alone
  }
  const model = (genai.model ?? {}) as Json;
  const decoder = (model.decoder ?? {}) as Json;
  return {
    ...config,
    headDim: firstNumber(decoder, ['head_size']) ?? config.headDim,
    kvHeads: firstNumber(decoder, ['num_key_value_heads']) ?? config.kvHeads,
    heads: firstNumber(decoder, ['num_attention_heads']) ?? config.heads,
    hiddenSize: firstNumber(decoder, ['hidden_size']) ?? config.hiddenSize,
    layers: firstNumber(decoder, ['num_hidden_layers']) ?? config.layers,
    contextLength: firstNumber(model, ['context_length']) ?? config.contextLength,
    bosTokenId: tokenId(model, 'bos_token_id') ?? config.bosTokenId,
    eosTokenId: tokenId(model, 'eos_token_id') ?? config.eosTokenId,
  };
}

export function normalizeConfig(raw: Json): ModelConfig {
  const text = (raw.text_config && typeof raw.text_config === 'object' ? raw.text_config : raw) as Json;
  const hiddenSize = firstNumber(text, ['hidden_size', 'n_embd', 'd_model', 'model_dim']);
  const heads = firstNumber(text, ['num_attention_heads', 'n_head', 'n_heads', 'num_heads']);
  const kvHeads = firstNumber(text, ['num_key_value_heads', 'num_kv_heads', 'n_head_kv']) ?? heads;
  const explicitHeadDim = firstNumber(text, ['head_dim']);
  const headDim = explicitHeadDim ?? (hiddenSize !== undefined && heads ? hiddenSize / heads : undefined);
  return {
    modelType: String(text.model_type ?? raw.model_type ?? 'unknown'),
    vocabSize: firstNumber(text, ['vocab_size']) ?? firstNumber(raw, ['vocab_size']),
    hiddenSize,
    layers: firstNumber(text, ['num_hidden_layers', 'n_layer', 'n_layers', 'num_layers']),
    heads,
    kvHeads,
    headDim: headDim !== undefined && Number.isInteger(headDim) ? headDim : undefined,
    contextLength: firstNumber(text, ['n_positions', 'max_position_embeddings', 'n_ctx', 'max_seq_len', 'seq_length']),
    bosTokenId: tokenId(text, 'bos_token_id') ?? tokenId(raw, 'bos_token_id'),
    eosTokenId: tokenId(text, 'eos_token_id') ?? tokenId(raw, 'eos_token_id'),
    raw,
  };
}
