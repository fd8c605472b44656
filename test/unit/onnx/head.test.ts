import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { checkLinearHead } from '../../../src/core/geometry/headCheck';
import { seededRandom, gaussian } from '../../../src/core/geometry/random';
import { exposeHiddenState, externalReaderFor, headWeightsOf } from '../../../src/model/onnx/graph/hiddenState';
import { scanModel } from '../../../src/model/onnx/graph/scan';
import { ExternalReader } from '../../../src/model/onnx/graph/weights';
import { float32Bytes, graph, model, node, tensor, toHalfBits, valueInfo } from './builder';
import { toFloat32 } from './ortHelpers';

const V = 37;
const d = 6;
const T = 5;
const random = seededRandom(4);
const E = Float32Array.from({ length: V * d }, () => gaussian(random));
const bias = Float32Array.from({ length: V }, () => gaussian(random));
const ids = [3, 1, 4, 1, 5];
const idsInput = valueInfo('input_ids', 7, [1, 'T']);
const logitsOut = valueInfo('logits', 1, [1, 'T', V]);
const int64 = (name: string, values: number[]) => tensor({ name, dims: [values.length], dataType: 7, raw: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer) });

/** Tied head: logits = Tanh(E[ids]) · Eᵀ + b, with Eᵀ as Transpose(E). */
function tiedModel(storage: 'raw' | 'external', tail: Uint8Array[] = [], logitsName = 'logits'): { bytes: Uint8Array; data?: Uint8Array } {
  const eBytes = float32Bytes(E);
  const bBytes = float32Bytes(bias);
  const initializers = storage === 'raw'
    ? [tensor({ name: 'embed.weight', dims: [V, d], dataType: 1, raw: eBytes }), tensor({ name: 'lm_head.bias', dims: [V], dataType: 1, raw: bBytes })]
    : [tensor({ name: 'embed.weight', dims: [V, d], dataType: 1, external: { location: 'model.onnx_data', offset: 0, length: eBytes.length } }),
      tensor({ name: 'lm_head.bias', dims: [V], dataType: 1, external: { location: 'model.onnx_data', offset: 4096, length: bBytes.length } })];
  const nodes = [
    node('Gather', ['embed.weight', 'input_ids'], ['emb']),
    node('Tanh', ['emb'], ['/model/norm/output_0']),
    node('Transpose', ['embed.weight'], ['embed.weight_transposed'], '', [{ name: 'perm', ints: [1, 0] }]),
    node('MatMul', ['/model/norm/output_0', 'embed.weight_transposed'], ['z0'], '/lm_head/MatMul'),
    node('Add', ['z0', 'lm_head.bias'], [tail.length ? 'z1' : logitsName], '/lm_head/Add'),
    ...tail,
  ];
  const bytes = model(graph({ nodes, initializers, inputs: [idsInput], outputs: [valueInfo(logitsName, 1, [1, 'T', V])] }));
  if (storage === 'raw') return { bytes };
  const data = new Uint8Array(4096 + bBytes.length);
  data.set(eBytes, 0);
  data.set(bBytes, 4096);
  return { bytes, data };
}

async function runAndCheck(bytes: Uint8Array, folder?: string, reader?: ExternalReader, hiddenDims = [1, T, d]) {
  const exposed = exposeHiddenState(bytes);
  assert.ok(exposed.hiddenOutput, 'hidden state found');
  const options = folder ? { extra: { session: { model_external_initializers_file_folder_path: folder } } } : {};
  const session = await InferenceSession.create(exposed.model, options as InferenceSession.SessionOptions);
  assert.ok(session.outputNames.includes(exposed.hiddenOutput));
  const out = await session.run({ input_ids: new Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, T]) });
  const hidden = out[exposed.hiddenOutput];
  assert.deepEqual(hidden.dims, hiddenDims);
  const weights = headWeightsOf(exposed, bytes, reader)!;
  assert.equal(weights.vocab, V);
  assert.equal(weights.hidden, d);
  const check = checkLinearHead({ hidden: toFloat32(hidden), logits: toFloat32(out.logits), rows: T, d, vocab: V, weight: weights.weight, bias: weights.bias ?? undefined });
  return { exposed, check, weights };
}

test('tied head behind Transpose(embedding) with a bias: found, spliced, W h + b = logits within 1e-4', async () => {
  const { bytes } = tiedModel('raw');
  const { exposed, check, weights } = await runAndCheck(bytes);
  assert.equal(exposed.head.hidden, '/model/norm/output_0');
  assert.deepEqual(exposed.head.weight && { ...exposed.head.weight }, { initializer: 'embed.weight', layout: 'vocab-major', tied: true, viaTranspose: true, vocab: V, hidden: d, dataType: 1 });
  assert.equal(exposed.head.bias, 'lm_head.bias');
  assert.equal(exposed.head.linear, true);
  assert.deepEqual(Array.from(weights.weight), Array.from(E));
  assert.ok(check.maxAbsError < 1e-4, `max error ${check.maxAbsError}`);
  assert.equal(check.verdict, 'linear');
  // Splicing only appended bytes: the original graph payload is intact, and the output list grew by one.
  assert.deepEqual(scanModel(exposed.model).outputs, ['logits', '/model/norm/output_0']);
  assert.equal(exposeHiddenState(exposed.model).model, exposed.model, 'adding an existing output is a no-op');
});

test('external data: weights read through the vetted reader, session loads spliced bytes with the folder option', async () => {
  const { bytes, data } = tiedModel('external');
  const dir = mkdtempSync(join(tmpdir(), 'ml-onnx-'));
  writeFileSync(join(dir, 'model.onnx'), bytes);
  writeFileSync(join(dir, 'model.onnx_data'), data!);
  const { check } = await runAndCheck(bytes, dir, externalReaderFor(join(dir, 'model.onnx')));
  assert.ok(check.maxAbsError < 1e-4);
  assert.throws(() => headWeightsOf(exposeHiddenState(bytes), bytes), /external data/);
});

test('fp16 hidden-major weight behind a Cast, no bias', async () => {
  const W16 = new Uint16Array(d * V);
  const Wt = new Float32Array(d * V); // d×V, the MatMul layout
  for (let c = 0; c < d; c++) for (let w = 0; w < V; w++) { W16[c * V + w] = toHalfBits(E[w * d + c]); Wt[c * V + w] = E[w * d + c]; }
  const bytes = model(graph({
    nodes: [
      node('Gather', ['embed', 'input_ids'], ['emb']),
      node('Tanh', ['emb'], ['h']),
      node('Cast', ['lm_head.weight_fp16'], ['lm_w'], '', [{ name: 'to', i: 1 }]),
      node('MatMul', ['h', 'lm_w'], ['logits']),
    ],
    initializers: [tensor({ name: 'embed', dims: [V, d], dataType: 1, raw: float32Bytes(E) }), tensor({ name: 'lm_head.weight_fp16', dims: [d, V], dataType: 10, raw: new Uint8Array(W16.buffer) })],
    inputs: [idsInput], outputs: [logitsOut],
  }));
  const { exposed, check, weights } = await runAndCheck(bytes);
  assert.equal(exposed.head.weight?.layout, 'hidden-major');
  assert.equal(exposed.head.weight?.tied, false);
  assert.equal(exposed.head.weight?.dataType, 10);
  for (let i = 0; i < V * d; i++) assert.ok(Math.abs(weights.weight[i] - E[i]) <= Math.abs(E[i]) * 2 ** -11 + 1e-7, 'half decode');
  assert.ok(check.maxAbsError < 1e-4, `max error ${check.maxAbsError}`);
});

test('Gemm(transB = 1) with bias between Reshapes, weight stored as float_data', async () => {
  const bytes = model(graph({
    nodes: [
      node('Gather', ['embed', 'input_ids'], ['emb']),
      node('Tanh', ['emb'], ['h']),
      node('Reshape', ['h', 'shape_2d'], ['h2']),
      node('Gemm', ['h2', 'lm_head.weight', 'lm_head.bias'], ['z2'], '', [{ name: 'transB', i: 1 }]),
      node('Reshape', ['z2', 'shape_3d'], ['logits']),
    ],
    initializers: [
      tensor({ name: 'embed', dims: [V, d], dataType: 1, raw: float32Bytes(E) }),
      tensor({ name: 'lm_head.weight', dims: [V, d], dataType: 1, floatData: E }),
      tensor({ name: 'lm_head.bias', dims: [V], dataType: 1, floatData: bias }),
      int64('shape_2d', [-1, d]), int64('shape_3d', [1, -1, V]),
    ],
    inputs: [idsInput], outputs: [logitsOut],
  }));
  // A Gemm head takes rows: the exposed tensor is the 2-D [T, d] Gemm input.
  const { exposed, check } = await runAndCheck(bytes, undefined, undefined, [T, d]);
  assert.equal(exposed.head.hidden, 'h2');
  assert.equal(exposed.head.bias, 'lm_head.bias');
  assert.deepEqual(exposed.head.tail, ['Reshape']);
  assert.ok(check.maxAbsError < 1e-4);
});

test('soft-capped and scaled logits: the hidden state is still exposed, the head is flagged not linear', async () => {
  const c = tensor({ name: 'cap', dims: [], dataType: 1, raw: float32Bytes(Float32Array.of(3)) });
  const tail = [node('Div', ['z1', 'cap'], ['z2']), node('Tanh', ['z2'], ['z3']), node('Mul', ['z3', 'cap'], ['logits'])];
  const full = tiedModelWithInitializer(tail, c);
  const exposed = exposeHiddenState(full);
  assert.equal(exposed.head.hidden, '/model/norm/output_0');
  assert.equal(exposed.head.linear, false);
  const kinds = exposed.head.issues.map(i => i.kind).sort();
  assert.deepEqual(kinds, ['scaled', 'scaled', 'softcap']);
  const session = await InferenceSession.create(exposed.model);
  const out = await session.run({ input_ids: new Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, T]) });
  const weights = headWeightsOf(exposed, full)!;
  const check = checkLinearHead({ hidden: toFloat32(out[exposed.hiddenOutput!]), logits: toFloat32(out.logits), rows: T, d, vocab: V, weight: weights.weight, bias: weights.bias ?? undefined });
  assert.equal(check.verdict, 'not-linear');
});

/** The tied model with an extra initializer (for tails that need constants). */
function tiedModelWithInitializer(tail: Uint8Array[], extra: Uint8Array): Uint8Array {
  const nodes = [
    node('Gather', ['embed.weight', 'input_ids'], ['emb']),
    node('Tanh', ['emb'], ['/model/norm/output_0']),
    node('Transpose', ['embed.weight'], ['embed.weight_transposed'], '', [{ name: 'perm', ints: [1, 0] }]),
    node('MatMul', ['/model/norm/output_0', 'embed.weight_transposed'], ['z0'], '/lm_head/MatMul'),
    node('Add', ['z0', 'lm_head.bias'], ['z1'], '/lm_head/Add'),
    ...tail,
  ];
  return model(graph({
    nodes,
    initializers: [tensor({ name: 'embed.weight', dims: [V, d], dataType: 1, raw: float32Bytes(E) }), tensor({ name: 'lm_head.bias', dims: [V], dataType: 1, raw: float32Bytes(bias) }), extra],
    inputs: [idsInput], outputs: [logitsOut],
  }));
}

test('a merged decoder (logits from If) is reported, not spliced', () => {
  const branch = graph({ nodes: [], initializers: [], inputs: [], outputs: [] });
  const bytes = model(graph({
    nodes: [node('If', ['use_cache_branch'], ['logits'], 'optimum::if', [{ name: 'then_branch', graph: branch }, { name: 'else_branch', graph: branch }])],
    initializers: [], inputs: [valueInfo('use_cache_branch', 9, [1])], outputs: [logitsOut],
  }));
  const exposed = exposeHiddenState(bytes);
  assert.equal(exposed.hiddenOutput, null);
  assert.equal(exposed.head.issues[0].kind, 'merged-decoder');
  assert.equal(exposed.model, bytes);
});

test('no head: a graph whose logits come from a non-linear op reports not-found', () => {
  const bytes = model(graph({
    nodes: [node('Gather', ['embed', 'input_ids'], ['logits'])],
    initializers: [tensor({ name: 'embed', dims: [V, d], dataType: 1, raw: float32Bytes(E) })],
    inputs: [idsInput], outputs: [logitsOut],
  }));
  const exposed = exposeHiddenState(bytes);
  assert.equal(exposed.hiddenOutput, null);
  assert.equal(exposed.head.issues[0].kind, 'not-found');
});

test('quantized heads are flagged; dynamic int8 exposes the float input of DynamicQuantizeLinear', () => {
  const nbits = model(graph({
    nodes: [
      node('Gather', ['embed', 'input_ids'], ['emb']),
      node('Tanh', ['emb'], ['h']),
      node('MatMulNBits', ['h', 'q_weight', 'q_scales'], ['logits'], '/lm_head/MatMulNBits', [{ name: 'K', i: d }, { name: 'N', i: V }, { name: 'bits', i: 4 }, { name: 'block_size', i: 32 }], 'com.microsoft'),
    ],
    initializers: [tensor({ name: 'embed', dims: [V, d], dataType: 1, raw: float32Bytes(E) }), tensor({ name: 'q_weight', dims: [V, 1, 16], dataType: 2, raw: new Uint8Array(V * 16) }), tensor({ name: 'q_scales', dims: [V], dataType: 1, raw: float32Bytes(bias) })],
    inputs: [idsInput], outputs: [logitsOut],
  }));
  const a = exposeHiddenState(nbits);
  assert.equal(a.hiddenOutput, 'h');
  assert.equal(a.head.linear, false);
  assert.deepEqual(a.head.issues.map(i => i.kind), ['quantized']);
  assert.equal(headWeightsOf(a, nbits), null);

  const dynamic = model(graph({
    nodes: [
      node('Gather', ['embed', 'input_ids'], ['emb']),
      node('Tanh', ['emb'], ['h_float']),
      node('DynamicQuantizeLinear', ['h_float'], ['h_q', 'h_scale', 'h_zero']),
      node('MatMulInteger', ['h_q', 'w_q', 'h_zero', 'w_zero'], ['z_int']),
      node('Cast', ['z_int'], ['z_f'], '', [{ name: 'to', i: 1 }]),
      node('Mul', ['z_f', 'scale_product'], ['logits']),
    ],
    initializers: [
      tensor({ name: 'embed', dims: [V, d], dataType: 1, raw: float32Bytes(E) }),
      tensor({ name: 'w_q', dims: [d, V], dataType: 2, raw: new Uint8Array(d * V) }),
      tensor({ name: 'w_zero', dims: [], dataType: 2, raw: new Uint8Array(1) }),
      tensor({ name: 'scale_product', dims: [], dataType: 1, raw: float32Bytes(Float32Array.of(0.01)) }),
    ],
    inputs: [idsInput], outputs: [logitsOut],
  }));
  const b = exposeHiddenState(dynamic);
  assert.equal(b.hiddenOutput, 'h_float');
  assert.ok(b.head.issues.some(i => i.kind === 'quantized'));
  assert.equal(b.head.linear, false);
});
