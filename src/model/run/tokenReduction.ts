/**
 * The per-token reduction, as a run observer: each run's scored logits rows go to the reducer (a
 * second thread when a core is free) while the next run computes, and each window's metrics are
 * assembled from its chunks. With `extras` (geometry) every chunk also returns Σ p of its rows and
 * log p of the token after each target, from the same sums as the metrics.
 */
import { placeChunk, type ChunkMetrics } from '../../core/reduceChunk';
import type { WindowMetrics } from '../../core/records';
import { firstScoredRow, type RunObserver, type WindowRun } from './observers';
import type { ChunkReducer } from './reducers';
import { emptyWindowMetrics, WindowAssembly, type WindowReduction } from './windowAssembly';

/** Takes each reduced chunk's extras: `first` is the input position (= document token) of its first row. */
export interface ReductionExtras {
  add(first: number, metrics: ChunkMetrics): void;
}

export class TokenReduction implements RunObserver, WindowReduction {
  private readonly assembly: WindowAssembly<WindowMetrics>;

  constructor(private readonly reducer: ChunkReducer, private readonly k: number, private readonly extras?: ReductionExtras) {
    this.assembly = new WindowAssembly(run => emptyWindowMetrics(run, k));
  }

  async observe(run: WindowRun): Promise<void> {
    const window = this.assembly.windowFor(run);
    const first = firstScoredRow(run);
    if (first >= run.to) return;
    const { width, ids } = run;
    const targets = ids.slice(first + 1, run.to + 1);
    const rows = run.logits.subarray((first - run.from) * width, (run.to - run.from) * width);
    let afterNext: Int32Array | undefined;
    if (this.extras) {
      // Input position j predicts document token j (input id j + 1); the token after it is input id j + 2.
      afterNext = new Int32Array(targets.length);
      for (let r = 0; r < targets.length; r++) afterNext[r] = first + r + 2 < ids.length ? ids[first + r + 2] : -1;
    }
    const { result } = await this.reducer.submit(rows, width, targets, this.k, afterNext, run.movable);
    const at = first + 1 - run.firstTarget;
    window.parts.push(result.then(m => {
      placeChunk(window.out, at, m, this.k);
      this.extras?.add(first, m);
    }));
  }

  windowMetrics(index: number): Promise<WindowMetrics> {
    return this.assembly.windowMetrics(index);
  }

  abandon(): void {
    this.assembly.abandon();
  }
}
