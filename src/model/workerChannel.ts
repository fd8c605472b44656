/**
 * The host's end of the worker protocol: numbers requests, routes every message carrying a
 * request's id to that request's handler, and fails all open requests if the worker dies.
 */
import type { Worker } from 'node:worker_threads';
import { InputError } from '../core/errors';
import type { HostToWorker, RequestFailedReply, WorkerToHost } from '../protocol/worker';

type Listener = (message: WorkerToHost) => void;

export class WorkerChannel {
  private nextId = 1;
  private readonly listeners = new Map<number, Listener>();
  private exitError: Error | undefined;

  constructor(readonly worker: Worker) {
    worker.on('message', (m: WorkerToHost) => this.listeners.get(m.id)?.(m));
    const failAll = (error: Error): void => {
      this.exitError ??= error;
      for (const [id, listener] of this.listeners) {
        listener({ type: 'request/failed', id, error: { kind: 'internal', message: error.message, stack: error.stack } });
      }
    };
    worker.on('error', failAll);
    worker.on('exit', code => failAll(new Error(`the inference worker exited (code ${code})`)));
  }

  get closed(): boolean {
    return this.exitError !== undefined;
  }

  newId(): number {
    return this.nextId++;
  }

  /** Fire-and-forget (cancel). */
  post(message: HostToWorker): void {
    if (!this.exitError) this.worker.postMessage(message);
  }

  /**
   * Sends a request; `onMessage` sees each message for its id and calls `settle` with the result.
   * A `request/failed` reply rejects with an InputError (user input) or an Error (internal).
   */
  request<T>(message: HostToWorker, onMessage: (m: WorkerToHost, settle: (value: T) => void) => void): Promise<T> {
    if (this.exitError) return Promise.reject(this.exitError);
    return new Promise<T>((resolve, reject) => {
      const id = message.id;
      this.listeners.set(id, m => {
        if (m.type === 'request/failed') {
          this.listeners.delete(id);
          reject(errorFromReply(m));
          return;
        }
        onMessage(m, value => {
          this.listeners.delete(id);
          resolve(value);
        });
      });
      this.worker.postMessage(message);
    });
  }
}

function errorFromReply(m: RequestFailedReply): Error {
  if (m.error.kind === 'input') return new InputError(m.error.message, m.error.code, m.error.subject);
  const e = new Error(m.error.message);
  if (m.error.stack) e.stack = m.error.stack;
  return e;
}
