/**
 * Reads the LM head weight W (as V×d float32, whatever its storage) and bias from the initializers:
 * inline raw_data, float_data or int32_data (float16 bits), or external data through a reader the
 * caller supplies; float32, float16, bfloat16 or double.
 */
import { endianness } from 'node:os';
import { HeadInfo } from './head';
import { elementCount, elementSize, ModelScan, TensorInfo } from './scan';
import { readVarint, WIRE_BYTES, WIRE_FIXED32, WIRE_VARINT } from './wire';

/**
 * Returns `length` bytes at `offset` of the external file `location` (relative to the model folder),
 * read into `into` when given.
 */
export type ExternalReader = (location: string, offset: number, length: number, into?: Uint8Array) => Uint8Array;

/** The graph file: its bytes, or a reader of byte ranges `[start, end)` (into `into` when given). */
export type ModelBytes = Uint8Array | ((start: number, end: number, into?: Uint8Array) => Uint8Array);

/** Where decoded float32 values go (e.g. shared memory, so a thread reads W without a copy). */
export type Float32Allocator = (length: number) => Float32Array;

const plainFloat32: Float32Allocator = n => new Float32Array(n);

export interface HeadWeights {
  /** V×d, row w = W_w. */
  weight: Float32Array;
  vocab: number;
  hidden: number;
  bias: Float32Array | null;
  /** max_w ‖W_w‖² over the whole vocabulary (for truncation bounds). */
  maxRowNormSq: number;
  dataType: number;
}

/** `alloc` holds W (V×d); the bias and any transposition's input are plain arrays. */
export function readHeadWeights(model: ModelBytes, scan: ModelScan, head: HeadInfo, reader?: ExternalReader, alloc: Float32Allocator = plainFloat32): HeadWeights {
  if (!head.weight) throw new Error('the head has no readable weight');
  const ref = head.weight;
  const { vocab: V, hidden: d } = ref;
  const hiddenMajor = ref.layout === 'hidden-major';
  const raw = readTensorFloat32(model, scan.initializers.get(ref.initializer)!, reader, hiddenMajor ? plainFloat32 : alloc);
  let weight = raw;
  if (hiddenMajor) {
    weight = alloc(V * d);
    for (let i = 0; i < d; i++) for (let w = 0; w < V; w++) weight[w * d + i] = raw[i * V + w];
  }
  let maxRowNormSq = 0;
  for (let w = 0; w < V; w++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += weight[w * d + c] ** 2;
    maxRowNormSq = Math.max(maxRowNormSq, s);
  }
  const biasTensor = head.bias ? scan.initializers.get(head.bias) : undefined;
  const bias = biasTensor ? readTensorFloat32(model, biasTensor, reader) : null;
  if (bias && bias.length !== V) throw new Error(`head bias ${head.bias} has ${bias.length} values for a vocabulary of ${V}`);
  return { weight, vocab: V, hidden: d, bias, maxRowNormSq, dataType: ref.dataType };
}

/** Any float tensor's values as float32, in an array from `alloc`. */
export function readTensorFloat32(source: ModelBytes, t: TensorInfo, reader?: ExternalReader, alloc: Float32Allocator = plainFloat32): Float32Array {
  const n = elementCount(t.dims);
  // float32 stored raw (inline or external) is read straight into the output's bytes: no staging
  // copy of a tensor that may be hundreds of MB. ONNX stores little-endian, as every platform that
  // onnxruntime-node ships for.
  if (t.dataType === 1 && (t.raw || t.external) && endianness() === 'LE') {
    const out = alloc(n);
    const into = new Uint8Array(out.buffer, out.byteOffset, n * 4);
    if (t.raw && t.raw.end - t.raw.start < n * 4) throw new Error(`tensor ${t.name}: ${t.raw.end - t.raw.start} bytes for ${n} values of type 1`);
    if (t.raw) {
      if (typeof source === 'function') source(t.raw.start, t.raw.start + n * 4, into);
      else into.set(source.subarray(t.raw.start, t.raw.start + n * 4));
    } else tensorBytes(new Uint8Array(0), t, n, reader, into);
    return out;
  }
  const { model, tensor } = typeof source === 'function' ? tensorSpan(source, t) : { model: source, tensor: t };
  return decodeTensor(model, tensor, n, reader, alloc);
}

function decodeTensor(model: Uint8Array, t: TensorInfo, n: number, reader: ExternalReader | undefined, alloc: Float32Allocator): Float32Array {
  const bytes = tensorBytes(model, t, n, reader);
  if (bytes) return decode(bytes, t.dataType, n, t.name, alloc);
  if (t.dataType === 1 && t.floatData) return fromFixed32Fields(model, t.floatData, n, t.name, alloc);
  if ((t.dataType === 10 || t.dataType === 16) && t.int32Data) {
    const half = new Uint16Array(n);
    let i = 0;
    for (const f of t.int32Data) {
      if (f.wire === WIRE_VARINT) { half[i++] = f.value; continue; }
      for (let pos = f.start; pos < f.end;) { const [v, next] = readVarint(model, pos, f.end); half[i++] = v; pos = next; }
    }
    return decode(new Uint8Array(half.buffer), t.dataType, n, t.name, alloc);
  }
  if (t.dataType === 11 && t.doubleData) {
    const f = t.doubleData[0];
    const view = new DataView(model.buffer, model.byteOffset + f.start, f.end - f.start);
    const out = alloc(n);
    for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
    return out;
  }
  throw new Error(`tensor ${t.name}: no data found (type ${t.dataType})`);
}

function tensorBytes(model: Uint8Array, t: TensorInfo, n: number, reader?: ExternalReader, into?: Uint8Array): Uint8Array | null {
  if (t.raw) return model.subarray(t.raw.start, t.raw.end);
  if (!t.external) return null;
  if (!reader) throw new Error(`tensor ${t.name} lives in external data (${t.external.location}); a reader is needed`);
  const offset = Number(t.external.offset ?? 0);
  const length = into ? into.length : t.external.length !== undefined ? Number(t.external.length) : n * elementSize(t.dataType);
  if (into && t.external.length !== undefined && Number(t.external.length) < length) throw new Error(`tensor ${t.name}: ${t.external.length} bytes of external data for ${n} values`);
  return reader(t.external.location, offset, length, into);
}

/** The bytes of every field of `t`, read from the file, with `t`'s offsets rebased onto them. */
function tensorSpan(read: (start: number, end: number) => Uint8Array, t: TensorInfo): { model: Uint8Array; tensor: TensorInfo } {
  const fields = [...(t.raw ? [t.raw] : []), ...(t.floatData ?? []), ...(t.int32Data ?? []), ...(t.doubleData ?? [])];
  if (fields.length === 0) return { model: new Uint8Array(0), tensor: t };
  const start = Math.min(...fields.map(f => f.start));
  const end = Math.max(...fields.map(f => f.end));
  const shift = <F extends { start: number; end: number }>(f: F): F => ({ ...f, start: f.start - start, end: f.end - start });
  return {
    model: read(start, end),
    tensor: { ...t, raw: t.raw && shift(t.raw), floatData: t.floatData?.map(shift), int32Data: t.int32Data?.map(shift), doubleData: t.doubleData?.map(shift) },
  };
}

function decode(bytes: Uint8Array, dataType: number, n: number, name: string, alloc: Float32Allocator): Float32Array {
  const size = elementSize(dataType);
  if (bytes.length < n * size) throw new Error(`tensor ${name}: ${bytes.length} bytes for ${n} values of type ${dataType}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * size);
  const out = alloc(n);
  switch (dataType) {
    case 1: for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true); break;
    case 11: for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true); break;
    case 10: for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true)); break;
    case 16: for (let i = 0; i < n; i++) out[i] = bfloat16ToFloat(view.getUint16(2 * i, true)); break;
    default: throw new Error(`tensor ${name}: data type ${dataType} is not a float type`);
  }
  return out;
}

function fromFixed32Fields(model: Uint8Array, list: TensorInfo['floatData'] & object, n: number, name: string, alloc: Float32Allocator): Float32Array {
  const out = alloc(n);
  let i = 0;
  for (const f of list) {
    const view = new DataView(model.buffer, model.byteOffset + f.start, f.end - f.start);
    if (f.wire === WIRE_FIXED32) out[i++] = view.getFloat32(0, true);
    else if (f.wire === WIRE_BYTES) for (let p = 0; p + 4 <= f.end - f.start; p += 4) out[i++] = view.getFloat32(p, true);
  }
  if (i !== n) throw new Error(`tensor ${name}: ${i} float_data values for ${n} elements`);
  return out;
}

/** IEEE-754 half bits to a number (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

function bfloat16ToFloat(b: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, b << 16);
  return view.getFloat32(0);
}
