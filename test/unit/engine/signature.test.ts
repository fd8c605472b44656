import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isInputError } from '../../../src/core/errors';
import { normalizeConfig, readModelConfig } from '../../../src/model/load/config';
import { halfBitsToNumber, toFloat32 } from '../../../src/model/onnx/float16';
import { defaultChunk } from '../../../src/model/run/scorer';
import { detectSignature, type SessionShape, type ValueInfo } from '../../../src/model/onnx/signature';

function session(inputs: ValueInfo[], outputs: ValueInfo[]): SessionShape {
  return { inputNames: inputs.map(i => i.name), outputNames: outputs.map(o => o.name), inputMetadata: inputs, outputMetadata: outputs };
}
const t = (name: string, type: string, shape: Array<number | string>): ValueInfo => ({ name, isTensor: true, type, shape });
const ids = t('input_ids', 'int64', ['batch_size', 'sequence_length']);
const logits = (type = 'float32') => t('logits', type, ['batch_size', 'sequence_length', 100]);

test('Optimum llama-style: mask, position_ids, 4-D GQA cache with numeric heads/dims', () => {
  const sig = detectSignature(session(
    [ids, t('attention_mask', 'int64', ['batch_size', 'total']), t('position_ids', 'int64', ['batch_size', 'sequence_length']),
      t('past_key_values.0.key', 'float32', ['batch_size', 2, 'past_sequence_length', 16]), t('past_key_values.0.value', 'float32', ['batch_size', 2, 'past_sequence_length', 16])],
    [logits(), t('present.0.key', 'float32', ['batch_size', 2, 'total', 16]), t('present.0.value', 'float32', ['batch_size', 2, 'total', 16])],
  ), 'm.onnx', {});
  assert.equal(sig.mask?.type, 'int64');
  assert.equal(sig.positions?.name, 'position_ids');
  assert.equal(sig.logitsWidth, 100);
  assert.deepEqual(sig.past.map(p => [p.pastName, p.presentName, p.seqAxis, p.emptyDims.join('x')]), [
    ['past_key_values.0.key', 'present.0.key', 2, '1x2x0x16'],
    ['past_key_values.0.value', 'present.0.value', 2, '1x2x0x16'],
  ]);
});

test('genai: symbolic kv_cache_dim becomes the head size, not 0; logits_to_keep and fp16 cache', () => {
  const sig = detectSignature(session(
    [ids, t('attention_mask', 'int64', ['batch_size', 'total_sequence_length']), t('num_logits_to_keep', 'int64', []),
      t('past_key_values.0.key', 'float16', ['batch_size', 4, 'past_sequence_length', 'kv_cache_dim'])],
    [logits('float16'), t('present.0.key', 'float16', ['batch_size', 4, 'total_sequence_length', 'kv_cache_dim'])],
  ), 'm.onnx', { headDim: 64, kvHeads: 4 });
  assert.equal(sig.keepName, 'num_logits_to_keep');
  assert.equal(sig.positions, undefined);
  assert.equal(sig.logitsType, 'float16');
  assert.deepEqual(sig.past[0].emptyDims, [1, 4, 0, 64]);
});

test('merged decoder: use_cache_branch; float mask dtype kept from metadata; old bloom 3-D cache', () => {
  const sig = detectSignature(session(
    [ids, t('attention_mask', 'float32', ['batch_size', 'seq']), t('use_cache_branch', 'bool', [1]),
      t('past_key_values.0.key', 'float32', ['batch_size x num_heads', 8, 'past_sequence_length']),
      t('past_key_values.0.value', 'float32', ['batch_size x num_heads', 'past_sequence_length', 8])],
    [logits(), t('present.0.key', 'float32', ['a', 8, 'b']), t('present.0.value', 'float32', ['a', 'b', 8])],
  ), 'm.onnx', { kvHeads: 3 });
  assert.equal(sig.cacheBranchName, 'use_cache_branch');
  assert.equal(sig.mask?.type, 'float32');
  assert.deepEqual(sig.past.map(p => [p.seqAxis, p.emptyDims.join('x')]), [[2, '3x8x0'], [1, '3x0x8']]);
});

test('no cache at all: full windows; token_type_ids fed when declared', () => {
  const sig = detectSignature(session([ids, t('token_type_ids', 'int64', ['b', 's'])], [logits()]), 'm.onnx', {});
  assert.deepEqual(sig.past, []);
  assert.equal(sig.tokenTypes?.name, 'token_type_ids');
});

test('refusals: not a causal LM, inputs_embeds, bf16, unknown inputs, cache without present', () => {
  const refuse = (s: SessionShape, code: string, pattern: RegExp) =>
    assert.throws(() => detectSignature(s, 'dir/model.onnx', {}), (e: unknown) => isInputError(e) && e.code === code && pattern.test(e.message) && e.message.startsWith('dir/model.onnx: '));
  refuse(session([t('pixel_values', 'float32', ['b', 3, 8, 8])], [t('image_embeds', 'float32', ['b', 16])]), 'model-not-causal-lm', /no input_ids/);
  refuse(session([ids], [t('last_hidden_state', 'float32', ['b', 's', 8]), t('pooled', 'float32', ['b', 8])]), 'model-not-causal-lm', /no logits/);
  refuse(session([t('inputs_embeds', 'float32', ['b', 's', 8])], [logits()]), 'model-not-causal-lm', /inputs_embeds/);
  refuse(session([ids], [logits('bfloat16')]), 'model-unsupported-dtype', /bfloat16/);
  refuse(session([ids, t('pixel_values', 'float32', [1])], [logits()]), 'model-not-causal-lm', /pixel_values/);
  refuse(session([ids, t('past_key_values.0.key', 'float32', ['b', 1, 'p', 4])], [logits()]), 'model-not-causal-lm', /present\.0\.key/);
});

test('config field spellings: gpt2, llama with explicit head_dim, composite text_config', () => {
  const gpt2 = normalizeConfig({ model_type: 'gpt2', n_embd: 64, n_layer: 2, n_head: 4, n_positions: 64, n_ctx: 32, bos_token_id: 5 });
  assert.deepEqual([gpt2.hiddenSize, gpt2.layers, gpt2.heads, gpt2.kvHeads, gpt2.headDim, gpt2.contextLength, gpt2.bosTokenId], [64, 2, 4, 4, 16, 64, 5]);
  const qwen3 = normalizeConfig({ model_type: 'qwen3', hidden_size: 1024, num_hidden_layers: 28, num_attention_heads: 16, num_key_value_heads: 8, head_dim: 128, max_position_embeddings: 40960, eos_token_id: [1, 2] });
  assert.deepEqual([qwen3.headDim, qwen3.kvHeads, qwen3.contextLength, qwen3.eosTokenId], [128, 8, 40960, 1]);
  const gemma3 = normalizeConfig({ model_type: 'gemma3', text_config: { model_type: 'gemma3_text', hidden_size: 640, num_hidden_layers: 18, num_attention_heads: 4, num_key_value_heads: 1, head_dim: 256 } });
  assert.deepEqual([gemma3.modelType, gemma3.hiddenSize, gemma3.headDim], ['gemma3_text', 640, 256]);
});

test('float16 decoding: exact values, subnormals, infinities, NaN; Uint16Array and other arrays', () => {
  assert.equal(halfBitsToNumber(0x3c00), 1);
  assert.equal(halfBitsToNumber(0xc000), -2);
  assert.equal(halfBitsToNumber(0x7bff), 65504);
  assert.equal(halfBitsToNumber(0x0001), 2 ** -24);
  assert.equal(halfBitsToNumber(0x7c00), Infinity);
  assert.equal(halfBitsToNumber(0xfc00), -Infinity);
  assert.ok(Number.isNaN(halfBitsToNumber(0x7e00)));
  assert.deepEqual(Array.from(toFloat32(Uint16Array.from([0x3c00, 0x3555, 0x8000]))), [1, Math.fround(0.333251953125), -0]);
  const f32 = Float32Array.from([1.5]);
  assert.equal(toFloat32(f32), f32, 'float32 data passes through without a copy');
  assert.deepEqual(Array.from(toFloat32(Float64Array.from([0.5, 2]))), [0.5, 2]); // stands in for a native Float16Array
});

test('chunk length: 128 tokens, shorter for wide vocabularies so one chunk of logits stays within 16 MB', () => {
  assert.equal(defaultChunk(512), 128);
  assert.equal(defaultChunk(50257), 83);
  assert.equal(defaultChunk(151936), 27);
  assert.equal(defaultChunk(262144), 16);
  assert.equal(defaultChunk(10_000_000), 16);
});

test('genai_config.json decoder numbers (head_size, KV heads, context) complete config.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ml-genai-'));
  try {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'qwen2', hidden_size: 896, num_attention_heads: 14, num_hidden_layers: 24 }));
    writeFileSync(join(dir, 'genai_config.json'), JSON.stringify({ model: { context_length: 32768, bos_token_id: 151643, decoder: { head_size: 64, num_key_value_heads: 2, num_attention_heads: 14, hidden_size: 896, num_hidden_layers: 24 } } }));
    const c = readModelConfig(dir);
    assert.deepEqual([c.headDim, c.kvHeads, c.contextLength, c.bosTokenId, c.modelType], [64, 2, 32768, 151643, 'qwen2']);
    rmSync(join(dir, 'genai_config.json'));
    assert.deepEqual([readModelConfig(dir).headDim, readModelConfig(dir).kvHeads], [64, 14]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
