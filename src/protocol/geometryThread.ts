/**
 * The boundary between the engine and its geometry thread (src/model/geometry/geometryThread.ts).
 * During inference: the prototype rows of each scored batch and the hidden states (in shared memory
 * the engine fills and never rewrites), as notifications; after it, tasks of the geometry steps
 * (src/core/geometry/steps.ts). The thread keeps each hidden basis it makes under the task's id, for
 * later shiftScores tasks, until released.
 */
import type { PrototypeBatch, PrototypeRowsResult } from '../core/geometry/prototypeRows';
import type { GeometryTask, TaskResults } from '../core/geometry/steps';

type Notification<P> = { params: P; result: void };

export interface GeometryThreadMethods {
  [method: string]: { params: unknown; result: unknown; event?: unknown };
  /** Runs one task; `taskId` names a basis it makes for later tasks. */
  task: { params: { taskId: number; task: GeometryTask; streamedHidden?: boolean }; result: TaskResults[keyof TaskResults] };
  /** The prototype rows of every batch added since prototypesBegin. */
  prototypesTake: { params: Record<string, never>; result: PrototypeRowsResult };
  /** Starts building prototype rows; the head weight (V×d) is sent once per model and kept. */
  prototypesBegin: Notification<{ weight?: Float32Array; d: number; vocab: number; tokens: number }>;
  prototypesAdd: Notification<{ batch: PrototypeBatch }>;
  /** Starts summing the Gram of hidden states tokens×d that arrive in `rows` (shared memory). */
  hiddenBegin: Notification<{ d: number; tokens: number; rows: Float32Array }>;
  /** Rows firstIndex .. firstIndex + count are filled. */
  hiddenAdd: Notification<{ firstIndex: number; count: number }>;
  /** Drops the kept bases and prototype rows (the analysis is over). */
  release: Notification<Record<string, never>>;
}
