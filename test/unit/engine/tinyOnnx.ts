/**
 * Test helper: writes a tiny but genuinely causal ONNX "language model" by hand (protobuf wire
 * format), so engine plumbing can be tested without any fixture. Each position's hidden state is
 * the running sum of token + position embeddings over the whole prefix, carried in the KV cache
 * (past_key_values.0.key = all previous summands), so a wrong position_ids or cache shows up.
 * The float64 reference for it is `referenceLogits` below.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// --- protobuf wire encoding ----------------------------------------------------------------
function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}
const key = (field: number, wire: number) => varint((field << 3) | wire);
const int = (field: number, n: number | bigint) => [...key(field, 0), ...varint(n)];
const bytes = (field: number, b: number[] | Uint8Array) => [...key(field, 2), ...varint(b.length), ...b];
const str = (field: number, s: string) => bytes(field, [...Buffer.from(s, 'utf8')]);

const FLOAT = 1;
const INT64 = 7;

function tensor(name: string, dims: number[], type: number, raw: Uint8Array): number[] {
  return [...dims.flatMap(d => int(1, d)), ...int(2, type), ...str(8, name), ...bytes(9, raw)];
}
const floats = (name: string, dims: number[], data: Float32Array) => tensor(name, dims, FLOAT, new Uint8Array(data.buffer));
const int64s = (name: string, data: number[]) => tensor(name, [data.length], INT64, new Uint8Array(BigInt64Array.from(data.map(BigInt)).buffer));

function valueInfo(name: string, type: number, shape: Array<number | string>): number[] {
  const dims = shape.flatMap(d => bytes(1, typeof d === 'number' ? int(1, d) : str(2, d)));
  return [...str(1, name), ...bytes(2, bytes(1, [...int(1, type), ...bytes(2, dims)]))];
}

function node(op: string, inputs: string[], outputs: string[], attrs: number[][] = []): number[] {
  return [...inputs.flatMap(i => str(1, i)), ...outputs.flatMap(o => str(2, o)), ...str(4, op), ...attrs.flatMap(a => bytes(5, a))];
}
const intAttr = (name: string, v: number) => [...str(1, name), ...int(3, v), ...int(20, 2)];

// --- the model -------------------------------------------------------------------------------
export interface TinySpec {
  vocab: number;
  dim: number;
  positions: number;
  /** Declare and use a KV cache (default true). */
  cache?: boolean;
  /** Put a NaN into the output projection so every logits row is non-finite. */
  nan?: boolean;
  /** A broken cache: present holds only the new tokens (past dropped), so cached scores drift. */
  dropPast?: boolean;
  /** A pruned LM head (genai prune_lm_head): logits for the last position only. */
  lastOnly?: boolean;
  seed?: number;
}

export interface TinyWeights {
  tokenEmb: Float32Array;
  posEmb: Float32Array;
  head: Float32Array;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
}

export function tinyWeights(spec: TinySpec): TinyWeights {
  const r = rng(spec.seed ?? 1);
  const fill = (n: number, scale: number) => Float32Array.from({ length: n }, () => r() * scale);
  const head = fill(spec.dim * spec.vocab, 1.5);
  if (spec.nan) head[3] = NaN;
  return { tokenEmb: fill(spec.vocab * spec.dim, 1), posEmb: fill(spec.positions * spec.dim, 1), head };
}

export function tinyModelBytes(spec: TinySpec): Uint8Array {
  const { vocab: V, dim: D, positions: P } = spec;
  const w = tinyWeights(spec);
  const cache = spec.cache ?? true;
  const nodes = [
    node('Gather', ['tok_emb', 'input_ids'], ['x_tok']),
    node('Gather', ['pos_emb', 'position_ids'], ['x_pos']),
    node('Add', ['x_tok', 'x_pos'], ['x']), // [1, s, D]
    node('Unsqueeze', ['x', 'axis1'], ['x4']), // [1, 1, s, D]
  ];
  if (cache) {
    nodes.push(
      spec.dropPast
        ? node('Identity', ['x4'], ['present.0.key'])
        : node('Concat', ['past_key_values.0.key', 'x4'], ['present.0.key'], [intAttr('axis', 2)]),
      node('Identity', ['present.0.key'], ['present.0.value']),
      node('CumSum', ['present.0.key', 'axis2'], ['cum_all']),
      node('Shape', ['input_ids'], ['ids_shape']),
      node('Slice', ['ids_shape', 'one', 'two'], ['s']),
      node('Neg', ['s'], ['minus_s']),
      node('Slice', ['cum_all', 'minus_s', 'big', 'axis2v'], ['cum']),
    );
  } else {
    nodes.push(node('CumSum', ['x4', 'axis2'], ['cum']));
  }
  nodes.push(node('Squeeze', ['cum', 'axis1'], [spec.lastOnly ? 'h_all' : 'h']), node('MatMul', ['h', 'head'], ['logits']));
  if (spec.lastOnly) nodes.push(node('Slice', ['h_all', 'minus_one', 'big', 'axis1'], ['h']));
  const initializers = [
    floats('tok_emb', [V, D], w.tokenEmb),
    floats('pos_emb', [P, D], w.posEmb),
    floats('head', [D, V], w.head),
    int64s('axis1', [1]),
    int64s('one', [1]),
    int64s('two', [2]),
    int64s('big', [1 << 30]),
    int64s('axis2v', [2]),
    int64s('minus_one', [-1]),
    tensor('axis2', [], INT64, new Uint8Array(BigInt64Array.from([2n]).buffer)),
  ];
  const inputs = [
    valueInfo('input_ids', INT64, ['batch_size', 'sequence_length']),
    valueInfo('attention_mask', INT64, ['batch_size', 'total_sequence_length']),
    valueInfo('position_ids', INT64, ['batch_size', 'sequence_length']),
  ];
  const outputs = [valueInfo('logits', FLOAT, ['batch_size', 'sequence_length', V])];
  if (cache) {
    for (const kind of ['key', 'value']) {
      inputs.push(valueInfo(`past_key_values.0.${kind}`, FLOAT, ['batch_size', 1, 'past_sequence_length', D]));
      outputs.push(valueInfo(`present.0.${kind}`, FLOAT, ['batch_size', 1, 'total_sequence_length', D]));
    }
  }
  // The mask is declared (as real exports do) and consumed harmlessly: logits += 0 * sum(mask).
  nodes.push(
    node('ReduceSum', ['attention_mask'], ['mask_sum'], [intAttr('keepdims', 0)]),
    node('Cast', ['mask_sum'], ['mask_f'], [intAttr('to', FLOAT)]),
    node('Mul', ['mask_f', 'zero'], ['mask_zero']),
  );
  initializers.push(floats('zero', [], Float32Array.from([0])));
  // Rename the MatMul output and add the zero term to form the final logits.
  const mm = nodes.findIndex(n => Buffer.from(n).includes(Buffer.from('MatMul')));
  nodes[mm] = node('MatMul', ['h', 'head'], ['logits_raw']);
  nodes.push(node('Add', ['logits_raw', 'mask_zero'], ['logits']));

  const graph = [
    ...nodes.flatMap(n => bytes(1, n)),
    ...str(2, 'tiny'),
    ...initializers.flatMap(t => bytes(5, t)),
    ...inputs.flatMap(v => bytes(11, v)),
    ...outputs.flatMap(v => bytes(12, v)),
  ];
  const model = [...int(1, 8), ...str(2, 'markov-lens-test'), ...bytes(7, graph), ...bytes(8, [...str(1, ''), ...int(2, 17)])];
  return Uint8Array.from(model);
}

/** Float64 logits of the tiny model for the whole sequence `ids` (positions 0..n-1). */
export function referenceLogits(spec: TinySpec, ids: ArrayLike<number>): Float64Array[] {
  const w = tinyWeights(spec);
  const { vocab: V, dim: D } = spec;
  const h = new Float64Array(D);
  const rows: Float64Array[] = [];
  for (let j = 0; j < ids.length; j++) {
    for (let d = 0; d < D; d++) h[d] += w.tokenEmb[ids[j] * D + d] + w.posEmb[j * D + d];
    const row = new Float64Array(V);
    for (let v = 0; v < V; v++) for (let d = 0; d < D; d++) row[v] += h[d] * w.head[d * V + v];
    rows.push(row);
  }
  return rows;
}

/** Writes a model folder: model.onnx, config.json and a placeholder tokenizer.json. */
export function writeTinyModelFolder(dir: string, spec: TinySpec): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), tinyModelBytes(spec));
  writeFileSync(join(dir, 'tokenizer.json'), '{}'); // placeholder: the test injects its tokenizer
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'gpt2', vocab_size: spec.vocab, n_embd: spec.dim, n_layer: 1, n_head: 1, n_positions: spec.positions, bos_token_id: 0, eos_token_id: 0 }));
  return dir;
}
