/**
 * The geometry as a sequence of steps that can hand its two heaviest independent parts to a second
 * thread, and its matrix products to whoever drives it. `geometrySteps` (computeGeometry.ts) is a
 * generator: it yields `start` with a task that needs nothing but its own arguments, carries on with
 * other work, and later yields `wait` for the task's result; in between it yields each large matrix
 * product (`gemm`, products.ts). `runSteps` drives it synchronously (every task runs inline when it
 * is started, products on the JavaScript kernel), so `computeGeometry` stays one pure function; the
 * engine drives the same generator asynchronously with ONNX Runtime's GEMM for the products and runs
 * the tasks on a geometry thread (src/model/geometry/geometryThread.ts) or inline (runStepsAsync).
 * Every task is a deterministic function of its arguments, with its own seed, and every product of
 * one run is computed by the same kind of products, so where a task runs changes no number.
 */
import { hiddenBasis, HiddenBasis } from './hiddenBasis';
import type { HiddenGramResult } from './hiddenGram';
import { claimedShiftScores, NullScores } from './nulls';
import { jsProducts, runLinalg, runLinalgAsync, type AsyncProducts, type Linalg, type ProductStep, type Products } from './products';
import { seededRandom } from './random';
import type { Eigenpairs } from './spectrum';

/** The hidden-state PCA of the dimension guard (hiddenBasis.ts). */
export interface HiddenBasisTask {
  kind: 'hiddenBasis';
  hidden: { data: Float32Array | Float64Array; d: number };
  T: number;
  cap: number;
  seed: number;
}

/**
 * Circular-shift null scores (nulls.ts) on the basis an earlier task made: of the listed shifts,
 * those the task claims from `counter`, which the starter shares and claims from too.
 */
export interface ShiftScoresTask {
  kind: 'shiftScores';
  /** The handle of the hiddenBasis task whose result to use (it stays where it was computed). */
  basis: TaskHandle;
  eig: Pick<Eigenpairs, 'values' | 'vectors' | 'count'>;
  shifts: number[];
  /** One Int32 in shared memory: the next unclaimed index into `shifts`. */
  counter: Int32Array;
}

export type GeometryTask = HiddenBasisTask | ShiftScoresTask;

export interface TaskResults {
  hiddenBasis: HiddenBasis;
  shiftScores: Array<[number, NullScores]>;
}

/** Opaque: which started task a `wait` refers to. */
export interface TaskHandle { id: number }

export type GeometryStep = { start: GeometryTask } | { wait: TaskHandle } | ProductStep;

/** What a driver sends back into the generator: a handle after `start`, the result after `wait`, C after `gemm`. */
export type StepReply = TaskHandle | TaskResults[keyof TaskResults] | Float64Array;

export type Steps<R> = Generator<GeometryStep, R, StepReply>;

/**
 * Runs one task; `resolveBasis` gives the HiddenBasis a shiftScores task refers to, `gram` the
 * hidden states' Gram when the thread built it while they arrived (the same numbers as without).
 */
export function runTask(task: GeometryTask, resolveBasis: (handle: TaskHandle) => HiddenBasis, gram?: HiddenGramResult): Linalg<TaskResults[keyof TaskResults]> {
  if (task.kind === 'hiddenBasis') return hiddenBasis(task.hidden, task.T, task.cap, seededRandom(task.seed), gram);
  return claimedShiftScores(task.eig, resolveBasis(task.basis), task.shifts, task.counter);
}

/**
 * The steps with every task run inline when it is started: what is left to drive are the products.
 * `runSteps` and `runStepsAsync` drive it with synchronous or awaited products.
 */
export function* inlineTasks<R>(steps: Steps<R>): Linalg<R> {
  const results = new Map<number, TaskResults[keyof TaskResults]>();
  const basisOf = (h: TaskHandle) => results.get(h.id) as HiddenBasis;
  let reply: StepReply | undefined;
  for (;;) {
    const step = reply === undefined ? steps.next() : steps.next(reply);
    if (step.done) return step.value;
    if ('start' in step.value) {
      const handle = { id: results.size };
      results.set(handle.id, yield* runTask(step.value.start, basisOf));
      reply = handle;
    } else if ('wait' in step.value) {
      reply = results.get(step.value.wait.id)!;
    } else {
      reply = (yield step.value) as Float64Array;
    }
  }
}

/** Drives the steps on this thread: each task runs when it is started, every product by `products`. */
export function runSteps<R>(steps: Steps<R>, products: Products = jsProducts): R {
  return runLinalg(inlineTasks(steps), products);
}

/** runSteps with products that may answer asynchronously (ONNX Runtime's). */
export function runStepsAsync<R>(steps: Steps<R>, products: AsyncProducts): Promise<R> {
  return runLinalgAsync(inlineTasks(steps), products);
}

/** A seed for one task derived from the run's seed, so a task's randomness does not depend on where it runs. */
export function taskSeed(seed: number, salt: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca6b)) >>> 0;
}
