/**
 * A comparison of two models with one tokenizer, as the reduction of the base model's analysis:
 * after each run of the base model's scorer it runs the same positions through the other model's
 * own scorer and cache (same window, same chunk, so both see exactly the same ids with the same
 * context), then hands both logits rows to the reduction thread, which reduces every position's two
 * rows together (core/compare/jointChunk.ts) while the next runs compute. Nothing larger than one
 * chunk of each model's logits is held.
 */
import type { JointChunkMetrics } from '../../core/compare/jointChunk';
import { emptyJointMetrics, placeJointChunk } from '../../core/compare/jointChunk';
import type { CompareWindowMetrics } from '../../core/compare/records';
import { emptyChunkMetrics } from '../../core/reduceChunk';
import type { LoadedModel } from '../load/loader';
import { firstScoredRow, type RunObserver, type WindowRun } from '../run/observers';
import type { ChunkReducer } from '../run/reducers';
import { WindowScorer } from '../run/scorer';
import { emptyWindowMetrics, WindowAssembly, type WindowReduction } from '../run/windowAssembly';

export class PairedReduction implements RunObserver, WindowReduction<CompareWindowMetrics> {
  private readonly assembly: WindowAssembly<CompareWindowMetrics>;
  private readonly other: WindowScorer;
  /** The window whose cache the other model holds (-1: none yet). */
  private otherWindow = -1;
  /** Milliseconds the other model's runs took (for logs and the benchmark). */
  otherMs = 0;

  /** `blame` turns the other model's run failures into errors that name it. */
  constructor(private readonly reducer: ChunkReducer, private readonly k: number, other: LoadedModel, chunk: number,
    private readonly blame: (e: unknown) => unknown) {
    this.other = new WindowScorer(other.session, other.signature, chunk);
    this.assembly = new WindowAssembly(run => {
      const base = emptyWindowMetrics(run, k);
      return { ...base, other: emptyChunkMetrics(base.count, k), joint: emptyJointMetrics(base.count) };
    });
  }

  async observe(run: WindowRun): Promise<void> {
    const window = this.assembly.windowFor(run);
    if (run.windowIndex !== this.otherWindow) {
      // A comparison never resumes mid-window (no KV checkpoints), so every window starts at its start.
      if (run.from !== run.window.start) throw new Error(`comparison: window ${run.windowIndex} started at ${run.from}, not at ${run.window.start}`);
      this.other.resetCache();
      this.otherWindow = run.windowIndex;
    }
    const started = performance.now();
    const q = await this.other.step(run.ids, run.from, run.to).catch((e: unknown) => { throw this.blame(e); });
    this.otherMs += performance.now() - started;
    const first = firstScoredRow(run);
    if (first >= run.to) return;
    const rows = run.to - first;
    const skip = first - run.from;
    const base = run.logits.subarray(skip * run.width, (skip + rows) * run.width);
    const other = q.logits.subarray(skip * q.width, (skip + rows) * q.width);
    const targets = run.ids.slice(first + 1, run.to + 1);
    const { result } = await this.reducer.submitJoint(base, run.width, other, q.width, targets, this.k);
    const at = first + 1 - run.firstTarget;
    window.parts.push(result.then((m: JointChunkMetrics) => {
      placeJointChunk({ base: window.out, other: window.out.other, joint: window.out.joint }, at, m, this.k);
    }));
  }

  windowMetrics(index: number): Promise<CompareWindowMetrics> {
    return this.assembly.windowMetrics(index);
  }

  abandon(): void {
    this.assembly.abandon();
  }
}
