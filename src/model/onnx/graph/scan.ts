/**
 * A read-only scan of an ONNX ModelProto in its wire format: the top-level graph's nodes,
 * initializers (metadata and byte ranges, payloads skipped by length), inputs and outputs, and the
 * graph field's position for splicing. Field numbers are those of onnx.proto (checked against the
 * onnx-proto compiled schema): ModelProto graph=7; GraphProto node=1, initializer=5, input=11,
 * output=12; NodeProto input=1, output=2, name=3, op_type=4, attribute=5, domain=7.
 */
import { Field, fields, readInts, readString, readFloat32, WIRE_BYTES, WIRE_FIXED32, WIRE_VARINT, WireError } from './wire';

/** Where a tensor's values live. Byte ranges index the scanned model buffer. */
export interface TensorInfo {
  name: string;
  dims: number[];
  /** onnx TensorProto.DataType: 1 float, 10 float16, 11 double, 16 bfloat16, 7 int64, ... */
  dataType: number;
  raw?: { start: number; end: number };
  /** float_data (packed or not), int32_data (float16 bits live here when not raw), double_data. */
  floatData?: Field[];
  int32Data?: Field[];
  doubleData?: Field[];
  /** external_data key/value pairs (location, offset, length, checksum). */
  external?: Record<string, string>;
}

export interface AttributeInfo {
  name: string;
  /** AttributeProto fields: f=2, i=3, ints=8, t=5, g=6, graphs=11. */
  f?: number;
  i?: number;
  ints?: number[];
  tensor?: TensorInfo;
  hasGraph: boolean;
}

export interface NodeInfo {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: AttributeInfo[];
}

export interface GraphScan {
  nodes: NodeInfo[];
  initializers: Map<string, TensorInfo>;
  inputs: string[];
  outputs: string[];
}

export interface ModelScan extends GraphScan {
  /** The graph field (ModelProto field 7): tag, length varint and payload positions. */
  graphField: Field;
}

export function scanModel(bytes: Uint8Array): ModelScan {
  let graphField: Field | undefined;
  for (const f of fields(bytes, 0, bytes.length)) if (f.number === 7 && f.wire === WIRE_BYTES) graphField = f;
  if (!graphField) throw new WireError('no graph (ModelProto field 7)', 0);
  return { ...scanGraph(bytes, graphField), graphField };
}

export function scanGraph(bytes: Uint8Array, graph: Field): GraphScan {
  const nodes: NodeInfo[] = [];
  const initializers = new Map<string, TensorInfo>();
  const inputs: string[] = [];
  const outputs: string[] = [];
  for (const f of fields(bytes, graph.start, graph.end)) {
    if (f.wire !== WIRE_BYTES) continue;
    if (f.number === 1) nodes.push(scanNode(bytes, f));
    else if (f.number === 5) { const t = scanTensor(bytes, f); initializers.set(t.name, t); }
    else if (f.number === 11) inputs.push(valueInfoName(bytes, f));
    else if (f.number === 12) outputs.push(valueInfoName(bytes, f));
  }
  return { nodes, initializers, inputs, outputs };
}

function valueInfoName(bytes: Uint8Array, vi: Field): string {
  for (const f of fields(bytes, vi.start, vi.end)) if (f.number === 1 && f.wire === WIRE_BYTES) return readString(bytes, f);
  return '';
}

export function scanNode(bytes: Uint8Array, node: Field): NodeInfo {
  const out: NodeInfo = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: [] };
  for (const f of fields(bytes, node.start, node.end)) {
    if (f.wire !== WIRE_BYTES) continue;
    switch (f.number) {
      case 1: out.inputs.push(readString(bytes, f)); break;
      case 2: out.outputs.push(readString(bytes, f)); break;
      case 3: out.name = readString(bytes, f); break;
      case 4: out.opType = readString(bytes, f); break;
      case 5: out.attributes.push(scanAttribute(bytes, f)); break;
      case 7: out.domain = readString(bytes, f); break;
    }
  }
  return out;
}

function scanAttribute(bytes: Uint8Array, attr: Field): AttributeInfo {
  const out: AttributeInfo = { name: '', hasGraph: false };
  for (const f of fields(bytes, attr.start, attr.end)) {
    if (f.number === 1 && f.wire === WIRE_BYTES) out.name = readString(bytes, f);
    else if (f.number === 2 && f.wire === WIRE_FIXED32) out.f = readFloat32(bytes, f.start);
    else if (f.number === 3 && f.wire === WIRE_VARINT) out.i = f.value >= 2 ** 63 ? f.value - 2 ** 64 : f.value;
    else if (f.number === 8) readInts(bytes, f, (out.ints ??= []));
    else if (f.number === 5 && f.wire === WIRE_BYTES) out.tensor = scanTensor(bytes, f);
    else if ((f.number === 6 || f.number === 11) && f.wire === WIRE_BYTES) out.hasGraph = true;
  }
  return out;
}

/** TensorProto: dims=1, data_type=2, float_data=4, int32_data=5, name=8, raw_data=9, double_data=10, external_data=13. */
export function scanTensor(bytes: Uint8Array, tensor: Field): TensorInfo {
  const out: TensorInfo = { name: '', dims: [], dataType: 0 };
  for (const f of fields(bytes, tensor.start, tensor.end)) {
    switch (f.number) {
      case 1: readInts(bytes, f, out.dims); break;
      case 2: if (f.wire === WIRE_VARINT) out.dataType = f.value; break;
      case 4: (out.floatData ??= []).push(f); break;
      case 5: (out.int32Data ??= []).push(f); break;
      case 8: if (f.wire === WIRE_BYTES) out.name = readString(bytes, f); break;
      case 9: if (f.wire === WIRE_BYTES) out.raw = { start: f.start, end: f.end }; break;
      case 10: (out.doubleData ??= []).push(f); break;
      case 13: if (f.wire === WIRE_BYTES) { const [k, v] = keyValue(bytes, f); (out.external ??= {})[k] = v; } break;
    }
  }
  return out;
}

/** StringStringEntryProto: key=1, value=2. */
function keyValue(bytes: Uint8Array, entry: Field): [string, string] {
  let key = '';
  let value = '';
  for (const f of fields(bytes, entry.start, entry.end)) {
    if (f.number === 1 && f.wire === WIRE_BYTES) key = readString(bytes, f);
    else if (f.number === 2 && f.wire === WIRE_BYTES) value = readString(bytes, f);
  }
  return [key, value];
}

/** Bytes per element for the numeric ONNX data types (0 when unknown or variable). */
export function elementSize(dataType: number): number {
  switch (dataType) {
    case 1: case 6: case 12: return 4; // float, int32, uint32
    case 2: case 3: case 9: return 1; // uint8, int8, bool
    case 4: case 5: case 10: case 16: return 2; // uint16, int16, float16, bfloat16
    case 7: case 11: case 13: return 8; // int64, double, uint64
    default: return 0;
  }
}

export function elementCount(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
