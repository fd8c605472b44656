/**
 * Assembles a LayerLens from reduced chunks as they arrive: each chunk covers consecutive tokens at
 * every layer (reduceLayers.ts) and is copied into the [layer][token] matrices of the covered range.
 * Memory is O(layers × tokens × k), never a logits array.
 */
import { predictionDepth } from './depth';
import type { LayerChunkMetrics } from './reduceLayers';
import { layerLabels, type LayerLens } from './types';

export class LayerTable {
  private readonly lens: LayerLens;
  private filled = 0;

  /** `from`, `tokens`: the document tokens covered. */
  constructor(count: number, from: number, tokens: number, k: number) {
    const cells = count * tokens;
    this.lens = {
      count, labels: layerLabels(count), from, tokens, k,
      nll: new Float64Array(cells).fill(NaN), entropy: new Float64Array(cells).fill(NaN), klToFinal: new Float64Array(cells).fill(NaN),
      rank: new Int32Array(cells).fill(-1), top1: new Int32Array(cells).fill(-1),
      topIds: new Int32Array(cells * k).fill(-1), topProbs: new Float64Array(cells * k),
      depth: new Int32Array(tokens).fill(-1),
    };
  }

  /** Copies `chunk` (its rows are document tokens first, first + 1, ...) into the table. */
  place(first: number, chunk: LayerChunkMetrics): void {
    const t = this.lens;
    if (chunk.layers !== t.count || chunk.k !== t.k) throw new Error(`layer lens: a chunk of ${chunk.layers} layers, top ${chunk.k}, for a table of ${t.count}, top ${t.k}`);
    const at = first - t.from;
    if (at < 0 || at + chunk.rows > t.tokens) throw new Error(`layer lens: tokens ${first}..${first + chunk.rows} outside ${t.from}..${t.from + t.tokens}`);
    const k = t.k;
    for (let l = 0; l < t.count; l++) {
      const src = l * chunk.rows;
      const dst = l * t.tokens + at;
      t.nll.set(chunk.nll.subarray(src, src + chunk.rows), dst);
      t.entropy.set(chunk.entropy.subarray(src, src + chunk.rows), dst);
      t.klToFinal.set(chunk.klToFinal.subarray(src, src + chunk.rows), dst);
      t.rank.set(chunk.rank.subarray(src, src + chunk.rows), dst);
      t.topIds.set(chunk.topIds.subarray(src * k, (src + chunk.rows) * k), dst * k);
      t.topProbs.set(chunk.topProbs.subarray(src * k, (src + chunk.rows) * k), dst * k);
      for (let r = 0; r < chunk.rows; r++) t.top1[dst + r] = k > 0 ? chunk.topIds[(src + r) * k] : -1;
    }
    this.filled += chunk.rows;
  }

  /** Tokens placed so far (a token scored by two windows is counted once per placement). */
  get placed(): number {
    return this.filled;
  }

  /** The table with prediction depths, once every token is placed. */
  finish(): LayerLens {
    const t = this.lens;
    t.depth = predictionDepth(t.top1, t.count, t.tokens);
    return t;
  }
}
