/**
 * Test helper: copies of a real model with post-processing after its LM head, made by byte-editing
 * the protobuf. The node that produces `logits` is renamed to produce `logitz` (same length, edited
 * in place), and the graph gains nodes from `logitz` to `logits` plus the scalar initializer `cap`:
 *  - softcapCopy: logits = cap · tanh(logitz / cap) (Gemma-2 style soft-capping);
 *  - scaledCopy:  logits = logitz · cap (Granite/Cohere-style logit scaling).
 */
import { scanModel } from '../../../src/model/onnx/graph/scan';
import { cat, float32Bytes, node, tensor, varint } from '../onnx/builder';

const field = (tag: number, payload: Uint8Array) => cat([Uint8Array.of(tag), varint(payload.length), payload]);
const GRAPH_NODE_TAG = 0x0a; // GraphProto.node, field 1
const GRAPH_INITIALIZER_TAG = 0x2a; // GraphProto.initializer, field 5

function withLogitsTail(model: Uint8Array, cap: number, tail: Uint8Array[]): Uint8Array {
  const out = Uint8Array.from(model);
  // NodeProto.output (field 2) = "logits": tag 0x12, length 6.
  const pattern = Uint8Array.from([0x12, 0x06, ...new TextEncoder().encode('logits')]);
  const hits: number[] = [];
  for (let i = 0; i + pattern.length <= out.length; i++) {
    let j = 0;
    while (j < pattern.length && out[i + j] === pattern[j]) j++;
    if (j === pattern.length) hits.push(i);
  }
  if (hits.length !== 1) throw new Error(`expected one node output named logits, found ${hits.length}`);
  out[hits[0] + pattern.length - 1] = 'z'.charCodeAt(0);
  const appended = cat([
    ...tail.map(n => field(GRAPH_NODE_TAG, n)),
    field(GRAPH_INITIALIZER_TAG, tensor({ name: 'cap', dims: [], dataType: 1, raw: float32Bytes(Float32Array.of(cap)) })),
  ]);
  const g = scanModel(out).graphField;
  return cat([out.subarray(0, g.lengthStart), varint(g.end - g.start + appended.length), out.subarray(g.start, g.end), appended, out.subarray(g.end)]);
}

export function softcapCopy(model: Uint8Array, cap: number): Uint8Array {
  return withLogitsTail(model, cap, [
    node('Div', ['logitz', 'cap'], ['softcap_div']),
    node('Tanh', ['softcap_div'], ['softcap_tanh']),
    node('Mul', ['softcap_tanh', 'cap'], ['logits']),
  ]);
}

export function scaledCopy(model: Uint8Array, scale: number): Uint8Array {
  return withLogitsTail(model, scale, [node('Mul', ['logitz', 'cap'], ['logits'])]);
}
