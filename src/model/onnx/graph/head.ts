/**
 * Finds the LM head in a scanned top-level graph (onnx-signatures.md §5b): walks back from the
 * logits output through post-processing (Cast, Identity, Reshape, Where, Mul/Div by a scalar, Add
 * of a bias, Tanh soft-capping) to the first MatMul/Gemm-like node whose other input is a weight,
 * and reports the head's data input (the hidden state) and how the weight is stored. Anything that
 * makes logits ≠ W h + b is listed in `issues`, so geometry views can be switched off.
 */
import { ModelScan, NodeInfo, TensorInfo } from './scan';

const LINEAR_OPS = new Set(['MatMul', 'Gemm', 'FusedMatMul']);
const QUANTIZED_OPS = new Set(['MatMulNBits', 'MatMulBnb4', 'MatMulInteger', 'MatMulIntegerToFloat', 'DynamicQuantizeMatMul', 'QLinearMatMul']);
const PASS_THROUGH = new Set(['Cast', 'Identity', 'Reshape', 'Where', 'Mul', 'Div', 'Add', 'Tanh', 'Squeeze', 'Unsqueeze', 'Slice']);

export type HeadIssueKind = 'softcap' | 'scaled' | 'masked' | 'computed-tail' | 'quantized' | 'merged-decoder' | 'not-found' | 'unsupported-weight';

export interface HeadIssue {
  kind: HeadIssueKind;
  message: string;
}

export interface HeadWeightRef {
  /** The initializer holding W. */
  initializer: string;
  /** 'vocab-major' = stored V×d (embedding layout, Gemm transB=1, or behind a Transpose); 'hidden-major' = d×V. */
  layout: 'vocab-major' | 'hidden-major';
  /** The initializer is also the input embedding (used by a Gather). */
  tied: boolean;
  /** Reached through a Transpose node (Optimum's tied-weight dedup). */
  viaTranspose: boolean;
  vocab: number;
  hidden: number;
  dataType: number;
}

export interface HeadInfo {
  logits: string;
  /** Name of the head's data input: the hidden state to expose as a graph output. */
  hidden: string | null;
  node: { name: string; opType: string } | null;
  weight: HeadWeightRef | null;
  /** The bias initializer (Add after the MatMul, or Gemm's C), if any. */
  bias: string | null;
  /** Ops walked through from the head to the logits, head side first. */
  tail: string[];
  /** True when logits = W h + b exactly (up to dtype casts). */
  linear: boolean;
  issues: HeadIssue[];
}

export function findHead(scan: ModelScan, logits = 'logits'): HeadInfo {
  const producer = new Map<string, NodeInfo>();
  for (const n of scan.nodes) for (const o of n.outputs) producer.set(o, n);
  const constants = new Set<string>(scan.initializers.keys());
  for (const n of scan.nodes) if (n.opType === 'Constant') n.outputs.forEach(o => constants.add(o));
  const info: HeadInfo = { logits, hidden: null, node: null, weight: null, bias: null, tail: [], linear: false, issues: [] };
  const top = producer.get(logits);
  if (top?.opType === 'If') {
    info.issues.push({ kind: 'merged-decoder', message: `'${logits}' comes out of an If node (merged decoder); its head lives in subgraphs, use model.onnx/decoder_model.onnx or the least-squares fallback` });
    return info;
  }
  const found = walk(logits, producer, constants, scan, info, new Set());
  if (!found) {
    if (!info.issues.length) info.issues.push({ kind: 'not-found', message: `no MatMul/Gemm head with a weight initializer feeds '${logits}'` });
    return info;
  }
  info.tail.reverse();
  info.linear = info.issues.length === 0 && info.weight !== null;
  return info;
}

/** Depth-first walk towards the head; Where explores both data inputs. */
function walk(name: string, producer: Map<string, NodeInfo>, constants: Set<string>, scan: ModelScan, info: HeadInfo, seen: Set<string>): boolean {
  const node = producer.get(name);
  if (!node || seen.has(name) || seen.size > 64) return false;
  seen.add(name);
  if (LINEAR_OPS.has(node.opType) || QUANTIZED_OPS.has(node.opType)) return takeHead(node, producer, constants, scan, info);
  if (!PASS_THROUGH.has(node.opType)) return false;
  const data = dataInputs(node, constants);
  const mark = info.issues.length;
  const tailMark = info.tail.length;
  info.tail.push(node.opType);
  noteTailOp(node, data, constants, scan, info);
  for (const input of data) {
    if (walk(input, producer, constants, scan, info, seen)) return true;
  }
  info.issues.length = mark;
  info.tail.length = tailMark;
  return false;
}

function dataInputs(node: NodeInfo, constants: Set<string>): string[] {
  const candidates = node.opType === 'Where' ? node.inputs.slice(1) : node.opType === 'Reshape' || node.opType === 'Slice' || node.opType === 'Squeeze' || node.opType === 'Unsqueeze' ? node.inputs.slice(0, 1) : node.inputs;
  return candidates.filter(x => x !== '' && !constants.has(x));
}

function noteTailOp(node: NodeInfo, data: string[], constants: Set<string>, scan: ModelScan, info: HeadInfo): void {
  const others = node.inputs.filter(x => x !== '' && constants.has(x));
  switch (node.opType) {
    case 'Tanh':
      info.issues.push({ kind: 'softcap', message: `logits are soft-capped (Tanh in ${node.name || 'the head tail'}); W h + b is not the logits` });
      break;
    case 'Mul':
    case 'Div':
      if (data.length === 1) info.issues.push({ kind: 'scaled', message: `logits are scaled (${node.opType} by a constant in ${node.name || 'the head tail'})` });
      break;
    case 'Where':
      info.issues.push({ kind: 'masked', message: `logits pass through Where (${node.name || 'a mask'}); masked entries are not W h + b` });
      break;
    case 'Add':
      if (data.length === 1 && others.length === 1 && scan.initializers.has(others[0]) && !info.bias) info.bias = others[0];
      else if (data.length !== 1) info.issues.push({ kind: 'computed-tail', message: `logits add two computed tensors (${node.name}); they are not W h + b` });
      break;
  }
}

function takeHead(node: NodeInfo, producer: Map<string, NodeInfo>, constants: Set<string>, scan: ModelScan, info: HeadInfo): boolean {
  const quantized = QUANTIZED_OPS.has(node.opType);
  const ref = quantized ? null : weightRef(node, producer, scan);
  if (!quantized && !ref) {
    // A MatMul of two computed tensors (attention, say) is not the head; a constant-like weight
    // we cannot read still is.
    const other = node.inputs[1] ?? '';
    const source = producer.get(other)?.opType;
    if (!constants.has(other) && source !== 'Transpose' && source !== 'DequantizeLinear' && source !== 'Cast') return false;
    info.issues.push({ kind: 'unsupported-weight', message: `the head's weight (${other}) is not a plain or transposed 2-D initializer` });
  }
  let hidden = node.inputs[0];
  // Dynamic int8: input A is DynamicQuantizeLinear(x) output 0; the float hidden state is x.
  const quantizer = producer.get(hidden);
  if (quantizer?.opType === 'DynamicQuantizeLinear') hidden = quantizer.inputs[0];
  info.hidden = hidden;
  info.node = { name: node.name, opType: node.opType };
  if (quantized) {
    info.issues.push({ kind: 'quantized', message: `the head is quantized (${node.opType}); logits are only approximately W h + b` });
    return true;
  }
  info.weight = ref;
  const attr = (name: string) => node.attributes.find(a => a.name === name);
  if (node.opType === 'Gemm' && node.inputs[2] && scan.initializers.has(node.inputs[2])) info.bias = node.inputs[2];
  if (node.opType === 'Gemm' || node.opType === 'FusedMatMul') {
    const alpha = attr('alpha')?.f ?? 1;
    if (alpha !== 1) info.issues.push({ kind: 'scaled', message: `${node.opType} alpha = ${alpha} scales the logits` });
    if ((attr('transA')?.i ?? 0) !== 0) info.issues.push({ kind: 'unsupported-weight', message: `${node.opType} transA = 1 is not supported for the head` });
  }
  return true;
}

function weightRef(node: NodeInfo, producer: Map<string, NodeInfo>, scan: ModelScan): HeadWeightRef | null {
  const name = node.inputs[1] ?? '';
  let tensor: TensorInfo | undefined = scan.initializers.get(name);
  let transposed = false;
  let current = name;
  // Follow at most a Cast and a Transpose(perm = [1, 0]) back to the initializer.
  for (let step = 0; !tensor && step < 2; step++) {
    const t = producer.get(current);
    if (t?.opType === 'Transpose') {
      const perm = t.attributes.find(a => a.name === 'perm')?.ints ?? [1, 0];
      if (perm.length !== 2 || perm[0] !== 1 || perm[1] !== 0) return null;
      transposed = !transposed;
    } else if (t?.opType !== 'Cast') {
      return null;
    }
    current = t.inputs[0];
    tensor = scan.initializers.get(current);
  }
  if (!tensor) return null;
  const viaTranspose = transposed;
  if (tensor.dims.length !== 2) return null;
  // MatMul(h, B): B is d×V, or V×d behind a Transpose. Gemm(h, B, transB): V×d when transB = 1.
  let vocabMajor = transposed;
  const transB = node.opType === 'Gemm' ? node.attributes.find(a => a.name === 'transB')?.i ?? 0 : 0;
  const fusedTransB = node.opType === 'FusedMatMul' ? node.attributes.find(a => a.name === 'transB')?.i ?? 0 : 0;
  if (transB === 1 || fusedTransB === 1) vocabMajor = !vocabMajor;
  const [rows, cols] = tensor.dims;
  const tied = scan.nodes.some(n => n.opType === 'Gather' && n.inputs[0] === tensor!.name);
  return {
    initializer: tensor.name,
    layout: vocabMajor ? 'vocab-major' : 'hidden-major',
    tied, viaTranspose,
    vocab: vocabMajor ? rows : cols,
    hidden: vocabMajor ? cols : rows,
    dataType: tensor.dataType,
  };
}
