/**
 * Assembles each window's metrics from its chunks as their reductions finish (on the reduction
 * thread, out of order with the runs): the per-token reduction and a comparison's joint reduction
 * both keep their windows here. `windowMetrics(i)` resolves once every chunk of window i is in.
 */
import type { WindowMetrics } from '../../core/records';
import { emptyChunkMetrics } from '../../core/reduceChunk';
import type { WindowRun } from './observers';

/** What an analysis reduces its runs with: an observer that hands out each window's metrics. */
export interface WindowReduction<T extends WindowMetrics = WindowMetrics> {
  observe(run: WindowRun): Promise<void>;
  /** Window `index`'s metrics, once every chunk of it is reduced. */
  windowMetrics(index: number): Promise<T>;
  /** An abandoned analysis: late failures must not go unhandled. */
  abandon(): void;
}

/** Zeroed window metrics for the targets this run's window scores from `run.firstTarget` on. */
export function emptyWindowMetrics(run: WindowRun, k: number): WindowMetrics {
  const { firstTarget } = run;
  const count = run.window.lastTarget - firstTarget + 1;
  const out: WindowMetrics = { firstTarget, count, context: new Int32Array(count), ...emptyChunkMetrics(count, k) };
  for (let r = 0; r < count; r++) out.context[r] = firstTarget + r - run.window.start;
  return out;
}

export class WindowAssembly<T extends WindowMetrics> {
  private readonly windows = new Map<number, { out: T; parts: Array<Promise<void>> }>();

  constructor(private readonly allocate: (run: WindowRun) => T) {}

  /** The window a run belongs to (allocated on its first run). */
  windowFor(run: WindowRun): { out: T; parts: Array<Promise<void>> } {
    let window = this.windows.get(run.windowIndex);
    if (!window) {
      window = { out: this.allocate(run), parts: [] };
      this.windows.set(run.windowIndex, window);
    }
    return window;
  }

  async windowMetrics(index: number): Promise<T> {
    const window = this.windows.get(index);
    if (!window) throw new Error(`no runs were observed for window ${index}`);
    this.windows.delete(index);
    await Promise.all(window.parts);
    return window.out;
  }

  abandon(): void {
    for (const w of this.windows.values()) for (const p of w.parts) p.catch(() => undefined);
    this.windows.clear();
  }
}
