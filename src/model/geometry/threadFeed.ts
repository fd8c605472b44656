/**
 * What the geometry thread is given while an analysis runs (geometryThread.ts): the records of each
 * scored batch for the prototype rows and traces, the hidden states for their Gram, and, as soon as
 * inference ends, the PCA. Everything here is an early start of work the core would otherwise do
 * after inference, with the same numbers; without a healthy thread it does nothing.
 */
import { firstHiddenBasisTask } from '../../core/geometry';
import type { PrototypeRowsResult } from '../../core/geometry/prototypeRows';
import { DENSE_COLUMN_LIMIT } from '../../core/geometry/spectrum';
import type { RecordBatch } from '../../core/records';
import type { ResolvedGeometryOptions } from '../../core/geometry';
import type { AnalysisPlan, RunObserver } from '../run/observers';
import type { HeadModel } from './headModel';
import type { GeometryThread } from './geometryThread';
import type { HiddenCapture } from './hiddenCapture';

export class GeometryThreadFeed implements RunObserver {
  private readonly thread: GeometryThread | null;
  /** W, when the thread builds prototype rows: the prototype kernel on the model side, W readable and as wide as the logits. */
  private readonly weights: HeadModel['weights'];
  /** Tokens whose hidden states are streamed (0: none; only one-window documents with a dense Gram). */
  private streamedTokens = 0;

  constructor(geo: HeadModel, wanted: ResolvedGeometryOptions, private readonly capture: HiddenCapture, private readonly hasHidden: boolean, logitsWidth: number, private readonly seed: number) {
    this.thread = geo.thread?.healthy ? geo.thread : null;
    const prototype = wanted.kernel === 'prototype' && wanted.side === 'model';
    this.weights = this.thread && prototype && hasHidden && geo.weights?.vocab === logitsWidth ? geo.weights : null;
  }

  /** After the capture's begin (it makes the shared rows): the analysis will score `tokens` records. */
  begin(plan: AnalysisPlan): void {
    const tokens = plan.documentTokens;
    if (!this.thread) return;
    if (this.weights) this.thread.beginRows(this.weights.weight, this.weights.hidden, this.weights.vocab, tokens);
    const { d } = this.capture;
    if (this.hasHidden && d <= DENSE_COLUMN_LIMIT && firstHiddenBasisTask({ data: this.capture.hidden, d }, tokens)) {
      this.streamedTokens = tokens;
      this.thread.beginHidden(d, tokens, this.capture.hidden);
    }
  }

  /** The thread is fed from the records (`batch`), not from the runs. */
  observe(): void {}

  batch(batch: RecordBatch): void {
    if (!this.thread) return;
    if (this.weights) this.thread.addRows({ firstIndex: batch.firstIndex, count: batch.count, k: batch.topK, topIds: batch.topIds, topProbs: batch.topProbs, nll: batch.nll });
    if (this.streamedTokens > 0) this.thread.addHidden(batch.firstIndex, batch.count);
  }

  /**
   * Inference is over after `T` records: asks for the rows first (the thread answers in order), then
   * starts the PCA, which needs only the hidden states (the steps claim it; unclaimed, it is dropped).
   * Resolves with the rows, or undefined when there are none (the core then builds the same rows).
   */
  inferenceDone(T: number): Promise<PrototypeRowsResult | undefined> {
    if (!this.thread) return Promise.resolve(undefined);
    const rows = this.weights ? this.thread.takeRows().catch(() => undefined) : Promise.resolve(undefined);
    const pca = this.hasHidden ? firstHiddenBasisTask({ data: this.capture.hidden, d: this.capture.d }, T, { seed: this.seed }) : null;
    // A stopped analysis has fewer rows than were announced: its PCA then takes the states as they are.
    if (pca) this.thread.prestart(pca, this.streamedTokens === T);
    return rows;
  }
}
