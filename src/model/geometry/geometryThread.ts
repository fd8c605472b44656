/**
 * A second thread for the geometry. After inference, ONNX Runtime's thread and the reduction thread
 * are idle, so the hidden-state PCA and part of the shift nulls run on this thread while the worker
 * builds the kernel, solves the operator and computes the per-token layers (the steps of
 * src/core/geometry/steps.ts). Each thread computes its own matrix products with ONNX Runtime's GEMM
 * (ortProducts.ts). Made with the geometry session, only when a core is free for it.
 */
import { availableParallelism } from 'node:os';
import type { AsyncProducts } from '../../core/geometry/products';
import type { PrototypeBatch, PrototypeRowsResult } from '../../core/geometry/prototypeRows';
import type { GeometryStep, GeometryTask, HiddenBasisTask, StepReply, Steps, TaskHandle, TaskResults } from '../../core/geometry/steps';
import type { GeometryThreadMethods } from '../../protocol/geometryThread';
import { startThread, type EngineThread } from '../threads/spawn';

type Result = TaskResults[keyof TaskResults] | PrototypeRowsResult;

export class GeometryThread {
  private nextId = 0;
  private readonly pending = new Map<number, Promise<Result>>();
  /** The head weight the thread already holds (sent once per model, 4·V·d bytes). */
  private sentWeight: Float32Array | undefined;
  /** Tasks handed to the thread so far (a claimed prestart counts once). */
  tasksStarted = 0;
  /** A task started ahead of its steps (prestart), until a run claims it. */
  private early: { task: HiddenBasisTask; handle: TaskHandle } | undefined;

  constructor(private readonly thread: EngineThread<GeometryThreadMethods>) {}

  /** False once the thread has died (e.g. out of memory): callers then compute inline. */
  get healthy(): boolean {
    return this.thread.channel.closed === undefined;
  }

  /**
   * Ends an analysis whose steps never ran on the thread (the operator was off, or too few tokens):
   * an unclaimed early PCA and the thread's kept results are dropped.
   */
  settle(): void {
    if (!this.early) return;
    this.early = undefined;
    this.pending.clear();
    this.thread.channel.notify('release', {});
  }

  /** Whether a core is free beside the inference thread; without one the steps run inline. */
  static create(): GeometryThread | null {
    if (availableParallelism() < 2) return null;
    try {
      return new GeometryThread(startThread<GeometryThreadMethods>('geometry', 'geometry thread'));
    } catch {
      return null;
    }
  }

  /** Starts building prototype rows for an analysis of `tokens` records (see addRows). */
  beginRows(weight: Float32Array, d: number, vocab: number, tokens: number): void {
    const send = weight !== this.sentWeight;
    this.sentWeight = weight;
    this.thread.channel.notify('prototypesBegin', { weight: send ? weight : undefined, d, vocab, tokens });
  }

  /** One scored batch; the thread folds it in while inference goes on. */
  addRows(batch: PrototypeBatch): void {
    this.thread.channel.notify('prototypesAdd', { batch });
  }

  /**
   * Starts summing the hidden states of an analysis of `tokens` records, d wide. `rows` lives in a
   * SharedArrayBuffer the caller fills row by row and never rewrites (see addHidden).
   */
  beginHidden(d: number, tokens: number, rows: Float32Array): void {
    if (!(rows.buffer instanceof SharedArrayBuffer)) throw new Error('beginHidden: the rows must be in shared memory');
    this.thread.channel.notify('hiddenBegin', { d, tokens, rows });
  }

  /** Rows firstIndex .. firstIndex + count are filled: the thread adds them to their Gram. */
  addHidden(firstIndex: number, count: number): void {
    this.thread.channel.notify('hiddenAdd', { firstIndex, count });
  }

  /** The rows of every batch added since beginRows (they arrive once the thread has caught up). */
  takeRows(): Promise<PrototypeRowsResult> {
    return this.thread.channel.request('prototypesTake', {});
  }

  /**
   * Starts a task before the steps that will ask for it exist (the PCA, as soon as inference ends):
   * the next run's first `start` of an identical task takes it over instead of starting it again.
   */
  prestart(task: HiddenBasisTask, streamed = false): void {
    // Streamed: the thread already holds the states (beginHidden/addHidden), so they are not sent again.
    const sent = streamed ? { ...task, hidden: { data: new Float32Array(0), d: task.hidden.d } } : task;
    this.early = { task, handle: this.start(sent, streamed) };
  }

  /**
   * Drives the steps: started tasks run on the thread (with its own ONNX Runtime products, the same
   * kind as `products`), everything else here, the products by `products`.
   */
  async run<R>(steps: Steps<R>, products: AsyncProducts): Promise<R> {
    try {
      let reply: StepReply | undefined;
      for (;;) {
        const step: IteratorResult<GeometryStep, R> = reply === undefined ? steps.next() : steps.next(reply);
        if (step.done) return step.value;
        const s = step.value;
        reply = 'start' in s ? this.claim(s.start) ?? this.start(s.start) : 'wait' in s ? await this.wait(s.wait) as StepReply : await products.gemm(s.gemm);
      }
    } finally {
      this.early = undefined;
      this.pending.clear();
      this.thread.channel.notify('release', {});
    }
  }

  private claim(task: GeometryTask): TaskHandle | undefined {
    const early = this.early;
    if (!early || task.kind !== 'hiddenBasis') return undefined;
    const a = early.task;
    const same = a.hidden.data === task.hidden.data && a.hidden.d === task.hidden.d && a.T === task.T && a.cap === task.cap && a.seed === task.seed;
    if (!same) return undefined;
    this.early = undefined;
    return early.handle;
  }

  private start(task: GeometryTask, streamedHidden = false): TaskHandle {
    const closed = this.thread.channel.closed;
    if (closed) throw closed;
    this.tasksStarted++;
    const taskId = this.nextId++;
    const result = this.thread.channel.request('task', { taskId, task, ...(streamedHidden ? { streamedHidden } : {}) });
    // A reply nobody waits for (the steps threw first) must not become an unhandled rejection.
    result.catch(() => undefined);
    this.pending.set(taskId, result);
    return { id: taskId };
  }

  private wait(handle: TaskHandle): Promise<Result> {
    const result = this.pending.get(handle.id);
    if (!result) throw new Error(`geometry thread: no task ${handle.id}`);
    return result;
  }

  async close(): Promise<void> {
    this.thread.channel.close();
    await this.thread.worker.terminate();
  }
}
