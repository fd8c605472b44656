/**
 * The geometry's products (core/geometry/products.ts) by ONNX Runtime's GEMM: a one-node float64
 * Gemm graph per (transA, transB) (onnx/graph/gemmGraph.ts), opened on first use with the given
 * intra-op threads and run through the adapter (onnx/runtime.ts) on the thread that asks; ONNX
 * Runtime's run is synchronous native code behind a promise, so nothing crosses threads. Products
 * under `minWork` multiply-adds stay on the JavaScript kernel, where making two tensors costs more
 * than the arithmetic (bench/geometryKernels.ts measures the crossover).
 */
import { availableParallelism } from 'node:os';
import { jsProducts, productShape, type AsyncProducts, type GemmRequest } from '../../core/geometry/products';
import { gemmModel } from '../onnx/graph';
import { makeTensor, openSession, releaseSession, runSession, type InferenceSession } from '../onnx/runtime';

/** Below this many multiply-adds a product runs on the JavaScript kernel. */
export const MIN_WORK = 1 << 17;

/**
 * Intra-op threads of each thread's products sessions: the engine thread and the geometry thread
 * multiply at the same time (the PCA beside the kernel, the nulls on both), so each takes half the
 * cores (bench/geometryKernels.ts compares one and two threads per product).
 */
export function productThreads(): number {
  return Math.max(1, Math.floor(availableParallelism() / 2));
}

export class OrtProducts implements AsyncProducts {
  private readonly sessions = new Map<string, Promise<InferenceSession>>();
  /** Products ONNX Runtime computed so far (the rest ran on the JavaScript kernel). */
  handedOver = 0;

  constructor(readonly threads: number, private readonly minWork = MIN_WORK) {}

  gemm(request: GemmRequest): Float64Array | Promise<Float64Array> {
    const { a, transA, b, transB } = request;
    const { m, k, n } = productShape(a, transA, b, transB);
    if (m * n * k < this.minWork) return jsProducts.gemm(request);
    return this.run(request, m, n);
  }

  async close(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of sessions) await releaseSession(await s).catch(() => undefined);
  }

  private async run({ a, transA, b, transB }: GemmRequest, m: number, n: number): Promise<Float64Array> {
    const session = await this.session(transA, transB);
    const feeds = {
      A: makeTensor('float64', unshared(a.data.subarray(0, a.rows * a.cols)), [a.rows, a.cols]),
      B: makeTensor('float64', unshared(b.data.subarray(0, b.rows * b.cols)), [b.rows, b.cols]),
    };
    const c = (await runSession(session, feeds, ['C'])).C.data as Float64Array;
    if (c.length !== m * n) throw new Error(`Gemm gave ${c.length} values for ${m}×${n}`);
    this.handedOver++;
    return c;
  }

  private session(transA: boolean, transB: boolean): Promise<InferenceSession> {
    const key = `${transA ? 1 : 0}${transB ? 1 : 0}`;
    let session = this.sessions.get(key);
    if (!session) {
      // No memory arena: C is copied out to JavaScript at once, so an arena would only keep the
      // largest product's memory for the rest of the session.
      session = openSession(gemmModel(transA, transB), {
        executionProviders: ['cpu'], intraOpNumThreads: this.threads, interOpNumThreads: 1, executionMode: 'sequential', logSeverityLevel: 3,
        enableCpuMemArena: false,
        extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
      });
      this.sessions.set(key, session);
    }
    return session;
  }
}

/** ONNX Runtime refuses tensors over a SharedArrayBuffer (the hidden basis a geometry thread shares): those are copied. */
function unshared(x: Float64Array): Float64Array {
  return x.buffer instanceof SharedArrayBuffer ? x.slice() : x;
}
