/**
 * A second thread for the geometry. After inference, ONNX Runtime's thread and the reduction thread
 * are idle, so the hidden-state PCA and part of the shift nulls run on this thread while the worker
 * builds the kernel, solves the operator and computes the per-token layers (the steps of
 * src/core/geometry/steps.ts). Made with the geometry session, only when a core is free for it.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { GeometryStep, StepReply, Steps, TaskHandle, TaskResults } from '../core/geometry/steps';
import type { GeometryReleaseRequest, GeometryTaskReply, GeometryTaskRequest } from '../protocol/worker';
import { WORKER_RESOURCE_LIMITS } from './workerLimits';

type Result = TaskResults[keyof TaskResults];

export class GeometryThread {
  private nextId = 0;
  private readonly pending = new Map<number, { promise: Promise<Result>; settle?: { resolve(r: Result): void; reject(e: Error): void } }>();
  private failure: Error | undefined;

  constructor(private readonly worker: Worker) {
    worker.on('message', (m: GeometryTaskReply) => {
      const p = this.pending.get(m.id);
      if (m.type === 'geometry/done') p?.settle?.resolve(m.result);
      else p?.settle?.reject(new Error(m.message));
    });
    const fail = (e: Error): void => {
      this.failure = e;
      for (const p of this.pending.values()) p.settle?.reject(e);
    };
    worker.on('error', fail);
    worker.on('exit', () => fail(new Error('the geometry thread exited')));
  }

  /** Whether a core is free beside the inference thread; without one the steps run inline. */
  static create(): GeometryThread | null {
    if (availableParallelism() < 2) return null;
    try {
      return new GeometryThread(new Worker(join(__dirname, 'worker.js'), { workerData: { role: 'geometry' }, resourceLimits: WORKER_RESOURCE_LIMITS }));
    } catch {
      return null;
    }
  }

  /** Drives the steps: started tasks run on the thread, everything else here. */
  async run<R>(steps: Steps<R>): Promise<R> {
    try {
      let reply: StepReply | undefined;
      for (;;) {
        const step: IteratorResult<GeometryStep, R> = reply === undefined ? steps.next() : steps.next(reply);
        if (step.done) return step.value;
        reply = 'start' in step.value ? this.start(step.value.start) : await this.wait(step.value.wait);
      }
    } finally {
      this.pending.clear();
      this.worker.postMessage({ type: 'geometry/release' } satisfies GeometryReleaseRequest);
    }
  }

  private start(task: GeometryTaskRequest['task']): TaskHandle {
    if (this.failure) throw this.failure;
    const id = this.nextId++;
    const entry: { promise: Promise<Result>; settle?: { resolve(r: Result): void; reject(e: Error): void } } = { promise: Promise.resolve(null as unknown as Result) };
    entry.promise = new Promise<Result>((resolve, reject) => { entry.settle = { resolve, reject }; });
    // A task nobody waits for (the steps threw first) must not become an unhandled rejection.
    entry.promise.catch(() => undefined);
    this.pending.set(id, entry);
    this.worker.postMessage({ type: 'geometry/task', id, task } satisfies GeometryTaskRequest);
    return { id };
  }

  private wait(handle: TaskHandle): Promise<Result> {
    const entry = this.pending.get(handle.id);
    if (!entry) throw new Error(`geometry thread: no task ${handle.id}`);
    return entry.promise;
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}
