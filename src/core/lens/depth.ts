/**
 * Prediction depth (issue 17): for one token, the first layer from which the lens's top-1 equals the
 * final layer's top-1 at every later layer, i.e. the smallest l with top1[l'] = top1[L] for all
 * l' ≥ l. 0: the embedding alone already predicts what the model finally predicts and no block
 * changes it; L: only the last block settles it. Unknown (−1) when a layer's logits were not finite.
 */

/** `top1`: [layer][token] flat, layer-major, `layers` × `tokens`. */
export function predictionDepth(top1: Int32Array, layers: number, tokens: number): Int32Array {
  const depth = new Int32Array(tokens);
  const last = layers - 1;
  for (let t = 0; t < tokens; t++) {
    const final = top1[last * tokens + t];
    let d = final < 0 ? -1 : last;
    for (let l = last - 1; l >= 0 && d >= 0; l--) {
      const id = top1[l * tokens + t];
      if (id < 0) d = -1;
      else if (id === final) d = l;
      else break;
    }
    depth[t] = d;
  }
  return depth;
}
