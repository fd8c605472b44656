/**
 * One more splice for geometry: the graph also outputs softmax(logits) in float32, so the worker's
 * exact mean distribution π̄ = (1/T)Σ p_t is a sum of rows ONNX Runtime already normalised
 * (vectorised exp), not T·V exponentials in JavaScript. Appends GraphProto nodes (field 1) Cast and
 * Softmax over the vocabulary axis, and a graph output (field 12); nothing else is re-encoded.
 */
import { scanModel } from './onnx/scan';
import { encodeVarint } from './onnx/wire';

export const PROBABILITIES_OUTPUT = 'markov_lens_next_token_probabilities';
const FLOAT = 1;
const ATTRIBUTE_INT = 2;

const utf8 = (s: string) => new TextEncoder().encode(s);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

const bytesField = (field: number, payload: Uint8Array) => concat([encodeVarint(field * 8 + 2), encodeVarint(payload.length), payload]);
const varintField = (field: number, value: number) => concat([encodeVarint(field * 8), encodeVarint(value)]);
const intAttribute = (name: string, value: number) => bytesField(5, concat([bytesField(1, utf8(name)), varintField(3, value), varintField(20, ATTRIBUTE_INT)]));

function nodeProto(op: string, input: string, output: string, attribute: Uint8Array): Uint8Array {
  return concat([bytesField(1, utf8(input)), bytesField(2, utf8(output)), bytesField(3, utf8(`markov_lens_${op}`)), bytesField(4, utf8(op)), attribute]);
}

/** The model with `PROBABILITIES_OUTPUT` = softmax(float32(logits)) over axis 2 ([batch, seq, V]). */
export function addProbabilityOutput(model: Uint8Array, logits: string): Uint8Array {
  const scan = scanModel(model);
  if (scan.outputs.includes(PROBABILITIES_OUTPUT)) return model;
  const cast = `${PROBABILITIES_OUTPUT}_logits_float32`;
  const appended = concat([
    bytesField(1, nodeProto('Cast', logits, cast, intAttribute('to', FLOAT))),
    // Axis 2 means the same under Softmax's opset < 13 (flatten from the axis) and ≥ 13 rules.
    bytesField(1, nodeProto('Softmax', cast, PROBABILITIES_OUTPUT, intAttribute('axis', 2))),
    bytesField(12, bytesField(1, utf8(PROBABILITIES_OUTPUT))),
  ]);
  const g = scan.graphField;
  return concat([model.subarray(0, g.lengthStart), encodeVarint(g.end - g.start + appended.length), model.subarray(g.start, g.end), appended, model.subarray(g.end)]);
}
