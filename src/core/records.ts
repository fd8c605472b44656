/**
 * The compact, typed-array form of one window's scored tokens (what the worker streams), and its
 * expansion into TokenRecords. A NaN nll marks a position whose logits were not finite.
 */
import type { TokenRecord } from './analysis';
import type { ChunkMetrics } from './reduceChunk';

/**
 * Metrics of `count` consecutive targets starting at position `firstTarget` of prefix + document
 * (top ids: count x k, row-major, -1 pads when k exceeds the vocabulary).
 */
export interface WindowMetrics extends ChunkMetrics {
  firstTarget: number;
  count: number;
  /** Tokens fed before each target within its window (prefix included). */
  context: Int32Array;
}

/** A window's metrics plus what the records need from tokenization (the worker holds the tokenizer). */
export interface RecordBatch extends WindowMetrics {
  /** Document token index of the first record (= firstTarget - 1, the prefix is never scored). */
  firstIndex: number;
  topK: number;
  ids: Int32Array;
  starts: Uint32Array;
  ends: Uint32Array;
  partial: Uint8Array;
  texts: string[];
}

export function expandBatch(batch: RecordBatch): TokenRecord[] {
  const records: TokenRecord[] = [];
  const k = batch.topK;
  for (let r = 0; r < batch.count; r++) {
    const finite = !Number.isNaN(batch.nll[r]);
    const top: Array<[number, number]> = [];
    if (finite) {
      for (let j = 0; j < k; j++) {
        const id = batch.topIds[r * k + j];
        if (id >= 0) top.push([id, batch.topProbs[r * k + j]]);
      }
    }
    records.push({
      index: batch.firstIndex + r,
      id: batch.ids[r],
      text: batch.texts[r],
      start: batch.starts[r],
      end: batch.ends[r],
      partial: batch.partial[r] === 1,
      context: batch.context[r],
      nll: finite ? batch.nll[r] : null,
      entropy: finite ? batch.entropy[r] : null,
      rank: finite ? batch.rank[r] : null,
      top,
      varentropy: finite ? batch.varentropy[r] : null,
      logZ: finite ? batch.logZ[r] : null,
    });
  }
  return records;
}
