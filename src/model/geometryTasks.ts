/**
 * The geometry thread's loop: runs the tasks the inference worker hands over (the hidden-state PCA,
 * part of the shift nulls; src/core/geometry/steps.ts) and keeps each basis it makes for the
 * shiftScores tasks that refer to it, until the worker releases them at the end of the analysis.
 */
import type { MessagePort } from 'node:worker_threads';
import type { HiddenBasis } from '../core/geometry/hiddenBasis';
import { runTask } from '../core/geometry/steps';
import type { GeometryReleaseRequest, GeometryTaskReply, GeometryTaskRequest } from '../protocol/worker';

export function serveGeometryTasks(port: MessagePort): void {
  const bases = new Map<number, HiddenBasis>();
  port.on('message', (m: GeometryTaskRequest | GeometryReleaseRequest) => {
    if (m.type === 'geometry/release') {
      bases.clear();
      return;
    }
    let reply: GeometryTaskReply;
    try {
      const result = runTask(m.task, handle => {
        const basis = bases.get(handle.id);
        if (!basis) throw new Error(`geometry thread: no hidden basis ${handle.id}`);
        return basis;
      });
      if (m.task.kind === 'hiddenBasis') bases.set(m.id, result as HiddenBasis);
      reply = { type: 'geometry/done', id: m.id, result };
    } catch (e) {
      reply = { type: 'geometry/failed', id: m.id, message: e instanceof Error ? e.message : String(e) };
    }
    // The basis is copied (not transferred): this thread keeps it for the nulls.
    port.postMessage(reply);
  });
}
