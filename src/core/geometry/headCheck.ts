/**
 * Head consistency check (paper-spec §4.0 item 1): does W h + b reproduce the model's logits? On a
 * few positions it compares the logits with the product computed in float64, and, when they differ,
 * whether a single scale factor explains them (granite/cohere-style scaled logits). Anything else
 * (soft-capping, a quantized head, the wrong tensor) is reported as not linear, so views that
 * assume a linear-softmax head can be switched off.
 */

export interface HeadCheckInput {
  /** n×d hidden states (the head's input) and the n×V logits the model produced for them. */
  hidden: Float32Array | Float64Array;
  logits: Float32Array | Float64Array;
  rows: number;
  d: number;
  vocab: number;
  /** W as V×d row-major. */
  weight: Float32Array | Float64Array;
  bias?: Float32Array | Float64Array;
}

export interface HeadCheckResult {
  linear: boolean;
  /** max |z − (W h + b)| over the checked rows. */
  maxAbsError: number;
  /** max |z|, the logit scale the error is compared with. */
  logitScale: number;
  relativeError: number;
  /** Least-squares α in z ≈ α(W h + b), and the relative error after applying it. */
  fittedScale: number;
  scaledRelativeError: number;
  verdict: 'linear' | 'scaled' | 'not-linear';
  message: string;
}

/** Relative tolerance default 1e-3 of the logit scale (fp32 heads land near 1e-6). */
export function checkLinearHead(input: HeadCheckInput, relativeTolerance = 1e-3): HeadCheckResult {
  const { hidden, logits, rows, d, vocab, weight, bias } = input;
  // One product per row (rows·V·d multiply-adds), kept for the scale fit.
  const product = new Float64Array(rows * vocab);
  for (let i = 0; i < rows; i++) {
    for (let w = 0; w < vocab; w++) {
      let s = bias ? bias[w] : 0;
      const base = w * d;
      for (let c = 0; c < d; c++) s += weight[base + c] * hidden[i * d + c];
      product[i * vocab + w] = s;
    }
  }
  let maxAbsError = 0;
  let logitScale = 0;
  let zy = 0;
  let yy = 0;
  for (let i = 0; i < rows * vocab; i++) {
    const z = logits[i];
    maxAbsError = Math.max(maxAbsError, Math.abs(z - product[i]));
    logitScale = Math.max(logitScale, Math.abs(z));
    zy += z * product[i];
    yy += product[i] * product[i];
  }
  const fittedScale = yy > 0 ? zy / yy : NaN;
  let scaledMax = 0;
  for (let i = 0; i < rows * vocab; i++) scaledMax = Math.max(scaledMax, Math.abs(logits[i] - fittedScale * product[i]));
  if (!Number.isFinite(fittedScale)) scaledMax = Infinity;
  const scale = Math.max(logitScale, 1e-30);
  const relativeError = maxAbsError / scale;
  const scaledRelativeError = scaledMax / scale;
  const verdict = relativeError <= relativeTolerance ? 'linear'
    : scaledRelativeError <= relativeTolerance ? 'scaled' : 'not-linear';
  const message = verdict === 'linear'
    ? `W h + b reproduces the logits (max error ${maxAbsError.toExponential(2)}, relative ${relativeError.toExponential(2)})`
    : verdict === 'scaled'
      ? `the logits are W h + b scaled by ${fittedScale.toPrecision(6)}; geometry views fold the scale into W`
      : `W h + b does not reproduce the logits (relative error ${relativeError.toExponential(2)}): the head is not plain linear-softmax, geometry views are off`;
  return { linear: verdict === 'linear', maxAbsError, logitScale, relativeError, fittedScale, scaledRelativeError, verdict, message };
}
