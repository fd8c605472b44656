/**
 * The model's one session, with the tensors that observers read exposed as extra graph outputs
 * before it is created: today the LM head's input (the hidden state the geometry needs). The graph
 * bytes are spliced (onnx/graph/splice.ts) and the session opened from them, with external data
 * resolved next to the original file; the bytes are dropped once the session exists. Runs that do
 * not need an extra output do not fetch it, so plain analysis copies nothing more out.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { addGraphOutputs, findHead, graphQuantization, scanModel, type GraphQuantization, type HeadInfo } from '../onnx/graph';
import { openSession, type InferenceSession } from '../onnx/runtime';
import { classifyLoadError, createSession, refuseLfsPointer, sessionOptions } from '../onnx/session';
import type { ModelSignature, SessionShape } from '../onnx/signature';
import type { LoadOptions } from '../api';

export class ModelGraph {
  constructor(
    /** The LM head found in the graph, or null when the graph could not be scanned. */
    readonly head: HeadInfo | null,
    /** The graph output carrying the head's input, or null (then `hiddenUnavailable` says why). */
    readonly hiddenOutput: string | null,
    readonly hiddenUnavailable: string | null,
    /** The graph's quantized arithmetic (null when the graph could not be scanned). */
    readonly quantization: GraphQuantization | null = null,
  ) {}

  /** Outputs added to the graph (none of them is the model's own). */
  get extraOutputs(): string[] {
    return this.hiddenOutput ? [this.hiddenOutput] : [];
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
    return new ModelGraph(null, null, `the LM head was looked for behind '${this.head.logits}', but the logits are '${signature.logitsName}'`, this.quantization);
  }
}

export async function openModelGraph(onnxPath: string, options: LoadOptions): Promise<{ session: InferenceSession; graph: ModelGraph }> {
  refuseLfsPointer(onnxPath);
  let bytes: Uint8Array | undefined = readFileSync(onnxPath);
  let head: HeadInfo | null = null;
  let why: string | null = null;
  let quantization: GraphQuantization | null = null;
  try {
    const scan = scanModel(bytes);
    quantization = graphQuantization(scan);
    const logits = scan.outputs.includes('logits') ? 'logits' : scan.outputs.find(o => !o.startsWith('present')) ?? 'logits';
    head = findHead(scan, logits);
    if (!head.hidden) why = head.issues[0]?.message ?? 'no LM head found in the graph';
  } catch (e) {
    why = `the graph could not be read to find the LM head (${firstLine(e)})`;
  }
  let spliced: Uint8Array | undefined;
  if (head?.hidden) {
    try {
      spliced = addGraphOutputs(bytes, [head.hidden]);
    } catch (e) {
      why = `'${head.hidden}' could not be exposed (${firstLine(e)})`;
    }
  }
  if (head?.hidden && spliced) {
    bytes = undefined; // only the spliced copy is needed now
    const base = sessionOptions(options);
    const extra = base.extra as { session?: Record<string, unknown> } | undefined;
    try {
      const session = await openSession(spliced, {
        ...base,
        extra: { ...extra, session: { ...extra?.session, model_external_initializers_file_folder_path: dirname(onnxPath) } },
      });
      return { session, graph: new ModelGraph(head, head.hidden, null, quantization) };
    } catch (e) {
      // A graph ONNX Runtime cannot load at all fails the same way below, with the usual message.
      why = `ONNX Runtime refused the graph with '${head.hidden}' exposed (${firstLine(classifyLoadError(onnxPath, e))})`;
    }
  }
  bytes = undefined;
  return { session: await createSession(onnxPath, options), graph: new ModelGraph(head, null, why, quantization) };
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 300);
}
