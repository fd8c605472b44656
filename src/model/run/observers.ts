/**
 * How an analysis is watched: the scorer (scorer.ts) is the only caller of the session for window
 * runs, and after each run it tells every observer registered for that analysis what it ran: the
 * window, the positions the run fed and which of its rows the window scores, the logits and every
 * output it fetched. Observers never re-plan windows and never wrap the session; one that needs
 * extra graph outputs names them, and the scorer fetches them.
 */
import type { ScoringWindow } from '../../core/windows';
import type { InferenceSession, TensorMap } from '../onnx/runtime';

export interface WindowRun {
  window: ScoringWindow;
  windowIndex: number;
  /** Input positions of prefix + document fed in this run: [from, to). */
  from: number;
  to: number;
  /**
   * First target this window scores in this analysis (w.firstTarget, or later when a live run
   * resumed mid-window). Rows of input positions [max(from, firstTarget - 1), to) are scored: input
   * position j predicts target j + 1, which is document token j.
   */
  firstTarget: number;
  /** The prefix token followed by the document's ids. */
  ids: Int32Array;
  /** Float32 logits of the run, (to - from) × width; may be reused by the next run: copy what you keep. */
  logits: Float32Array;
  /**
   * True for the last observer of a run whose logits are ONNX Runtime's own buffer for this run
   * (not a reused float16 scratch): it may move the buffer to another thread instead of copying it,
   * since no one reads the logits after it. Absent: false.
   */
  movable?: boolean;
  width: number;
  /** Every output the run fetched: the cache (present.*) and the extra outputs observers asked for. */
  outputs: TensorMap;
  /** For runs of the observer's own (look-ahead branches): through the scorer, never observed. */
  runner: SessionRunner;
}

/** The first input position of a run whose row is scored. */
export function firstScoredRow(run: WindowRun): number {
  return Math.max(run.from, run.firstTarget - 1);
}

export interface AnalysisPlan {
  /** The prefix token followed by the document's ids. */
  ids: Int32Array;
  documentTokens: number;
  windows: readonly ScoringWindow[];
  window: number;
  stride: number;
}

export interface RunObserver {
  /** Graph outputs this observer reads from every window run, beyond the logits and the cache. */
  readonly outputs?: readonly string[];
  /** Before the first run: the windows the analysis will run and the ids it feeds. */
  begin?(plan: AnalysisPlan): void;
  /** After each window run, in order; the scorer waits for the returned promise before its next run. */
  observe(run: WindowRun): void | Promise<void>;
}

/** What the engine runs besides window runs (branch look-ahead, short runs): through the scorer, unobserved. */
export interface SessionRunner {
  run(feeds: TensorMap, fetches: readonly string[]): Promise<TensorMap>;
  /**
   * Runs a small session the model owns besides its own (the layer lens's final norm and head,
   * cut out of the model's graph): through the scorer as well, unobserved.
   */
  runCompanion(session: InferenceSession, feeds: TensorMap, fetches: readonly string[]): Promise<TensorMap>;
}
