/**
 * Protobuf encoding for the few messages graph surgery writes (wire.ts reads): length-delimited and
 * varint fields, strings, and the ValueInfoProto of a graph input or output.
 */
import { encodeVarint } from './wire';

const utf8 = new TextEncoder();

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** Field `number` with wire type 2 (length-delimited). */
export function bytesField(number: number, payload: Uint8Array): Uint8Array {
  return concatBytes([encodeVarint(number * 8 + 2), encodeVarint(payload.length), payload]);
}

export function varintField(number: number, value: number): Uint8Array {
  return concatBytes([encodeVarint(number * 8), encodeVarint(value)]);
}

export function stringField(number: number, value: string): Uint8Array {
  return bytesField(number, utf8.encode(value));
}

/**
 * ValueInfoProto (name = 1, type = 2): the name only (ONNX Runtime infers an output's type), or with
 * a tensor type (TypeProto.tensor_type = 1: elem_type = 1, shape = 2 of dims, each dim_value = 1 or
 * dim_param = 2), which a graph input needs.
 */
export function valueInfo(name: string, tensorType?: { elemType: number; dims: ReadonlyArray<number | string> }): Uint8Array {
  if (!tensorType) return stringField(1, name);
  const dim = (d: number | string) => bytesField(1, typeof d === 'number' ? varintField(1, d) : stringField(2, d));
  const shape = bytesField(2, concatBytes(tensorType.dims.map(dim)));
  const type = bytesField(1, concatBytes([varintField(1, tensorType.elemType), shape]));
  return concatBytes([stringField(1, name), bytesField(2, type)]);
}
