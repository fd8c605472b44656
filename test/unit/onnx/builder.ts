/**
 * A tiny ONNX protobuf writer for tests: enough of ModelProto/GraphProto/NodeProto/TensorProto to
 * build head graphs (tied, transposed, Gemm, fp16, external data, soft-capped, If) that ONNX Runtime
 * can run. Field numbers follow onnx.proto.
 */

type Part = Uint8Array;

export function varint(n: number): Part {
  const out: number[] = [];
  while (n >= 0x80) { out.push((n % 128) | 0x80); n = Math.floor(n / 128); }
  out.push(n);
  return Uint8Array.from(out);
}

export function cat(parts: Part[]): Part {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

const bytesField = (n: number, payload: Part): Part => cat([varint(n * 8 + 2), varint(payload.length), payload]);
const varintField = (n: number, v: number): Part => cat([varint(n * 8), varint(v)]);
const str = (n: number, s: string): Part => bytesField(n, new TextEncoder().encode(s));
const float32Field = (n: number, v: number): Part => { const b = new Uint8Array(5); b[0] = n * 8 + 5; new DataView(b.buffer).setFloat32(1, v, true); return b; };

export interface TensorSpec {
  name: string;
  dims: number[];
  /** 1 float, 10 float16, 7 int64. */
  dataType: number;
  raw?: Uint8Array;
  floatData?: Float32Array;
  external?: { location: string; offset: number; length: number };
}

export function tensor(t: TensorSpec): Part {
  const parts: Part[] = t.dims.map(d => varintField(1, d));
  parts.push(varintField(2, t.dataType), str(8, t.name));
  if (t.raw) parts.push(bytesField(9, t.raw));
  if (t.floatData) parts.push(bytesField(4, new Uint8Array(t.floatData.buffer.slice(0))));
  if (t.external) {
    const kv = (k: string, v: string) => bytesField(13, cat([str(1, k), str(2, v)]));
    parts.push(kv('location', t.external.location), kv('offset', String(t.external.offset)), kv('length', String(t.external.length)), varintField(14, 1));
  }
  return cat(parts);
}

export interface Attr { name: string; i?: number; f?: number; ints?: number[]; graph?: Part }

export function node(op: string, inputs: string[], outputs: string[], name = '', attrs: Attr[] = [], domain = ''): Part {
  const parts: Part[] = [...inputs.map(i => str(1, i)), ...outputs.map(o => str(2, o)), str(3, name || `${op}_${outputs[0]}`), str(4, op)];
  for (const a of attrs) {
    const fieldsOf: Part[] = [str(1, a.name)];
    if (a.i !== undefined) fieldsOf.push(varintField(3, a.i), varintField(20, 2));
    if (a.f !== undefined) fieldsOf.push(float32Field(2, a.f), varintField(20, 1));
    if (a.ints) fieldsOf.push(...a.ints.map(v => varintField(8, v)), varintField(20, 7));
    if (a.graph) fieldsOf.push(bytesField(6, a.graph), varintField(20, 5));
    parts.push(bytesField(5, cat(fieldsOf)));
  }
  if (domain) parts.push(str(7, domain));
  return cat(parts);
}

/** ValueInfoProto with a tensor type; dims are numbers or symbolic names. */
export function valueInfo(name: string, elemType: number, dims: Array<number | string>): Part {
  const dim = (d: number | string) => bytesField(1, typeof d === 'number' ? varintField(1, d) : str(2, d));
  const shape = bytesField(2, cat(dims.map(dim)));
  const tensorType = bytesField(1, cat([varintField(1, elemType), shape]));
  return cat([str(1, name), bytesField(2, tensorType)]);
}

export function graph(parts: { nodes: Part[]; initializers: Part[]; inputs: Part[]; outputs: Part[]; name?: string }): Part {
  return cat([
    ...parts.nodes.map(n => bytesField(1, n)),
    str(2, parts.name ?? 'g'),
    ...parts.initializers.map(t => bytesField(5, t)),
    ...parts.inputs.map(v => bytesField(11, v)),
    ...parts.outputs.map(v => bytesField(12, v)),
  ]);
}

export function model(graphBytes: Part, opset = 17): Uint8Array {
  const opsetImport = cat([str(1, ''), varintField(2, opset)]);
  return cat([varintField(1, 8), str(2, 'markov-lens-test'), bytesField(7, graphBytes), bytesField(8, opsetImport)]);
}

export function float32Bytes(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

/** float → IEEE half bits (round to nearest even; test values are in the normal range). */
export function toHalfBits(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  let mant = u & 0x7fffff;
  if (exp <= 0) return sign;
  const round = mant & 0x1fff;
  mant >>>= 13;
  let h = sign | (exp << 10) | mant;
  if (round > 0x1000 || (round === 0x1000 && (mant & 1))) h++;
  return h;
}
