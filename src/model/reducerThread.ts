/** The reduction thread's loop: reduce each chunk it is sent and send the metrics back. */
import type { MessagePort } from 'node:worker_threads';
import { RowReducer } from '../core/reduce';
import { reduceChunk } from '../core/reduceChunk';
import type { ReduceChunkReply, ReduceChunkRequest } from '../protocol/worker';

export function serveReductions(port: MessagePort): void {
  let reducer: RowReducer | undefined;
  const slots: Float32Array[] = [];
  port.on('message', (m: ReduceChunkRequest) => {
    if (m.shared) slots[m.slot] = m.shared;
    if (!reducer || reducer.k !== m.k) reducer = new RowReducer(m.k);
    const metrics = reduceChunk(reducer, slots[m.slot], m.width, m.targets, m.afterNext);
    const reply: ReduceChunkReply = { type: 'reduce/done', seq: m.seq, metrics };
    const arrays = [metrics.nll, metrics.entropy, metrics.varentropy, metrics.rank, metrics.logZ, metrics.topIds, metrics.topProbs, metrics.probabilitySum, metrics.afterNextLogProb];
    const buffers = arrays.filter(a => a !== undefined).map(a => a.buffer as ArrayBuffer);
    port.postMessage(reply, buffers);
  });
}
