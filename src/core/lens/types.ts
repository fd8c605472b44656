/**
 * The layer lens's result (issue 17): for layers 0..L (0 = the residual stream after the embedding,
 * l = after block l, each decoded with the model's own final norm and LM head) and a range of
 * document tokens, per layer and token the NLL of the actual token, the entropy, its rank, the top-1
 * id (and the top few with probabilities, for hovers) and KL to the final layer; per token the
 * prediction depth. Matrices are flat, layer-major: entry [l][t] is at l * tokens + (t − from).
 * Every figure is exact arithmetic on the decoded rows (logit lens: no learned translators).
 */

export interface LayerLens {
  /** L + 1. */
  count: number;
  /** "embedding", "block 1", ..., "block L". */
  labels: string[];
  /** Document index of the first token covered, and how many tokens are covered. */
  from: number;
  tokens: number;
  /** Top predictions kept per layer and token. */
  k: number;
  /** Nats; NaN where the layer's logits were not finite. */
  nll: Float64Array;
  entropy: Float64Array;
  klToFinal: Float64Array;
  /** −1 where not finite. */
  rank: Int32Array;
  top1: Int32Array;
  /** [layer][token][k] ids (−1 pads) and probabilities. */
  topIds: Int32Array;
  topProbs: Float64Array;
  /** Prediction depth per token (see depth.ts); −1 where unknown. */
  depth: Int32Array;
  /**
   * Largest |decoded last layer − the model's logits| on the first decoded rows (the check that the
   * stream found is the one the head reads), or null before any row was decoded.
   */
  finalCheck?: number | null;
  /** Alignment A_k of the hidden state at every layer (with geometry; see layerAlignment.ts). */
  alignment?: LayerAlignment | null;
  /** Why `alignment` is null when geometry was asked for. */
  alignmentOff?: string;
}

/** The per-layer alignment curve: A_k of the head's input at each layer against the document's operator. */
export interface LayerAlignment {
  /** [layer][k-1], k = 1..K (means over spectrum windows for long documents). */
  Ak: number[][];
  /** r_H kept per layer (first window). */
  hiddenDims: number[];
  kernel: string;
  side: string;
  /** Spectrum windows the A_k are averaged over (1 for documents up to 4,096 tokens). */
  windows: number;
  provenance: 'exact';
  /** Why some layer has no scores (constant hidden states), or null. */
  note: string | null;
}

/** The lens is off for this model or analysis, with the reason (never a guess). */
export interface LayerLensOff {
  off: true;
  reason: string;
}

export type LayerLensOutcome = LayerLens | LayerLensOff;

export function isLensOff(x: LayerLensOutcome | undefined): x is LayerLensOff {
  return x !== undefined && (x as LayerLensOff).off === true;
}

export function layerLabels(count: number): string[] {
  return Array.from({ length: count }, (_, l) => (l === 0 ? 'embedding' : `block ${l}`));
}
