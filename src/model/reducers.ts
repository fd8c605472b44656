/**
 * Where logits rows get reduced. ONNX Runtime's run() blocks the inference thread, so reducing
 * inline adds its whole cost to every chunk; a second thread reduces chunk i while ORT computes
 * chunk i + 1, hiding it on any machine with a core to spare. At most two chunks are in flight, so
 * memory stays O(C x V). The rows are copied (not the ORT buffer transferred) before posting.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { RowReducer } from '../core/reduce';
import { reduceChunk, type ChunkMetrics } from '../core/reduceChunk';
import type { ReduceChunkReply, ReduceChunkRequest } from '../protocol/worker';

export interface ChunkReducer {
  /**
   * Reduces rows x width logits (rows = targets.length) keeping top-k. Resolves once the chunk is
   * accepted (backpressure); `result` resolves with its metrics. The logits may be reused after.
   */
  submit(logits: Float32Array, width: number, targets: Int32Array, k: number): Promise<{ result: Promise<ChunkMetrics> }>;
  close(): Promise<void>;
}

export class InlineReducer implements ChunkReducer {
  private reducer: RowReducer | undefined;
  async submit(logits: Float32Array, width: number, targets: Int32Array, k: number): Promise<{ result: Promise<ChunkMetrics> }> {
    if (this.reducer?.k !== k) this.reducer = new RowReducer(k);
    return { result: Promise.resolve(reduceChunk(this.reducer, logits, width, targets)) };
  }
  async close(): Promise<void> {}
}

const MAX_IN_FLIGHT = 2;

export class ThreadReducer implements ChunkReducer {
  private seq = 0;
  private readonly pending = new Map<number, { resolve(m: ChunkMetrics): void; reject(e: Error): void; done: Promise<unknown> }>();
  private failure: Error | undefined;

  constructor(private readonly worker: Worker) {
    worker.on('message', (m: ReduceChunkReply) => {
      const p = this.pending.get(m.seq);
      this.pending.delete(m.seq);
      p?.resolve(m.metrics);
    });
    const fail = (e: Error): void => {
      this.failure = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', () => fail(new Error('the reduction thread exited')));
  }

  async submit(logits: Float32Array, width: number, targets: Int32Array, k: number): Promise<{ result: Promise<ChunkMetrics> }> {
    while (this.pending.size >= MAX_IN_FLIGHT) await Promise.race([...this.pending.values()].map(p => p.done));
    if (this.failure) throw this.failure;
    const seq = this.seq++;
    const rows = logits.slice(0, targets.length * width); // a copy we may transfer
    let resolve!: (m: ChunkMetrics) => void;
    let reject!: (e: Error) => void;
    const result = new Promise<ChunkMetrics>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.pending.set(seq, { resolve, reject, done: result.catch(() => undefined) });
    const request: ReduceChunkRequest = { type: 'reduce/chunk', seq, logits: rows, width, targets, k };
    this.worker.postMessage(request, [rows.buffer as ArrayBuffer]);
    return { result };
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

/**
 * A reduction thread when a core is free beside ORT's intra-op threads (heuristic: more cores than
 * intra-op threads), else inline. The thread runs worker.js in its 'reducer' role.
 */
export function createChunkReducer(intraOpThreads: number): ChunkReducer {
  if (availableParallelism() <= intraOpThreads) return new InlineReducer();
  try {
    return new ThreadReducer(new Worker(join(__dirname, 'worker.js'), { workerData: { role: 'reducer' } }));
  } catch {
    return new InlineReducer();
  }
}
