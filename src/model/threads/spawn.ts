/**
 * Starts one of the engine's worker threads (the reduction thread, the geometry thread): the engine
 * script in that role, with small young generations (limits.ts), and the channel to it.
 */
import { Worker } from 'node:worker_threads';
import { Channel, type MethodMap } from '../../protocol/channel';
import { ENGINE_SCRIPT } from '../enginePath';
import { portTransport } from '../ipc/transports';
import { WORKER_RESOURCE_LIMITS } from './limits';

export type ThreadRole = 'reducer' | 'geometry';

export interface EngineThread<Remote extends MethodMap> {
  worker: Worker;
  channel: Channel<Record<string, never>, Remote>;
}

export function startThread<Remote extends MethodMap>(role: ThreadRole, name: string): EngineThread<Remote> {
  const worker = new Worker(ENGINE_SCRIPT, { workerData: { role }, resourceLimits: WORKER_RESOURCE_LIMITS });
  return { worker, channel: new Channel<Record<string, never>, Remote>(portTransport(worker, name), name) };
}
