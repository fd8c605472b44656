/**
 * Deterministic mutations of a model folder for the fuzz test: truncated graphs, flipped bytes in
 * initializers and anywhere, wrong and huge declared dimensions (initializers and graph inputs),
 * inconsistent external-data offsets and lengths, random node attributes and op types, broken
 * tokenizer.json and config.json. Protobuf edits re-encode the enclosing messages, so lengths stay
 * consistent and the damage is the intended one, not a framing error.
 */
import { cpSync, readFileSync, truncateSync, writeFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { encodeVarint, fields, WIRE_BYTES, WIRE_FIXED32, WIRE_VARINT, type Field } from '../../../src/model/onnx/graph/wire';

export type Rng = () => number;

export const MUTATIONS = [
  'truncate-graph', 'flip-initializer', 'flip-anywhere', 'initializer-dims', 'input-shape', 'external-offsets',
  'truncate-external', 'node-attribute', 'op-type', 'tokenizer', 'config',
] as const;
export type Mutation = typeof MUTATIONS[number];

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
const HUGE = [0, 1, 3, 2 ** 31, 2 ** 40, 2 ** 53 - 1];

/** A varint of any value up to 2^64 − 1 (int64 fields store negatives as their two's complement). */
function varint(value: number | bigint): Uint8Array {
  let n = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (n >= 0x80n) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return Uint8Array.from(out);
}

/** The bytes of one field: tag, then the varint, the fixed32, or the length and payload. */
function encodeField(number: number, wire: number, payload: Uint8Array | number | bigint): Uint8Array {
  const tag = encodeVarint(number * 8 + wire);
  if (wire === WIRE_VARINT) return concat([tag, varint(payload as number | bigint)]);
  if (wire === WIRE_FIXED32) return concat([tag, payload as Uint8Array]);
  const body = payload as Uint8Array;
  return concat([tag, encodeVarint(body.length), body]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** The message bytes[start, end) with `edit` applied to each field (undefined: keep as is). */
function rewrite(bytes: Uint8Array, start: number, end: number, edit: (f: Field) => Uint8Array | undefined): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of fields(bytes, start, end)) parts.push(edit(f) ?? bytes.subarray(f.tagStart, f.end));
  return concat(parts);
}

/**
 * Rewrites the message reached by `path` (pairs of field number and occurrence index, from the
 * ModelProto down) with `leaf`, re-encoding every enclosing message. Returns undefined when the
 * path does not exist.
 */
function rewriteAt(bytes: Uint8Array, start: number, end: number, path: Array<[number, number]>, leaf: (payload: Uint8Array) => Uint8Array): Uint8Array | undefined {
  if (path.length === 0) return leaf(bytes.subarray(start, end));
  const [[number, index], ...rest] = path;
  let seen = 0;
  let found = false;
  const out = rewrite(bytes, start, end, f => {
    if (f.number !== number || f.wire !== WIRE_BYTES || seen++ !== index) return undefined;
    const inner = rewriteAt(bytes, f.start, f.end, rest, leaf);
    if (!inner) return undefined;
    found = true;
    return encodeField(number, WIRE_BYTES, inner);
  });
  return found ? out : undefined;
}

function count(bytes: Uint8Array, start: number, end: number, number: number): number {
  let n = 0;
  for (const f of fields(bytes, start, end)) if (f.number === number && f.wire === WIRE_BYTES) n++;
  return n;
}

function nth(bytes: Uint8Array, start: number, end: number, number: number, index: number): Field | undefined {
  let n = 0;
  for (const f of fields(bytes, start, end)) if (f.number === number && f.wire === WIRE_BYTES && n++ === index) return f;
  return undefined;
}

const GRAPH = 7;
const NODE = 1;
const INITIALIZER = 5;
const INPUT = 11;

/** Applies `kind` to the copy of the model folder at `dir` (graph file `onnx`), returning what it did. */
export function mutate(dir: string, onnx: string, kind: Mutation, rng: Rng): string {
  const path = join(dir, onnx);
  const bytes = new Uint8Array(readFileSync(path));
  const graph = nth(bytes, 0, bytes.length, GRAPH, 0)!;
  const save = (out: Uint8Array | undefined, what: string): string => {
    if (!out) return `${what}: nothing to change`;
    writeFileSync(path, out);
    return what;
  };
  const atGraph = (inner: Array<[number, number]>, leaf: (p: Uint8Array) => Uint8Array) => rewriteAt(bytes, 0, bytes.length, [[GRAPH, 0], ...inner], leaf);
  switch (kind) {
    case 'truncate-graph': {
      const size = Math.floor(bytes.length * (0.02 + 0.96 * rng()));
      truncateSync(path, size);
      return `model truncated to ${size} of ${bytes.length} bytes`;
    }
    case 'flip-initializer': {
      const n = count(bytes, graph.start, graph.end, INITIALIZER);
      const init = nth(bytes, graph.start, graph.end, INITIALIZER, Math.floor(rng() * n));
      const raw = init && [...fields(bytes, init.start, init.end)].find(f => f.number === 9 && f.wire === WIRE_BYTES);
      if (!raw || raw.end === raw.start) return 'flip-initializer: no inline raw data';
      const flips = 1 + Math.floor(rng() * 16);
      for (let i = 0; i < flips; i++) bytes[raw.start + Math.floor(rng() * (raw.end - raw.start))] ^= 1 << Math.floor(rng() * 8);
      return save(bytes, `${flips} bits flipped in an initializer's data`);
    }
    case 'flip-anywhere': {
      const flips = 1 + Math.floor(rng() * 8);
      for (let i = 0; i < flips; i++) bytes[Math.floor(rng() * bytes.length)] = Math.floor(rng() * 256);
      return save(bytes, `${flips} random bytes overwritten`);
    }
    case 'initializer-dims': {
      const n = count(bytes, graph.start, graph.end, INITIALIZER);
      const index = Math.floor(rng() * n);
      const variant = pick(rng, ['huge', 'swap', 'double', 'drop', 'extra'] as const);
      return save(atGraph([[INITIALIZER, index]], tensor => {
        const dims: number[] = [];
        for (const f of fields(tensor, 0, tensor.length)) if (f.number === 1 && f.wire === WIRE_VARINT) dims.push(f.value);
        let next = [...dims];
        if (variant === 'huge') next[Math.floor(rng() * Math.max(1, dims.length))] = pick(rng, HUGE);
        else if (variant === 'swap') next.reverse();
        else if (variant === 'double') next = next.map((d, i) => (i === 0 ? d * 2 : d));
        else if (variant === 'drop') next.pop();
        else next.push(1 + Math.floor(rng() * 7));
        const rest = rewrite(tensor, 0, tensor.length, f => (f.number === 1 ? new Uint8Array(0) : undefined));
        return concat([...next.map(d => encodeField(1, WIRE_VARINT, d)), rest]);
      }), `initializer ${index} dims ${variant}`);
    }
    case 'input-shape': {
      const n = count(bytes, graph.start, graph.end, INPUT);
      const index = Math.floor(rng() * n);
      const value = pick(rng, HUGE);
      // ValueInfoProto.type(2) → TypeProto.tensor_type(1) → shape(2) → dim(1) → dim_value(1) / dim_param(2).
      return save(atGraph([[INPUT, index], [2, 0], [1, 0], [2, 0], [1, Math.floor(rng() * 3)]], () => encodeField(1, WIRE_VARINT, value)),
        `graph input ${index}: a dimension declared as ${value}`);
    }
    case 'external-offsets': {
      const n = count(bytes, graph.start, graph.end, INITIALIZER);
      const index = Math.floor(rng() * n);
      const key = pick(rng, ['offset', 'length', 'location'] as const);
      const value = key === 'location' ? pick(rng, ['../escape.bin', '/etc/passwd', 'missing.bin', '']) : String(pick(rng, [-1, 7, 2 ** 40, 123456789, 0]));
      return save(atGraph([[INITIALIZER, index]], tensor => rewrite(tensor, 0, tensor.length, f => {
        if (f.number !== 13 || f.wire !== WIRE_BYTES) return undefined;
        const k = new TextDecoder().decode(tensor.subarray(...keyRange(tensor, f)));
        if (k !== key) return undefined;
        return encodeField(13, WIRE_BYTES, concat([encodeField(1, WIRE_BYTES, new TextEncoder().encode(key)), encodeField(2, WIRE_BYTES, new TextEncoder().encode(value))]));
      })), `initializer ${index}: external ${key} = ${value}`);
    }
    case 'truncate-external': {
      const data = ['model.onnx_data', 'model.onnx.data'].map(f => join(dir, f)).find(existsSync);
      if (!data) return 'truncate-external: no external data file';
      const size = Math.floor(statSync(data).size * rng());
      truncateSync(data, size);
      return `external data truncated to ${size} bytes`;
    }
    case 'node-attribute': {
      const n = count(bytes, graph.start, graph.end, NODE);
      const index = Math.floor(rng() * n);
      const node = nth(bytes, graph.start, graph.end, NODE, index)!;
      const attrs = count(bytes, node.start, node.end, 5);
      if (attrs === 0) return `node ${index} has no attribute`;
      const which = Math.floor(rng() * attrs);
      return save(atGraph([[NODE, index], [5, which]], attr => rewrite(attr, 0, attr.length, f => {
        if (f.number === 3 && f.wire === WIRE_VARINT) return encodeField(3, WIRE_VARINT, pick(rng, [0n, 1n, 2n, 7n, -1n, 2n ** 62n, -(2n ** 40n)]));
        if (f.number === 2 && f.wire === WIRE_FIXED32) {
          const v = new Uint8Array(4);
          new DataView(v.buffer).setFloat32(0, pick(rng, [0, -1, 1e30, NaN, Infinity]), true);
          return encodeField(2, WIRE_FIXED32, v);
        }
        if (f.number === 8) return encodeField(8, WIRE_BYTES, concat([varint(pick(rng, [0, 5, 99, -1])), varint(2n ** 62n)]));
        return undefined;
      })), `node ${index} attribute ${which} changed`);
    }
    case 'op-type': {
      const n = count(bytes, graph.start, graph.end, NODE);
      const index = Math.floor(rng() * n);
      const op = pick(rng, ['MatMul', 'Add', 'Relu', 'Gather', 'NoSuchOp', 'Softmax', '']);
      return save(atGraph([[NODE, index]], node => rewrite(node, 0, node.length, f => (f.number === 4 ? encodeField(4, WIRE_BYTES, new TextEncoder().encode(op)) : undefined))),
        `node ${index} op type set to '${op}'`);
    }
    case 'tokenizer': {
      const file = join(dir, 'tokenizer.json');
      const text = readFileSync(file, 'utf8');
      const variant = pick(rng, ['truncate', 'null', 'vocab', 'merges', 'type', 'flip', 'added'] as const);
      const json = (): Record<string, unknown> => JSON.parse(text) as Record<string, unknown>;
      const model = (j: Record<string, unknown>) => j.model as Record<string, unknown>;
      let out: string;
      if (variant === 'truncate') out = text.slice(0, Math.floor(text.length * rng()));
      else if (variant === 'null') out = 'null';
      else if (variant === 'vocab') { const j = json(); model(j).vocab = pick(rng, [{}, [], 'words', { a: -1 }]); out = JSON.stringify(j); }
      else if (variant === 'merges') { const j = json(); model(j).merges = pick(rng, [['x y z'], 42, [['a']]]); out = JSON.stringify(j); }
      else if (variant === 'type') { const j = json(); model(j).type = pick(rng, ['Unknown', 7]); out = JSON.stringify(j); }
      else if (variant === 'added') { const j = json(); j.added_tokens = [{ id: 2 ** 31, content: '<x>', special: true }, { id: -3, content: 5 }]; out = JSON.stringify(j); }
      else {
        const chars = [...text];
        for (let i = 0; i < 8; i++) chars[Math.floor(rng() * chars.length)] = pick(rng, ['{', '"', '\u0000', 'ÿ', ']']);
        out = chars.join('');
      }
      writeFileSync(file, out);
      return `tokenizer.json: ${variant}`;
    }
    case 'config': {
      const file = join(dir, 'config.json');
      const j = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      const key = pick(rng, ['n_positions', 'max_position_embeddings', 'vocab_size', 'bos_token_id', 'model_type', 'num_key_value_heads', 'head_dim']);
      j[key] = pick(rng, [0, -5, 1e12, 'abc', null, 3.5]);
      writeFileSync(file, JSON.stringify(j));
      return `config.json: ${key} = ${JSON.stringify(j[key])}`;
    }
  }
}

function keyRange(entry: Uint8Array, f: Field): [number, number] {
  for (const g of fields(entry, f.start, f.end)) if (g.number === 1 && g.wire === WIRE_BYTES) return [g.start, g.end];
  return [0, 0];
}

/** A fresh copy of a fixture folder. */
export function copyFolder(from: string, to: string): void {
  cpSync(from, to, { recursive: true });
}
