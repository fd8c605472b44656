/**
 * Sliding windows over prefix + document tokens (onnx-signatures.md section 7), and the validation of
 * the window settings. With t[0..N) = prefix + document, L = window, S = stride <= L:
 *   e_k = min(L + k*S, N - 1), s_k = max(0, e_k - L);
 *   window k feeds t[s_k, e_k) and scores the targets e_{k-1} < m <= e_k (e_{-1} = 0).
 * Every document token is scored exactly once; the prefix token is never scored.
 */
import { InputError } from './errors';

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
 * What a window of W tokens costs in memory (heuristic, from the graph's own cache shapes, see
 * model/run/windowMemory.ts), and how much it may take. Used only to cap the default window.
 */
export interface WindowMemory {
  /** Estimated bytes a window of `tokens` tokens needs (KV cache plus the larger activations). */
  bytes(tokens: number): number;
  budgetBytes: number;
}

/** Why the default window is shorter than the model's context (reported in the output and the UI). */
export interface WindowCap {
  contextLength: number;
  /** Estimated bytes of a window as long as the context, above `budgetBytes`. */
  neededBytes: number;
  budgetBytes: number;
}

export interface ResolvedWindow extends WindowSettings {
  /** Present when the default window was capped for memory. */
  cap?: WindowCap;
}

/** The model's context, or the longest window within the memory budget when the context is not. */
function defaultWindow(contextLength: number, memory: WindowMemory | undefined): { window: number; cap?: WindowCap } {
  if (!memory || memory.bytes(contextLength) <= memory.budgetBytes) return { window: contextLength };
  let lo = 2;
  let hi = contextLength;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (memory.bytes(mid) <= memory.budgetBytes) lo = mid;
    else hi = mid - 1;
  }
  return { window: lo, cap: { contextLength, neededBytes: memory.bytes(contextLength), budgetBytes: memory.budgetBytes } };
}

/** "window capped at 8192 tokens: a window of the model's full context (131072) needs about 16.4 GB, above the 2.0 GB budget". */
export function describeWindowCap(window: number, cap: WindowCap): string {
  const gb = (b: number) => `${(b / 1e9).toFixed(1)} GB`;
  return `window capped at ${window} tokens: a window of the model's full context (${cap.contextLength} tokens) needs about ${gb(cap.neededBytes)}, above the ${gb(cap.budgetBytes)} memory budget`;
}

/**
 * Resolves the requested window/stride against the model. By default the window is the model's own
 * context (the numbers are then the model's true conditionals); it is capped only when `memory`
 * says a window that long would not fit the budget, and the cap is returned so it can be reported.
 * Throws an InputError (code 'settings-invalid') naming the setting when a value cannot work.
 */
export function resolveWindowSettings(
  requested: { window?: number; stride?: number },
  contextLength: number,
  modelType: string,
  memory?: WindowMemory,
): ResolvedWindow {
  const chosen = requested.window !== undefined ? { window: requested.window } : defaultWindow(contextLength, memory);
  const window = chosen.window;
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
  return chosen.cap ? { window, stride, cap: chosen.cap } : { window, stride };
}

function checkInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value)) {
    throw new InputError(`${name}: must be a whole number of tokens, got ${value}`, 'settings-invalid', name);
  }
}
