/** The reduction thread's side: reduce each chunk it is sent and send the metrics back, moved. */
import type { MessagePort } from 'node:worker_threads';
import { jointArrays, reduceJointChunk, type JointChunkMetrics } from '../../core/compare/jointChunk';
import { layerChunkReducer, type LayerChunkReducer } from '../../core/lens/layerReducer';
import { RowReducer } from '../../core/reduce';
import { reduceChunk, type ChunkMetrics } from '../../core/reduceChunk';
import { Channel, withTransfer } from '../../protocol/channel';
import type { ReducerThreadMethods } from '../../protocol/reducerThread';
import { portTransport } from '../ipc/transports';

/** The buffers of a chunk's metrics, to move them back instead of copying. */
function buffersOf(metrics: ChunkMetrics): ArrayBuffer[] {
  const arrays = [metrics.nll, metrics.entropy, metrics.varentropy, metrics.rank, metrics.logZ, metrics.topIds, metrics.topProbs, metrics.probabilitySum, metrics.afterNextLogProb];
  return arrays.filter(a => a !== undefined).map(a => a.buffer as ArrayBuffer);
}

export function serveReductions(port: MessagePort): void {
  let reducer: RowReducer | undefined;
  /** A comparison's second reducer (the other model's rows). */
  let otherReducer: RowReducer | undefined;
  let lensReducer: LayerChunkReducer | undefined;
  const slots: Float32Array[] = [];
  new Channel<ReducerThreadMethods, Record<string, never>>(portTransport(port, 'engine'), 'reduction thread')
    .handle('reduce', m => {
      if (m.shared) slots[m.slot] = m.shared;
      if (!reducer || reducer.k !== m.k) reducer = new RowReducer(m.k);
      const metrics = reduceChunk(reducer, m.moved ?? slots[m.slot], m.width, m.targets, m.afterNext);
      return withTransfer(metrics, buffersOf(metrics));
    })
    .handle('reduceJoint', m => {
      if (m.shared) slots[m.slot] = m.shared;
      if (!reducer || reducer.k !== m.k) reducer = new RowReducer(m.k);
      if (!otherReducer || otherReducer.k !== m.k) otherReducer = new RowReducer(m.k);
      const rows = m.targets.length;
      const slot = slots[m.slot];
      const split = rows * m.widthBase;
      const metrics: JointChunkMetrics = reduceJointChunk(reducer, otherReducer, slot.subarray(0, split), m.widthBase,
        slot.subarray(split, split + rows * m.widthOther), m.widthOther, m.targets);
      return withTransfer(metrics, [...buffersOf(metrics.base), ...buffersOf(metrics.other), ...jointArrays(metrics.joint).map(a => a.buffer as ArrayBuffer)]);
    })
    .handle('reduceLayers', m => {
      if (!lensReducer || lensReducer.k !== m.k) lensReducer = layerChunkReducer(m.k);
      const metrics = lensReducer.reduce(m.logits, m.layers, m.width, m.targets);
      const arrays = [metrics.nll, metrics.entropy, metrics.klToFinal, metrics.rank, metrics.topIds, metrics.topProbs];
      return withTransfer(metrics, arrays.map(a => a.buffer as ArrayBuffer));
    });
}
