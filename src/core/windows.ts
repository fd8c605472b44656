/**
 * Sliding windows over prefix + document tokens (onnx-signatures.md section 7), and the validation of
 * the window settings. With t[0..N) = prefix + document, L = window, S = stride <= L:
 *   e_k = min(L + k*S, N - 1), s_k = max(0, e_k - L);
 *   window k feeds t[s_k, e_k) and scores the targets e_{k-1} < m <= e_k (e_{-1} = 0).
 * Every document token is scored exactly once; the prefix token is never scored.
 */
import { MAX_DEFAULT_WINDOW } from './defaults';
import { InputError } from './errors';

export { MAX_DEFAULT_WINDOW };

export interface ScoringWindow {
  /** First fed position (inclusive). */
  start: number;
  /** One past the last fed position. */
  end: number;
  /** First scored target position: the logits at input position m - 1 predict t[m]. */
  firstTarget: number;
  /** Last scored target position (inclusive) = end. */
  lastTarget: number;
}

/** The windows for `total` = prefix + document tokens. No windows when there is no document token. */
export function planWindows(total: number, window: number, stride: number): ScoringWindow[] {
  const windows: ScoringWindow[] = [];
  let previousEnd = 0;
  for (let k = 0; previousEnd < total - 1; k++) {
    const end = Math.min(window + k * stride, total - 1);
    const start = Math.max(0, end - window);
    windows.push({ start, end, firstTarget: previousEnd + 1, lastTarget: end });
    previousEnd = end;
  }
  return windows;
}

export interface WindowSettings {
  window: number;
  stride: number;
}

/** Model families whose positions are a learned table (a window past the table is undefined). */
const LEARNED_POSITION_TYPES = new Set(['gpt2', 'opt', 'gpt_neo', 'gpt_bigcode', 'biogpt', 'gpt_neox_japanese', 'xglm']);
/** Families with relative positions (RoPE, ALiBi), where a longer window still runs. */
const RELATIVE_POSITION_TYPES = new Set([
  'llama', 'mistral', 'mixtral', 'qwen2', 'qwen3', 'gemma', 'gemma2', 'gemma3', 'gemma3_text', 'phi', 'phi3', 'gpt_neox',
  'bloom', 'mpt', 'falcon', 'gptj', 'codegen', 'stablelm', 'olmo', 'olmo2', 'granite', 'smollm3', 'cohere',
]);

/**
 * Heuristic: a window beyond the context length is refused unless the model type is known to use
 * relative positions. Unknown types are treated as learned (the safe side).
 */
export function hasLearnedPositions(modelType: string): boolean {
  return LEARNED_POSITION_TYPES.has(modelType) || !RELATIVE_POSITION_TYPES.has(modelType);
}


/**
 * Resolves the requested window/stride against the model. Throws an InputError (code
 * 'settings-invalid') naming the setting when a value cannot work.
 */
export function resolveWindowSettings(
  requested: { window?: number; stride?: number },
  contextLength: number,
  modelType: string,
): WindowSettings {
  const window = requested.window ?? Math.min(contextLength, MAX_DEFAULT_WINDOW);
  checkInteger('window', window);
  if (window < 2) throw new InputError(`window: must be at least 2 tokens, got ${window}`, 'settings-invalid', 'window');
  if (window > contextLength && hasLearnedPositions(modelType)) {
    throw new InputError(
      `window: ${window} tokens exceeds the model's context length of ${contextLength} (positions are learned)`,
      'settings-invalid',
      'window',
    );
  }
  const stride = requested.stride ?? Math.max(1, Math.floor(window / 2));
  checkInteger('stride', stride);
  if (stride < 1) throw new InputError(`stride: must be at least 1 token, got ${stride}`, 'settings-invalid', 'stride');
  if (stride > window) {
    throw new InputError(`stride: ${stride} must not exceed the window of ${window} tokens`, 'settings-invalid', 'stride');
  }
  return { window, stride };
}

function checkInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value)) {
    throw new InputError(`${name}: must be a whole number of tokens, got ${value}`, 'settings-invalid', name);
  }
}
