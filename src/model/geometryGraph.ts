/**
 * One more splice for geometry: the graph itself sums the probability rows each run counts, so the
 * exact mean distribution π̄ = (1/T)Σ_t p_t never copies a T×V probability array out of ONNX
 * Runtime nor adds it up in JavaScript. Appended to the GraphProto (nodes field 1, inputs 11,
 * outputs 12; nothing else is re-encoded):
 *
 *   P   = Softmax(Cast<float>(logits), axis 2)                       [batch, seq, V] float32
 *   sum = Cast<double>(MatMul(row_weight, P))                        [batch, 1, V]   float64
 *   pn  = GatherElements(P, after_next_ids, axis 2)                  [batch, seq, 1] float32
 *
 * `row_weight` [batch, 1, seq] (float32) is 1 for rows whose target this window scores and 0
 * elsewhere; `after_next_ids` [batch, seq, 1] (int64) names, per row, the token after the one it
 * predicts, so `pn` is p_t(x_{t+2}) for the look-ahead heuristic C1 (any id where there is none).
 * Precision: each run sums at most one chunk of rows (≤ 128) in float32, and the runs are added
 * in float64. A float64 MatMul would need a T×V Cast and cost most of the splice's time (measured
 * on the default model: ~1 ms of ~1.3 ms per 128-row run) for digits the float32 softmax rows do
 * not have: π̄ is exact up to float32 rounding of p and of the per-run sums (relative ~1e-7, at
 * worst rows·2⁻²⁴). fp16 graphs: the CPU provider runs a half-precision head in float32 and drops
 * the Cast pair this adds after it, so P is the softmax of the logits before their rounding to half
 * (the records' metrics use the rounded ones; they differ at half precision, ~1e-4 relative in p).
 * Opset ≥ 11 (GatherElements); the caller falls back to summing in JavaScript when ONNX Runtime
 * refuses the spliced graph.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { scanModel } from './onnx/scan';
import { encodeVarint } from './onnx/wire';

/** Inputs the spliced graph needs on every run (see `geometryFeeds` in geometrySession.ts). */
export const ROW_WEIGHT_INPUT = 'markov_lens_row_weight';
export const AFTER_NEXT_INPUT = 'markov_lens_after_next_ids';
/** Σ_rows row_weight · p (float64, [batch, 1, V]) and p(after-next id) per row (float32, [batch, seq, 1]). */
export const PROBABILITY_SUM_OUTPUT = 'markov_lens_probability_sum';
export const AFTER_NEXT_OUTPUT = 'markov_lens_after_next_probability';

const FLOAT = 1;
const INT64 = 7;
const DOUBLE = 11;
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

/** NodeProto: input 1, output 2, name 3, op_type 4, attribute 5. */
function nodeProto(op: string, inputs: string[], output: string, attributes: Uint8Array[] = []): Uint8Array {
  return bytesField(1, concat([...inputs.map(i => bytesField(1, utf8(i))), bytesField(2, utf8(output)), bytesField(3, utf8(`${output}_${op}`)), bytesField(4, utf8(op)), ...attributes]));
}

/** ValueInfoProto (name 1, type 2) of a tensor input: TypeProto.tensor_type 1 {elem_type 1, shape 2}. */
function tensorInput(name: string, elemType: number, dims: Array<string | number>): Uint8Array {
  // TensorShapeProto.dim 1 {dim_value 1 | dim_param 2}.
  const shape = concat(dims.map(d => bytesField(1, typeof d === 'number' ? varintField(1, d) : bytesField(2, utf8(d)))));
  const tensorType = concat([varintField(1, elemType), bytesField(2, shape)]);
  return bytesField(11, concat([bytesField(1, utf8(name)), bytesField(2, bytesField(1, tensorType))]));
}

const outputInfo = (name: string) => bytesField(12, bytesField(1, utf8(name)));

/** The model with the row-weighted probability sum and the after-next probabilities spliced in. */
export function addProbabilityOutputs(model: Uint8Array, logits: string): Uint8Array {
  const scan = scanModel(model);
  if (scan.outputs.includes(PROBABILITY_SUM_OUTPUT)) return model;
  const logits32 = 'markov_lens_logits_float32';
  const probabilities = 'markov_lens_probabilities';
  const sum32 = 'markov_lens_probability_sum_float32';
  const appended = concat([
    nodeProto('Cast', [logits], logits32, [intAttribute('to', FLOAT)]),
    // Axis 2 means the same under Softmax's opset < 13 (flatten from the axis) and ≥ 13 rules.
    nodeProto('Softmax', [logits32], probabilities, [intAttribute('axis', 2)]),
    nodeProto('MatMul', [ROW_WEIGHT_INPUT, probabilities], sum32),
    nodeProto('Cast', [sum32], PROBABILITY_SUM_OUTPUT, [intAttribute('to', DOUBLE)]),
    nodeProto('GatherElements', [probabilities, AFTER_NEXT_INPUT], AFTER_NEXT_OUTPUT, [intAttribute('axis', 2)]),
    tensorInput(ROW_WEIGHT_INPUT, FLOAT, ['markov_lens_batch', 1, 'markov_lens_rows']),
    tensorInput(AFTER_NEXT_INPUT, INT64, ['markov_lens_batch', 'markov_lens_rows', 1]),
    outputInfo(PROBABILITY_SUM_OUTPUT),
    outputInfo(AFTER_NEXT_OUTPUT),
  ]);
  const g = scan.graphField;
  return concat([model.subarray(0, g.lengthStart), encodeVarint(g.end - g.start + appended.length), model.subarray(g.start, g.end), appended, model.subarray(g.end)]);
}

/**
 * How HiddenCapture feeds the two inputs: the spliced session (geometrySession.ts) exposes this
 * function under `GEOMETRY_FEEDS`; it adds row weights (1 from row `firstCounted` on) and the
 * after-next ids to a run's feeds, reading the run's shape from its ids. Any wrapper that forwards
 * property reads to the session (a Proxy) passes it on; without it the capture sums in JavaScript.
 */
export const GEOMETRY_FEEDS = Symbol.for('markov-lens.geometryFeeds');
export type GeometryFeeder = (feeds: InferenceSession.FeedsType, firstCounted: number, afterNextId: (row: number) => number) => InferenceSession.FeedsType;
