/**
 * A heuristic estimate of the memory one scoring window takes, from the graph's own cache shapes
 * and the config: with a KV cache, the past fed in and the present returned (two copies of the
 * cache, which grows with the window) plus one chunk's attention scores against the whole window;
 * without one, the window runs in one pass and its attention matrix is window² per head. Only used
 * to cap the default window (core/windows.ts), and the cap is always reported.
 */
import type { WindowMemory } from '../../core/windows';
import type { LoadedModel } from '../load/loader';

const BYTES: Record<string, number> = { float32: 4, float16: 2, int8: 1, uint8: 1 };

export function windowMemory(model: LoadedModel, chunk: number, budgetMB: number): WindowMemory {
  const { signature, config } = model;
  let cachePerToken = 0;
  for (const slot of signature.past) {
    let n = BYTES[slot.type] ?? 4;
    slot.emptyDims.forEach((d, axis) => { if (axis !== slot.seqAxis) n *= Math.max(1, d); });
    cachePerToken += n;
  }
  // Attention scores and their softmax, float32, for the heads of one layer at a time.
  const heads = config.heads ?? config.kvHeads ?? 16;
  const budgetBytes = budgetMB * 1024 * 1024;
  if (signature.past.length > 0) {
    const perToken = 2 * cachePerToken + 2 * 4 * heads * chunk;
    return { bytes: tokens => tokens * perToken, budgetBytes };
  }
  const hidden = Math.max(1, config.hiddenSize ?? 1024);
  return { bytes: tokens => 2 * 4 * heads * tokens * tokens + 4 * 4 * hidden * tokens, budgetBytes };
}
