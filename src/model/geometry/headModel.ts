/**
 * What the geometry needs of the model beyond its runs, made on the first geometry request: the LM
 * head found at load (load/graph.ts, whose input the session already outputs), W and b read once
 * from the initializers, whether they reproduce the logits (checked on the first analysed rows,
 * `headVerdict`), the thread the geometry's PCA and part of its nulls run on, and the engine
 * thread's ONNX Runtime products (ortProducts.ts).
 */
import { checkLinearHead, type HeadCheckResult } from '../../core/geometry';
import type { LoadedModel } from '../load/loader';
import { externalReaderFor, fileRanges, readHeadWeights, type HeadInfo, type HeadWeights } from '../onnx/graph';
import { GeometryThread } from './geometryThread';
import { OrtProducts, productThreads } from './ortProducts';

export interface HeadModel {
  /** The graph output carrying the head's input, or null when it could not be exposed. */
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
  /** The geometry's matrix products on the engine thread (its sessions open on first use). */
  products: OrtProducts;
}

export function openHeadModel(model: LoadedModel): HeadModel {
  const { graph } = model;
  const head: HeadInfo = graph.head ?? {
    logits: model.signature.logitsName, hidden: null, node: null, weight: null, bias: null, tail: [], linear: false,
    issues: [{ kind: 'not-found', message: graph.hiddenUnavailable ?? 'the graph could not be read' }],
  };
  let weights: HeadWeights | null = null;
  let weightsError: string | null = null;
  if (head.weight) {
    try {
      // Only W's bytes are read, by the byte ranges the load's scan found (not the whole graph file),
      // straight into shared memory, so the geometry thread reads W without a second copy (4·V·d bytes).
      if (!graph.scan) throw new Error('the graph could not be scanned');
      weights = readHeadWeights(fileRanges(model.files.onnxPath), graph.scan, head, externalReaderFor(model.files.onnxPath), sharedFloat32);
    } catch (e) {
      weightsError = e instanceof Error ? e.message : String(e);
    }
  }
  const hiddenOutput = graph.hiddenOutput;
  const thread = hiddenOutput ? GeometryThread.create() : null;
  return { hiddenOutput, head, weights, weightsError, check: null, thread, products: new OrtProducts(productThreads()) };
}

/** Head check on captured rows (W h + b vs the logits), computed once per model. */
export function headVerdict(geo: HeadModel, hidden: Float32Array, logits: Float32Array, rows: number): HeadCheckResult | null {
  if (geo.check || !geo.weights || rows === 0) return geo.check;
  const { weight, bias, vocab, hidden: d } = geo.weights;
  geo.check = checkLinearHead({ hidden, logits, rows, d, vocab, weight, bias: bias ?? undefined });
  return geo.check;
}

export async function closeHeadModel(geo: HeadModel | undefined): Promise<void> {
  await geo?.thread?.close().catch(() => undefined);
  await geo?.products.close();
}

function sharedFloat32(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(length * 4));
}
