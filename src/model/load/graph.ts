/**
 * The model's one session, with the tensors that observers read exposed as extra graph outputs
 * before it is created: the LM head's input (the hidden state the geometry needs) and the residual
 * stream after the embedding and after every block (the layer lens, issue 17). The graph bytes are
 * spliced (onnx/graph/splice.ts) and the session opened from them, with external data resolved next
 * to the original file; the bytes are dropped once the session exists. Runs that do not need an
 * extra output do not fetch it, so plain analysis copies nothing more out.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { addGraphOutputs, findHead, findResidualStream, graphQuantization, planDecoder, scanModel, type DecoderPlan, type GraphQuantization, type HeadInfo, type ModelScan, type ResidualStream } from '../onnx/graph';
import { openSession, type InferenceSession } from '../onnx/runtime';
import { classifyLoadError, createSession, refuseLfsPointer, sessionOptions } from '../onnx/session';
import type { ModelSignature, SessionShape } from '../onnx/signature';
import type { LoadOptions } from '../api';

/** What the layer lens found in the graph: the stream's tensors and how to decode them. */
export interface LensGraph {
  stream: ResidualStream;
  /** The final norm, LM head and what follows it up to the logits (onnx/graph/decoder.ts). */
  plan: DecoderPlan;
  /** Element type of the residual stream, from the session's metadata. */
  streamType: 'float32' | 'float16';
}

export class ModelGraph {
  constructor(
    /** The LM head found in the graph, or null when the graph could not be scanned. */
    readonly head: HeadInfo | null,
    /** The graph output carrying the head's input, or null (then `hiddenUnavailable` says why). */
    readonly hiddenOutput: string | null,
    readonly hiddenUnavailable: string | null,
    /** The residual stream exposed for the layer lens, or null (then `lensUnavailable` says why). */
    readonly lens: LensGraph | null = null,
    readonly lensUnavailable: string | null = 'the layer lens was not looked for',
    /** The graph's quantized arithmetic (null when the graph could not be scanned). */
    readonly quantization: GraphQuantization | null = null,
    /** The graph's structure and byte ranges (null when it could not be scanned): W is read from them. */
    readonly scan: ModelScan | null = null,
  ) {}

  /** Outputs added to the graph (none of them is the model's own). */
  get extraOutputs(): string[] {
    return [...(this.hiddenOutput ? [this.hiddenOutput] : []), ...(this.lens ? this.lens.stream.layers : [])];
  }

  /** The session's metadata as the model itself declares it (signature detection must not see extras). */
  withoutExtraOutputs(session: SessionShape): SessionShape {
    const extra = new Set(this.extraOutputs);
    return {
      inputNames: session.inputNames,
      inputMetadata: session.inputMetadata,
      outputNames: session.outputNames.filter(n => !extra.has(n)),
      outputMetadata: session.outputMetadata.filter(m => !extra.has(m.name)),
    };
  }

  /** A head found behind another output than the logits the signature uses exposes nothing useful. */
  checkedAgainst(signature: ModelSignature): ModelGraph {
    if (!this.head || this.head.logits === signature.logitsName) return this;
    const why = `the LM head was looked for behind '${this.head.logits}', but the logits are '${signature.logitsName}'`;
    return new ModelGraph(null, null, why, null, why, this.quantization, this.scan);
  }
}

/** What the scan found before any session exists. */
interface Found {
  head: HeadInfo | null;
  why: string | null;
  lens: { stream: ResidualStream; plan: DecoderPlan } | null;
  lensWhy: string | null;
  quantization: GraphQuantization | null;
  scan: ModelScan | null;
}

/** `layers`: the block count from config.json, which the residual walk checks its Adds against. */
export async function openModelGraph(onnxPath: string, options: LoadOptions, layers?: number): Promise<{ session: InferenceSession; graph: ModelGraph }> {
  refuseLfsPointer(onnxPath);
  let bytes: Uint8Array | undefined = readFileSync(onnxPath);
  const found = scanGraph(bytes, layers);
  const { head } = found;
  let { why, lensWhy } = found;
  // Most outputs first; when ONNX Runtime refuses a splice, fewer (the lens, then the hidden state, go).
  const attempts: Array<{ hidden: boolean; lens: boolean }> = [];
  if (head?.hidden && found.lens) attempts.push({ hidden: true, lens: true });
  if (head?.hidden) attempts.push({ hidden: true, lens: false });
  for (const [i, attempt] of attempts.entries()) {
    let spliced: Uint8Array;
    const names = [head!.hidden!, ...(attempt.lens ? found.lens!.stream.layers : [])];
    try {
      spliced = addGraphOutputs(bytes!, names);
    } catch (e) {
      const message = `'${names.join("', '")}' could not be exposed (${firstLine(e)})`;
      if (attempt.lens) lensWhy = message;
      else why = message;
      continue;
    }
    if (i === attempts.length - 1) bytes = undefined; // only the spliced copy is needed now
    const base = sessionOptions(options);
    const extra = base.extra as { session?: Record<string, unknown> } | undefined;
    try {
      const session = await openSession(spliced, {
        ...base,
        extra: { ...extra, session: { ...extra?.session, model_external_initializers_file_folder_path: dirname(onnxPath) } },
      });
      bytes = undefined;
      const lens = attempt.lens ? lensOf(session, found.lens!) : null;
      return { session, graph: new ModelGraph(head, head!.hidden, null, typeof lens === 'string' ? null : lens, typeof lens === 'string' ? lens : lensWhy, found.quantization, found.scan) };
    } catch (e) {
      // A graph ONNX Runtime cannot load at all fails the same way below, with the usual message.
      const message = `ONNX Runtime refused the graph with '${names.join("', '")}' exposed (${firstLine(classifyLoadError(onnxPath, e))})`;
      if (attempt.lens) lensWhy = message;
      else why = message;
    }
  }
  bytes = undefined;
  return { session: await createSession(onnxPath, options), graph: new ModelGraph(head, null, why, null, lensWhy ?? why, found.quantization, found.scan) };
}

function scanGraph(bytes: Uint8Array, layers: number | undefined): Found {
  let scan: ModelScan;
  let head: HeadInfo;
  let quantization: GraphQuantization | null = null;
  try {
    scan = scanModel(bytes);
    quantization = graphQuantization(scan);
    const logits = scan.outputs.includes('logits') ? 'logits' : scan.outputs.find(o => !o.startsWith('present')) ?? 'logits';
    head = findHead(scan, logits);
  } catch (e) {
    const why = `the graph could not be read to find the LM head (${firstLine(e)})`;
    return { head: null, why, lens: null, lensWhy: why, quantization, scan: null };
  }
  if (!head.hidden) {
    const why = head.issues[0]?.message ?? 'no LM head found in the graph';
    return { head, why, lens: null, lensWhy: why, quantization, scan };
  }
  const blocks = layers ?? (scan.inputs.filter(n => /^past_key_values\.\d+\.key$/.test(n)).length || undefined);
  const stream = findResidualStream(scan, head, blocks);
  if (!stream.ok) return { head, why: null, lens: null, lensWhy: stream.reason, quantization, scan };
  const plan = planDecoder(scan, stream.stream.finalNormInput, head.logits, head.hidden);
  if (!plan.ok) return { head, why: null, lens: null, lensWhy: plan.reason, quantization, scan };
  return { head, why: null, lens: { stream: stream.stream, plan: plan.plan }, lensWhy: null, quantization, scan };
}

/** The lens with its stream's element type, or why the stream's type rules it out. */
function lensOf(session: InferenceSession, found: { stream: ResidualStream; plan: DecoderPlan }): LensGraph | string {
  const types = new Set(found.stream.layers.map(name => session.outputMetadata.find(m => m.name === name)).map(m => (m && m.isTensor ? m.type : 'unknown')));
  const [type] = [...types];
  if (types.size !== 1 || (type !== 'float32' && type !== 'float16')) return `the residual stream's tensors are ${[...types].join(', ')}; the lens decodes float32 or float16 streams`;
  return { ...found, streamType: type };
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 300);
}
