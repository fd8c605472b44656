/**
 * The layer lens's decoder: the model's own final norm and LM head, cut out of its graph
 * (onnx/graph/decoder.ts) and opened as a small companion session with the model's session options,
 * on the first lens request. It takes the residual stream of every layer in one batch,
 * [L + 1, rows, hidden], and returns their logits [L + 1, rows, V] and the head's inputs.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LayerLensOff } from '../../core/lens/types';
import type { LoadedModel } from '../load/loader';
import { buildDecoderModel, scanModel } from '../onnx/graph';
import { openSession, releaseSession, type InferenceSession } from '../onnx/runtime';
import { sessionOptions } from '../onnx/session';

export interface LayerDecoder {
  session: InferenceSession;
  /** Residual-stream tensors of the model's session for layers 0..L (fetched by the lens's runs). */
  layers: string[];
  /** The decoder's input, logits and head-input names. */
  input: string;
  logits: string;
  hidden: string;
  streamType: 'float32' | 'float16';
}

export async function openLayerDecoder(model: LoadedModel): Promise<LayerDecoder | LayerLensOff> {
  const { lens } = model.graph;
  if (!lens) return { off: true, reason: `the layer lens is off for this model: ${model.graph.lensUnavailable ?? 'the residual stream was not found'}` };
  let session: InferenceSession;
  try {
    const bytes = readFileSync(model.files.onnxPath);
    const decoder = buildDecoderModel(bytes, scanModel(bytes), lens.plan, lens.streamType === 'float16' ? 10 : 1);
    const base = sessionOptions(model.options);
    const extra = base.extra as { session?: Record<string, unknown> } | undefined;
    session = await openSession(decoder, {
      ...base,
      extra: { ...extra, session: { ...extra?.session, model_external_initializers_file_folder_path: dirname(model.files.onnxPath) } },
    });
  } catch (e) {
    return { off: true, reason: `the layer lens is off: ONNX Runtime refused the model's final norm and head as a graph of their own (${(e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 300)})` };
  }
  const { plan } = lens;
  return { session, layers: lens.stream.layers, input: plan.input, logits: plan.logits, hidden: plan.hidden, streamType: lens.streamType };
}

export async function closeLayerDecoder(decoder: LayerDecoder | LayerLensOff | undefined): Promise<void> {
  if (decoder && !('off' in decoder)) await releaseSession(decoder.session).catch(() => undefined);
}
