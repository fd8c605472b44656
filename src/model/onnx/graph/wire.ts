/**
 * Protobuf wire-format primitives for reading and splicing ONNX files without a schema compiler:
 * varints, field iteration over a byte range, and length-delimited payload positions. Payloads are
 * never copied; callers get byte ranges into the original buffer.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

/** One field occurrence: for WIRE_BYTES, [start, end) is the payload; for varints, `value`. */
export interface Field {
  number: number;
  wire: number;
  /** Offset of the field's tag (for splicing). */
  tagStart: number;
  /** Offset of the length varint (WIRE_BYTES only; equals start otherwise). */
  lengthStart: number;
  start: number;
  end: number;
  /** Varint value (WIRE_VARINT), as a JS number (exact below 2^53). */
  value: number;
}

/** Random access to bytes: a Uint8Array satisfies it, and so does a windowed file reader. */
export interface ByteSource {
  readonly length: number;
  at(index: number): number | undefined;
  subarray(start: number, end: number): Uint8Array;
}

export class WireError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at byte ${offset}`);
    this.name = 'WireError';
  }
}

/** Reads a varint at `pos`; returns [value, next position]. Values up to 2^64 lose precision above 2^53. */
export function readVarint(buf: ByteSource, pos: number, limit = buf.length): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= limit) throw new WireError('truncated varint', pos);
    const byte = buf.at(pos++) as number;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return [value, pos];
    scale *= 128;
  }
  throw new WireError('varint longer than 10 bytes', pos);
}

/** Encodes a non-negative integer below 2^53 as a varint. */
export function encodeVarint(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`cannot encode ${n} as a varint`);
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Uint8Array.from(out);
}

/** The parts one after another in a new array. */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** Iterates the fields in buf[start, end). */
export function* fields(buf: ByteSource, start: number, end: number): Generator<Field> {
  let pos = start;
  while (pos < end) {
    const tagStart = pos;
    const [tag, afterTag] = readVarint(buf, pos, end);
    const number = Math.floor(tag / 8);
    const wire = tag % 8;
    pos = afterTag;
    switch (wire) {
      case WIRE_VARINT: {
        const [value, next] = readVarint(buf, pos, end);
        yield { number, wire, tagStart, lengthStart: pos, start: pos, end: next, value };
        pos = next;
        break;
      }
      case WIRE_FIXED64:
        if (pos + 8 > end) throw new WireError('truncated fixed64', pos);
        yield { number, wire, tagStart, lengthStart: pos, start: pos, end: pos + 8, value: 0 };
        pos += 8;
        break;
      case WIRE_FIXED32:
        if (pos + 4 > end) throw new WireError('truncated fixed32', pos);
        yield { number, wire, tagStart, lengthStart: pos, start: pos, end: pos + 4, value: 0 };
        pos += 4;
        break;
      case WIRE_BYTES: {
        const [length, payload] = readVarint(buf, pos, end);
        if (payload + length > end) throw new WireError(`field ${number} runs past its container`, pos);
        yield { number, wire, tagStart, lengthStart: pos, start: payload, end: payload + length, value: length };
        pos = payload + length;
        break;
      }
      default:
        throw new WireError(`unsupported wire type ${wire} (field ${number})`, tagStart);
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

export function readString(buf: ByteSource, field: Field): string {
  return utf8.decode(buf.subarray(field.start, field.end));
}

/** Repeated int64 fields may be packed (WIRE_BYTES) or not (one WIRE_VARINT per value). */
export function readInts(buf: ByteSource, field: Field, into: number[]): void {
  if (field.wire === WIRE_VARINT) {
    into.push(signed64(field.value));
    return;
  }
  let pos = field.start;
  while (pos < field.end) {
    const [v, next] = readVarint(buf, pos, field.end);
    into.push(signed64(v));
    pos = next;
  }
}

/** Two's-complement int64 read as an unsigned varint (e.g. -1 = 2^64 − 1) back to a signed number. */
function signed64(v: number): number {
  return v >= 2 ** 63 ? v - 2 ** 64 : v;
}

export function readFloat32(buf: Uint8Array, offset: number): number {
  return new DataView(buf.buffer, buf.byteOffset + offset, 4).getFloat32(0, true);
}
