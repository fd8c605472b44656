/**
 * The logit lens's per-row reduction: one decoded chunk holds, for each of `layers` layers, the
 * logits rows of the same tokens ([layer][row][width], the decoder's output), and is reduced while
 * it is in hand to the few numbers a layer keeps per token. The final layer is reduced first; each
 * earlier layer's KL to it comes from the same exponentials as that layer's metrics:
 *   KL(P_l || P_L) = Σ p_l (log p_l − log p_L) = −H_l − E_{p_l}[z_L] + log Z_L.
 * Exact arithmetic on the rows (float64 sums, the row reduction of ../reduce.ts), no estimate.
 */
import { RowReducer } from '../reduce';

/** Top predictions kept per layer and token (the panel's hover shows them). */
export const LENS_TOP_K = 5;

/** Metrics of `rows` tokens at each of `layers` layers, layer-major ([layer][row]). */
export interface LayerChunkMetrics {
  layers: number;
  rows: number;
  k: number;
  /** Nats; NaN where the layer's row was not finite. */
  nll: Float64Array;
  entropy: Float64Array;
  /** KL(P_layer || P_final) in nats: 0 at the final layer, NaN where either row was not finite. */
  klToFinal: Float64Array;
  /** 1 + entries with a strictly larger logit than the target's; −1 where not finite. */
  rank: Int32Array;
  /** [layer][row][k]: the k most probable ids, most probable first (−1 pads), and their probabilities. */
  topIds: Int32Array;
  topProbs: Float64Array;
}

/**
 * `logits`: layers × rows × width floats; `targets[r]`: the id row r scores (the same at every layer).
 * The reducer keeps each row's exponentials (a width-long buffer), so give the lens its own reducer.
 */
export function reduceLayerChunk(reducer: RowReducer, logits: Float32Array, layers: number, width: number, targets: Int32Array): LayerChunkMetrics {
  const rows = targets.length;
  const k = reducer.k;
  if (logits.length < layers * rows * width) throw new Error(`reduceLayerChunk: ${logits.length} logits for ${layers} x ${rows} x ${width}`);
  const cells = layers * rows;
  const out: LayerChunkMetrics = {
    layers, rows, k,
    nll: new Float64Array(cells), entropy: new Float64Array(cells), klToFinal: new Float64Array(cells),
    rank: new Int32Array(cells), topIds: new Int32Array(cells * k), topProbs: new Float64Array(cells * k),
  };
  reducer.keepProbabilities(width);
  const last = layers - 1;
  for (let r = 0; r < rows; r++) {
    // Each token's numbers depend on its own rows only, not on which tokens share the chunk.
    reducer.resetShift();
    const finalOffset = (last * rows + r) * width;
    const final = reducer.reduce(logits, finalOffset, width, targets[r]);
    store(out, reducer, last * rows + r, final.finite, final.nll, final.entropy, final.rank);
    out.klToFinal[last * rows + r] = final.finite ? 0 : NaN;
    for (let l = 0; l < last; l++) {
      const cell = l * rows + r;
      const m = reducer.reduce(logits, cell * width, width, targets[r]);
      store(out, reducer, cell, m.finite, m.nll, m.entropy, m.rank);
      // Rounding can leave −1e−16 where P_l = P_L; KL is never negative.
      out.klToFinal[cell] = m.finite && final.finite ? Math.max(0, -m.entropy - reducer.expectation(logits, finalOffset) + final.logZ) : NaN;
    }
  }
  return out;
}

function store(out: LayerChunkMetrics, reducer: RowReducer, cell: number, finite: boolean, nll: number, entropy: number, rank: number): void {
  const k = out.k;
  out.nll[cell] = finite ? nll : NaN;
  out.entropy[cell] = finite ? entropy : NaN;
  out.rank[cell] = finite ? rank : -1;
  if (finite) {
    out.topIds.set(reducer.topIds, cell * k);
    out.topProbs.set(reducer.topProbs, cell * k);
  } else {
    out.topIds.fill(-1, cell * k, (cell + 1) * k);
    out.topProbs.fill(0, cell * k, (cell + 1) * k);
  }
}
