/**
 * The hidden-state-exposed session for geometry, made on the first geometry request: the model's
 * bytes with the LM head's input spliced out as an extra output (src/model/onnx), loaded with the
 * external initializers resolved next to the original file. W and b are read once; whether they reproduce the logits is checked on
 * the first analysed rows (`headVerdict`).
 */
import { readFileSync } from 'node:fs';
import { InferenceSession } from 'onnxruntime-node';
import { checkLinearHead, type HeadCheckResult } from '../core/geometry';
import type { LoadOptions } from './api';
import type { LoadedModel } from './loader';
import { GeometryThread } from './geometryThread';
import { exposeHiddenState, externalReaderFor, headWeightsOf, type HeadInfo, type HeadWeights } from './onnx';
import { classifyLoadError, sessionOptions } from './session';

export interface GeometrySession {
  /** The session with the hidden state exposed, or null when it could not be exposed. */
  session: InferenceSession | null;
  hiddenOutput: string | null;
  head: HeadInfo;
  /** W (V×d) and b, or null when the head's weight is not readable (e.g. quantized). */
  weights: HeadWeights | null;
  /** Why W could not be read, if it could not. */
  weightsError: string | null;
  /** Set by the first head check, then reused. */
  check: HeadCheckResult | null;
  /** The second thread the geometry's PCA and part of its nulls run on (null: all inline). */
  thread: GeometryThread | null;
}

export async function openGeometrySession(model: LoadedModel, options: LoadOptions): Promise<GeometrySession> {
  const { onnxPath, dir } = model.files;
  const original = readFileSync(onnxPath);
  const exposed = exposeHiddenState(original, model.signature.logitsName);
  let weights: HeadWeights | null = null;
  let weightsError: string | null = null;
  try {
    weights = headWeightsOf(exposed, original, externalReaderFor(onnxPath));
    // In shared memory, so the geometry thread reads W without a second copy (4·V·d bytes).
    if (weights) weights = { ...weights, weight: shared(weights.weight) };
  } catch (e) {
    weightsError = e instanceof Error ? e.message : String(e);
  }
  if (!exposed.hiddenOutput) return { session: null, hiddenOutput: null, head: exposed.head, weights, weightsError, check: null, thread: null };
  const base = sessionOptions(options);
  const extra = base.extra as { session?: Record<string, unknown> } | undefined;
  const create = (bytes: Uint8Array) => InferenceSession.create(bytes, {
    ...base,
    extra: { ...extra, session: { ...extra?.session, model_external_initializers_file_folder_path: dir } },
  });
  let session: InferenceSession;
  try {
    session = await create(exposed.model);
  } catch (e) {
    throw classifyLoadError(onnxPath, e);
  }
  return { session, hiddenOutput: exposed.hiddenOutput, head: exposed.head, weights, weightsError, check: null, thread: GeometryThread.create() };
}

/** Head check on captured rows (W h + b vs the logits), computed once per model. */
export function headVerdict(geo: GeometrySession, hidden: Float32Array, logits: Float32Array, rows: number): HeadCheckResult | null {
  if (geo.check || !geo.weights || rows === 0) return geo.check;
  const { weight, bias, vocab, hidden: d } = geo.weights;
  geo.check = checkLinearHead({ hidden, logits, rows, d, vocab, weight, bias: bias ?? undefined });
  return geo.check;
}

export async function closeGeometrySession(geo: GeometrySession | undefined): Promise<void> {
  await geo?.session?.release().catch(() => undefined);
  await geo?.thread?.close().catch(() => undefined);
}

function shared(values: Float32Array): Float32Array {
  const copy = new Float32Array(new SharedArrayBuffer(values.byteLength));
  copy.set(values);
  return copy;
}
