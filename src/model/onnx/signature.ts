/**
 * Detects how to feed a causal LM from the session's own metadata (input/output names, dtypes and
 * shapes), never from the model family (onnx-signatures.md sections 1, 2 and 9).
 */
import { InputError } from '../../core/errors';

/** The slice of onnxruntime's session metadata this module reads (structural, so tests can build it). */
export interface ValueInfo {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

export interface SessionShape {
  inputNames: readonly string[];
  outputNames: readonly string[];
  inputMetadata: readonly ValueInfo[];
  outputMetadata: readonly ValueInfo[];
}

/** One cache input and the output that feeds it on the next step. */
export interface PastSlot {
  pastName: string;
  presentName: string;
  type: string;
  /** Dims of the empty first-step tensor (sequence axis 0). */
  emptyDims: number[];
  /** Axis holding the sequence length in past and present. */
  seqAxis: number;
}

export interface ModelSignature {
  idsName: string;
  idsType: 'int64' | 'int32';
  mask?: { name: string; type: string };
  positions?: { name: string; type: string };
  tokenTypes?: { name: string; type: string };
  cacheBranchName?: string;
  keepName?: string;
  /** Empty when the graph has no cache inputs: windows then run in one pass each. */
  past: PastSlot[];
  logitsName: string;
  logitsType: 'float32' | 'float16';
  /** The logits width when the graph states it numerically; otherwise learnt from the first run. */
  logitsWidth?: number;
}

/** Numbers the empty-past rule needs when a dim is symbolic. */
export interface CacheHints {
  kvHeads?: number;
  headDim?: number;
}

const PAST_PATTERN = /^past_key_values\.(\d+)\.(key|value|key_value)$/;

export function detectSignature(session: SessionShape, file: string, hints: CacheHints): ModelSignature {
  const inputs = new Map(session.inputMetadata.map(m => [m.name, m]));
  const outputs = new Map(session.outputMetadata.map(m => [m.name, m]));
  const all = [...session.inputMetadata, ...session.outputMetadata];
  const bf16 = all.find(m => m.type === 'bfloat16');
  if (bf16) {
    throw new InputError(`${file}: bfloat16 graphs are not supported by ONNX Runtime for Node ("${bf16.name}" is bfloat16); use an fp32 or fp16 export`, 'model-unsupported-dtype', file);
  }
  if (inputs.has('inputs_embeds') && !inputs.has('input_ids')) {
    throw new InputError(`${file}: takes inputs_embeds (a split multimodal decoder), not input_ids; only plain text causal LMs are supported`, 'model-not-causal-lm', file);
  }
  const ids = inputs.get('input_ids') ?? session.inputMetadata.find(m => isIntType(m.type) && m.shape?.length === 2);
  if (!ids) throw new InputError(`${file}: is not a causal language model (no input_ids input)`, 'model-not-causal-lm', file);
  const logits = outputs.get('logits') ?? (session.outputMetadata.length === 1 ? session.outputMetadata[0] : undefined);
  if (!logits || (logits.shape && logits.shape.length > 0 && logits.shape.length !== 3)) {
    throw new InputError(`${file}: is not a causal language model (no logits output of shape [batch, sequence, vocab])`, 'model-not-causal-lm', file);
  }
  if (logits.type !== 'float32' && logits.type !== 'float16') {
    throw new InputError(`${file}: logits of type ${logits.type ?? 'unknown'} are not supported (float32 or float16 only)`, 'model-unsupported-dtype', file);
  }

  const signature: ModelSignature = {
    idsName: ids.name,
    idsType: ids.type === 'int32' ? 'int32' : 'int64',
    past: [],
    logitsName: logits.name,
    logitsType: logits.type,
  };
  const width = logits.shape?.[2];
  if (typeof width === 'number' && width > 0) signature.logitsWidth = width;

  const known = new Set<string>([ids.name]);
  const optional = (name: string): { name: string; type: string } | undefined => {
    const m = inputs.get(name);
    if (!m) return undefined;
    known.add(name);
    return { name, type: m.type ?? 'int64' };
  };
  signature.mask = optional('attention_mask');
  signature.positions = optional('position_ids');
  signature.tokenTypes = optional('token_type_ids');
  signature.cacheBranchName = optional('use_cache_branch')?.name;
  signature.keepName = (optional('num_logits_to_keep') ?? optional('logits_to_keep'))?.name;

  for (const m of session.inputMetadata) {
    if (!PAST_PATTERN.test(m.name)) continue;
    const presentName = m.name.replace('past_key_values', 'present');
    if (!outputs.has(presentName)) {
      throw new InputError(`${file}: cache input ${m.name} has no matching output ${presentName}`, 'model-not-causal-lm', file);
    }
    known.add(m.name);
    signature.past.push(pastSlot(m, presentName, hints));
  }
  const unknown = session.inputMetadata.filter(m => !known.has(m.name));
  if (unknown.length > 0) {
    throw new InputError(`${file}: has inputs this engine cannot feed: ${unknown.map(m => m.name).join(', ')}`, 'model-not-causal-lm', file);
  }
  return signature;
}

function isIntType(type: string | undefined): boolean {
  return type === 'int64' || type === 'int32';
}

/** Empty-past dims by the rules of onnx-signatures.md section 2. */
function pastSlot(meta: ValueInfo, presentName: string, hints: CacheHints): PastSlot {
  const shape = meta.shape ?? [];
  const rank = shape.length;
  // Layout fallback when no dim name says "sequence": 4-D standard -> axis 2; 3-D old layouts -> axis 1,
  // except an old bloom key [batch*heads, head_dim, past] -> axis 2.
  const isKey = meta.name.endsWith('.key');
  let seqAxis = shape.findIndex(d => typeof d === 'string' && /past|sequence|seq/i.test(d));
  if (seqAxis < 0) seqAxis = rank === 4 ? 2 : rank === 3 && isKey && typeof shape[1] === 'number' ? 2 : 1;
  const emptyDims = shape.map((d, axis) => {
    if (axis === seqAxis) return 0;
    if (typeof d === 'number' && d >= 0) return d;
    const name = String(d).toLowerCase();
    if (/heads/.test(name) && /batch/.test(name)) return hints.kvHeads ?? 1;
    if (/batch/.test(name) || axis === 0) return 1;
    if (/head/.test(name) && !/dim|size/.test(name)) return hints.kvHeads ?? 1;
    // Any other symbolic dim (genai kv_cache_dim) is the head size: 0 would break GQA kernels.
    return hints.headDim ?? 0;
  });
  return { pastName: meta.name, presentName, type: meta.type ?? 'float32', emptyDims, seqAxis };
}
