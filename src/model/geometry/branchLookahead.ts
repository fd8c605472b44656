/**
 * Branch look-ahead for the model-defined surplus A2 (paper-spec §4.11, "deep" option). It observes
 * the analysis's window runs (run/observers.ts), in order. When a run scores one of the
 * S sampled positions t, it takes the top-k_b candidates w of p_t from that run's logits row and
 * runs ONE decode step for x_≤t ⊕ w, batch k_b, on the window's present cache cut back to the
 * positions up to t (mask and position ids from CacheState, per the signature). The k_b next-token
 * rows q_{t,w} go straight into SurplusA2Accumulator; only the mixtures per distinct w are kept.
 * A graph without a cache re-runs x_[window start..t] ⊕ w instead (same numbers, more compute).
 * The branch runs go through the scorer's runner, unobserved.
 */
import { seededRandom } from '../../core/geometry/random';
import { SurplusA2Accumulator, topCandidates, type SurplusA2 } from '../../core/geometry/surplusA2';
import type { ScoringWindow } from '../../core/windows';
import type { Tensor } from '../onnx/runtime';
import { firstScoredRow, type AnalysisPlan, type RunObserver, type SessionRunner, type WindowRun } from '../run/observers';
import { batchFeeds } from '../onnx/batchFeeds';
import { sliceSequence } from '../run/kvCheckpoints';
import { CacheState } from '../onnx/feeds';
import { toFloat32 } from '../onnx/float16';
import type { ModelSignature } from '../onnx/signature';

/** Candidates per position (k_b) and the default number of sampled positions (S). */
export const BRANCH_CANDIDATES = 8;
export const DEFAULT_DEEP_POSITIONS = 128;

type Feeds = Record<string, Tensor>;

export class BranchLookahead implements RunObserver {
  private sampled: Uint8Array = new Uint8Array(0);
  private ids: Int32Array = new Int32Array(0);
  private runner: SessionRunner | undefined;
  private readonly accumulator: SurplusA2Accumulator;
  /** Set once batched branch runs fail (a static batch dim): candidates then run one at a time. */
  private oneRowAtATime = false;
  /** Why the branches stopped, if they did; A2 is then not reported. */
  failure: string | undefined;
  ms = 0;
  branchRuns = 0;

  constructor(
    private readonly signature: ModelSignature,
    readonly width: number,
    readonly positions = DEFAULT_DEEP_POSITIONS,
    readonly candidates = BRANCH_CANDIDATES,
    private readonly seed = 1,
  ) {
    this.accumulator = new SurplusA2Accumulator(width);
  }

  begin(plan: AnalysisPlan): void {
    this.ids = plan.ids;
    this.sampled = samplePositions(branchablePositions(plan.windows, plan.window), this.positions, this.seed, plan.documentTokens);
  }

  result(): SurplusA2 | null {
    return this.failure ? null : this.accumulator.result();
  }

  async observe(run: WindowRun): Promise<void> {
    const first = firstScoredRow(run);
    if (this.failure || !this.sampled.subarray(first, run.to).includes(1)) return;
    this.runner = run.runner;
    const started = performance.now();
    // Input position j predicts document token j; only this window's targets count.
    for (let j = first; j < run.to && !this.failure; j++) {
      if (!this.sampled[j]) continue;
      const top = topCandidates(run.logits, (j - run.from) * this.width, this.width, this.candidates);
      if (!top) { this.accumulator.skipPosition(); continue; } // a non-finite p_t: no branches
      try {
        const q = await this.branch(run.window, j, top.ids, run.outputs);
        this.accumulator.addPosition(top.ids, top.probs, q);
      } catch (e) {
        this.failure = `the branch runs failed: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    this.ms += performance.now() - started;
  }

  /** q rows (k × V float32 logits) after x_[w.start..j] ⊕ each candidate. */
  private async branch(w: ScoringWindow, j: number, candidates: Int32Array, outputs: Record<string, Tensor>): Promise<Float32Array> {
    const sig = this.signature;
    const kept = j - w.start + 1; // window positions up to and including t
    let one: Feeds;
    let prefix: Int32Array; // the ids fed in this step before the candidate
    if (sig.past.length > 0) {
      const cache = new CacheState(sig);
      const cut: Record<string, Tensor> = {};
      // Cut and repeated for the k_b rows here, in one copy (batchFeeds leaves a batch-k_b cache as is).
      const rows = this.oneRowAtATime ? 1 : candidates.length;
      for (const slot of sig.past) cut[slot.presentName] = sliceSequence(outputs[slot.presentName], slot.seqAxis, kept, rows);
      cache.advance(cut);
      prefix = new Int32Array(0);
      one = cache.feeds(Int32Array.of(candidates[0]), 0, 1);
    } else {
      prefix = this.ids.slice(w.start, j + 1);
      const seq = Int32Array.from([...prefix, candidates[0]]);
      one = new CacheState(sig).feeds(seq, 0, seq.length);
    }
    const rowOf = (c: number) => Int32Array.from([...prefix, c]);
    if (!this.oneRowAtATime) {
      try {
        return await this.runRows(one, candidates.length, Int32Array.from(Array.from(candidates, rowOf).flatMap(r => [...r])));
      } catch {
        this.oneRowAtATime = true; // the feeds above hold a batch-k_b cache: build them again
        return this.branch(w, j, candidates, outputs);
      }
    }
    const out = new Float32Array(candidates.length * this.width);
    for (let i = 0; i < candidates.length; i++) out.set(await this.runRows(one, 1, rowOf(candidates[i])), i * this.width);
    return out;
  }

  /** Runs `rows` rows and returns each row's last-position logits (rows × V). */
  private async runRows(one: Feeds, rows: number, ids: Int32Array): Promise<Float32Array> {
    // Only the logits: the branch's present cache is never needed (and would be copied out).
    const outputs = await this.runner!.run(batchFeeds(this.signature, one, ids, rows), [this.signature.logitsName]);
    this.branchRuns++;
    const tensor = outputs[this.signature.logitsName] as Tensor;
    const [b, n, V] = tensor.dims.map(Number);
    if (b !== rows || V !== this.width) throw new Error(`branch logits of shape [${tensor.dims.join(', ')}] for ${rows} rows × ${this.width}`);
    const data = toFloat32(tensor.data);
    const out = new Float32Array(rows * V);
    for (let r = 0; r < rows; r++) out.set(data.subarray((r * n + n - 1) * V, (r * n + n) * V), r * V);
    return out;
  }
}

/**
 * Positions j (input position j predicts document token j) whose branch fits in the window: the
 * branch feeds one position past t, so t at a full window's last position (kept = window) is left
 * out; the window is at most the model's context, and a position beyond it does not exist.
 */
export function branchablePositions(plan: readonly ScoringWindow[], window: number): number[] {
  const out: number[] = [];
  for (const w of plan) {
    for (let j = w.firstTarget - 1; j < w.lastTarget; j++) if (j - w.start + 1 < window) out.push(j);
  }
  return out;
}

/** A seeded sample of min(S, n) of the n candidate positions (partial Fisher–Yates), as a mask over T. */
export function samplePositions(candidates: readonly number[], S: number, seed: number, T: number): Uint8Array {
  const mask = new Uint8Array(T);
  const order = [...candidates];
  const random = seededRandom(seed);
  const n = Math.min(S, order.length);
  for (let i = 0; i < n; i++) {
    const k = i + Math.floor(random() * (order.length - i));
    [order[i], order[k]] = [order[k], order[i]];
    mask[order[i]] = 1;
  }
  return mask;
}
