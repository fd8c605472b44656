/**
 * Adds graph outputs to an ONNX model by splicing its wire bytes (onnx-signatures.md §5b): append
 * `GraphProto.output` entries (field 12) holding a bare ValueInfoProto{name} to the graph payload and
 * rewrite the graph field's length. Nothing else is decoded or re-encoded, so unknown and newer
 * fields, inline weights and external-data references stay byte-identical. ONNX Runtime infers the
 * type and shape of an output declared by name only.
 */
import { bytesField, concatBytes, valueInfo } from './encode';
import { scanModel } from './scan';
import { encodeVarint } from './wire';

const GRAPH_OUTPUT = 12;

/** Returns a new model buffer whose top-level graph also outputs `names` (existing outputs skipped). */
export function addGraphOutputs(model: Uint8Array, names: string[]): Uint8Array {
  const scan = scanModel(model);
  const wanted = [...new Set(names)].filter(n => !scan.outputs.includes(n));
  if (wanted.length === 0) return model;
  const produced = new Set(scan.nodes.flatMap(n => n.outputs));
  for (const n of wanted) {
    if (!produced.has(n) && !scan.inputs.includes(n) && !scan.initializers.has(n)) throw new Error(`no tensor named '${n}' in the top-level graph`);
  }
  const appended = concatBytes(wanted.map(n => bytesField(GRAPH_OUTPUT, valueInfo(n))));
  const g = scan.graphField;
  const newLength = encodeVarint(g.end - g.start + appended.length);
  return concatBytes([model.subarray(0, g.lengthStart), newLength, model.subarray(g.start, g.end), appended, model.subarray(g.end)]);
}
