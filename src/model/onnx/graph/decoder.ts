/**
 * The model's own final norm and LM head as a model of their own (issue 17): every node between the
 * final norm's input r_L and the logits, with the initializers and Constants they read, cut out of
 * the graph by byte surgery into a small ModelProto whose one input is r_L. Nodes and initializers
 * are copied byte for byte (external-data references included, so the session resolves them next to
 * the original file), and every other top-level field of the model (IR version, opsets, functions)
 * is kept, so the decoder computes exactly what the model computes after r_L. Feeding it any
 * layer's residual stream decodes that layer (the logit lens); feeding r_L gives the logits.
 */
import { bytesField, concatBytes, stringField, valueInfo } from './encode';
import { GraphIndex } from './graphIndex';
import { scanTensor, type ModelScan } from './scan';
import { fields, WIRE_BYTES } from './wire';

export interface DecoderPlan {
  /** The residual stream's tensor the decoder reads (r_L in the model). */
  input: string;
  logits: string;
  /** The LM head's input (the normed state), also an output of the decoder. */
  hidden: string;
  /** Indices into the graph's node list, in graph order. */
  nodes: number[];
  initializers: string[];
}

export type DecoderPlanResult = { ok: true; plan: DecoderPlan } | { ok: false; reason: string };

/** Collects what the logits need above `input`; refuses when they read anything else the model computes or is fed. */
export function planDecoder(scan: ModelScan, input: string, logits: string, hidden: string): DecoderPlanResult {
  const g = new GraphIndex(scan);
  const nodes = new Set<number>();
  const initializers = new Set<string>();
  const seen = new Set<string>([logits]);
  const stack = [logits];
  while (stack.length) {
    const tensor = stack.pop()!;
    if (tensor === input) continue;
    if (scan.initializers.has(tensor)) { initializers.add(tensor); continue; }
    const node = g.producer.get(tensor);
    if (!node) return { ok: false, reason: `the final norm and LM head read ${g.describe(tensor)} besides the residual stream` };
    if (node.attributes.some(a => a.hasGraph)) return { ok: false, reason: `the final norm and LM head contain a ${node.opType} node with a subgraph (${node.name})` };
    nodes.add(g.position.get(node)!);
    for (const i of node.inputs) if (i && !seen.has(i)) { seen.add(i); stack.push(i); }
  }
  if (!seen.has(input)) return { ok: false, reason: `the logits do not depend on '${input}'` };
  if (!seen.has(hidden)) return { ok: false, reason: `the logits do not depend on the head's input '${hidden}'` };
  return { ok: true, plan: { input, logits, hidden, nodes: [...nodes].sort((a, b) => a - b), initializers: [...initializers] } };
}

/** ONNX TensorProto.DataType of the decoder's input: 1 float32, 10 float16. */
export type DecoderInputType = 1 | 10;

/**
 * The decoder as ModelProto bytes: `model`'s top-level fields except its graph, then a graph of the
 * plan's nodes and initializers with input `plan.input` [batch, rows, hidden] and outputs the logits
 * and the head's input.
 */
export function buildDecoderModel(model: Uint8Array, scan: ModelScan, plan: DecoderPlan, inputType: DecoderInputType): Uint8Array {
  const keepNodes = new Set(plan.nodes);
  const keepInitializers = new Set(plan.initializers);
  const nodes: Uint8Array[] = [];
  const initializers: Uint8Array[] = [];
  let nodeIndex = 0;
  for (const f of fields(model, scan.graphField.start, scan.graphField.end)) {
    if (f.wire !== WIRE_BYTES) continue;
    if (f.number === 1) {
      if (keepNodes.has(nodeIndex)) nodes.push(model.subarray(f.tagStart, f.end));
      nodeIndex++;
    } else if (f.number === 5 && keepInitializers.has(scanTensor(model, f).name)) {
      initializers.push(model.subarray(f.tagStart, f.end));
    }
  }
  const graph = concatBytes([
    ...nodes,
    stringField(2, 'markov-lens layer decoder'),
    ...initializers,
    bytesField(11, valueInfo(plan.input, { elemType: inputType, dims: ['lens_batch', 'lens_rows', 'lens_hidden'] })),
    bytesField(12, valueInfo(plan.logits)),
    ...(plan.hidden !== plan.logits ? [bytesField(12, valueInfo(plan.hidden))] : []),
  ]);
  const top: Uint8Array[] = [];
  for (const f of fields(model, 0, model.length)) if (f.number !== 7) top.push(model.subarray(f.tagStart, f.end));
  return concatBytes([...top, bytesField(7, graph)]);
}
