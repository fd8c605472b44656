/**
 * The hidden-state-exposed session for geometry, made on the first geometry request: the model's
 * bytes with the LM head's input spliced out as an extra output (src/model/onnx) and the in-graph
 * probability sum spliced in (geometryGraph.ts), loaded with the external initializers resolved
 * next to the original file. W and b are read once; whether they reproduce the logits is checked on
 * the first analysed rows (`headVerdict`).
 */
import { readFileSync } from 'node:fs';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { checkLinearHead, type HeadCheckResult } from '../core/geometry';
import type { LoadOptions } from './api';
import type { LoadedModel } from './loader';
import { GeometryThread } from './geometryThread';
import { addProbabilityOutputs, AFTER_NEXT_INPUT, GEOMETRY_FEEDS, PROBABILITY_SUM_OUTPUT, ROW_WEIGHT_INPUT, type GeometryFeeder } from './geometryGraph';
import { exposeHiddenState, externalReaderFor, headWeightsOf, type HeadInfo, type HeadWeights } from './onnx';
import { classifyLoadError, sessionOptions } from './session';

export interface GeometrySession {
  /** The spliced session, or null when the hidden state could not be exposed. */
  session: InferenceSession | null;
  hiddenOutput: string | null;
  /**
   * The graph's row-weighted probability sum (geometryGraph.ts), for π̄; null when ONNX Runtime
   * refused that splice (π̄ is then summed in JavaScript from the logits, exactly but slower).
   */
  probabilitiesOutput: string | null;
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
  if (!exposed.hiddenOutput) return { session: null, hiddenOutput: null, probabilitiesOutput: null, head: exposed.head, weights, weightsError, check: null, thread: null };
  const base = sessionOptions(options);
  const extra = base.extra as { session?: Record<string, unknown> } | undefined;
  const create = (bytes: Uint8Array) => InferenceSession.create(bytes, {
    ...base,
    extra: { ...extra, session: { ...extra?.session, model_external_initializers_file_folder_path: dir } },
  });
  let session: InferenceSession;
  let probabilitiesOutput: string | null = PROBABILITY_SUM_OUTPUT;
  try {
    session = withGeometryInputs(await create(addProbabilityOutputs(exposed.model, model.signature.logitsName)), model.signature.idsName);
  } catch {
    // e.g. an opset below 11 (no GatherElements): the hidden state alone, π̄ summed in JavaScript.
    probabilitiesOutput = null;
    try {
      session = await create(exposed.model);
    } catch (e) {
      throw classifyLoadError(onnxPath, e);
    }
  }
  return { session, hiddenOutput: exposed.hiddenOutput, probabilitiesOutput, head: exposed.head, weights, weightsError, check: null, thread: GeometryThread.create() };
}

/**
 * The spliced session as every caller may use it: a run without the geometry inputs (a decode step
 * of another part of the worker) gets row weights 0 and after-next ids 0, so only HiddenCapture
 * needs to know about them; it feeds them through the `GEOMETRY_FEEDS` function this proxy
 * exposes. The two inputs are hidden from `inputNames`/`inputMetadata` (nothing else feeds them).
 */
export function withGeometryInputs(session: InferenceSession, idsName: string): InferenceSession {
  const feeder: GeometryFeeder = (feeds, firstCounted, afterNextId) => {
    const ids = feeds[idsName] as Tensor | undefined;
    if (!ids || ids.dims.length !== 2) throw new Error(`geometry feeds: no [batch, sequence] '${idsName}' in this run`);
    const batch = Number(ids.dims[0]);
    const n = Number(ids.dims[1]);
    const weight = new Float32Array(batch * n);
    const after = new BigInt64Array(batch * n);
    for (let b = 0; b < batch; b++) for (let r = 0; r < n; r++) {
      weight[b * n + r] = r >= firstCounted ? 1 : 0;
      after[b * n + r] = BigInt(afterNextId(r));
    }
    return { ...feeds, [ROW_WEIGHT_INPUT]: new Tensor('float32', weight, [batch, 1, n]), [AFTER_NEXT_INPUT]: new Tensor('int64', after, [batch, n, 1]) };
  };
  const run = (feeds: InferenceSession.FeedsType, ...rest: unknown[]) =>
    (session.run as (...args: unknown[]) => Promise<InferenceSession.ReturnType>)(ROW_WEIGHT_INPUT in feeds ? feeds : feeder(feeds, Infinity, () => 0), ...rest);
  const ours = (name: string) => name === ROW_WEIGHT_INPUT || name === AFTER_NEXT_INPUT;
  const inputNames = session.inputNames.filter(name => !ours(name));
  const inputMetadata = session.inputMetadata.filter(m => !ours(m.name));
  return new Proxy(session, {
    get: (target, key) => {
      if (key === 'run') return run;
      if (key === GEOMETRY_FEEDS) return feeder;
      if (key === 'inputNames') return inputNames;
      if (key === 'inputMetadata') return inputMetadata;
      return Reflect.get(target, key);
    },
  });
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
