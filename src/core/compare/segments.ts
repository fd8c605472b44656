/**
 * Two models with different tokenizers predict over different alphabets, so no per-token divergence
 * exists between them. What is exact: cut the text at every character position where both
 * tokenizations start a token. Between two cuts each model's tokens cover exactly the same bytes, so
 * the sum of a model's token NLLs there is −log P(those bytes | everything before them) under that
 * model, and the two sums compare like for like.
 *
 * A cut at UTF-16 offset u (0 < u < length) needs, in each tokenization, a token that starts at u
 * on a character boundary: a byte-level token can start inside a character and still own the next
 * one (its span starts there, but its first byte is the tail of the previous character), so the
 * tokenizer's `boundaryStart` flag decides, not the span alone. A segment holds the tokens from the
 * one that starts it up to the one that starts the next, so a token with no bytes at a cut goes
 * with the segment that starts there (tools/README.md, "compare-reference").
 */

export interface SegmentSide {
  starts: ArrayLike<number>;
  /** 1 where the token's first byte is the first byte of a character (see above). */
  boundaryStart: ArrayLike<number>;
  /** Token NLLs, nats; null for a token whose logits were not finite. */
  nll: ArrayLike<number | null>;
}

export interface Segment {
  /** UTF-16 offsets; the segments tile the text. */
  start: number;
  end: number;
  /** Token index ranges [first, end) of each model. */
  modelTokens: [number, number];
  againstTokens: [number, number];
  /** Σ NLL of each model's tokens in the segment (null when one of them was not finite). */
  nllModel: number | null;
  nllAgainst: number | null;
  /** nllAgainst − nllModel. */
  dNll: number | null;
}

/** The first token index starting at each offset on a character boundary. */
function boundaryTokens(side: SegmentSide): Map<number, number> {
  const at = new Map<number, number>();
  for (let t = 0; t < side.starts.length; t++) {
    if (side.boundaryStart[t] === 1 && !at.has(side.starts[t])) at.set(side.starts[t], t);
  }
  return at;
}

function sum(nll: ArrayLike<number | null>, from: number, to: number): number | null {
  let s = 0;
  for (let t = from; t < to; t++) {
    const v = nll[t];
    if (v === null || !Number.isFinite(v)) return null;
    s += v;
  }
  return s;
}

export function segmentsOf(textLength: number, model: SegmentSide, against: SegmentSide): Segment[] {
  if (textLength === 0) return [];
  const a = boundaryTokens(model);
  const b = boundaryTokens(against);
  const cuts = [...a.keys()].filter(u => u > 0 && u < textLength && b.has(u)).sort((x, y) => x - y);
  const edges = [0, ...cuts, textLength];
  const firstOf = (side: Map<number, number>, count: number, u: number) => (u === 0 ? 0 : u === textLength ? count : side.get(u)!);
  const segments: Segment[] = [];
  for (let k = 0; k + 1 < edges.length; k++) {
    const modelTokens: [number, number] = [firstOf(a, model.starts.length, edges[k]), firstOf(a, model.starts.length, edges[k + 1])];
    const againstTokens: [number, number] = [firstOf(b, against.starts.length, edges[k]), firstOf(b, against.starts.length, edges[k + 1])];
    const nllModel = sum(model.nll, modelTokens[0], modelTokens[1]);
    const nllAgainst = sum(against.nll, againstTokens[0], againstTokens[1]);
    segments.push({
      start: edges[k], end: edges[k + 1], modelTokens, againstTokens, nllModel, nllAgainst,
      dNll: nllModel === null || nllAgainst === null ? null : nllAgainst - nllModel,
    });
  }
  return segments;
}
