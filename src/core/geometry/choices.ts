/**
 * Which kernel and side combinations the geometry can compute, and why the others cannot: the
 * engine publishes this list with every geometry report (and the spectrum panel offers only the
 * available ones). On the data side the distributions are one-hot targets, so only the prototype
 * kernel (unit head rows of the targets) is non-degenerate; the prototype kernel needs the head rows
 * W, which only a linear-softmax head provides.
 */
import type { KernelName, KernelSide } from './types';

export interface KernelChoice {
  kernel: KernelName;
  side: KernelSide;
  available: boolean;
  /** Why the combination is not offered (empty when available). */
  reason: string;
}

export const CHOICE_KERNELS: readonly KernelName[] = ['prototype', 'bhattacharyya', 'haochen', 'linear'];
export const CHOICE_SIDES: readonly KernelSide[] = ['model', 'data'];

/**
 * Every kernel × side combination with its availability. `headUsable` false (no readable linear
 * head) takes the prototype kernel away on both sides, with `headMessage` as the reason.
 */
export function kernelChoices(headUsable = true, headMessage = 'the head is not linear-softmax'): KernelChoice[] {
  const out: KernelChoice[] = [];
  for (const side of CHOICE_SIDES) {
    for (const kernel of CHOICE_KERNELS) {
      let reason = '';
      if (kernel === 'prototype' && !headUsable) reason = `the prototype kernel needs the head rows W, and ${headMessage}`;
      else if (side === 'data' && kernel !== 'prototype') {
        reason = 'degenerate on the data side: the observed next tokens are one-hot, so only the prototype kernel is defined there';
      }
      out.push({ kernel, side, available: reason === '', reason });
    }
  }
  return out;
}

/** The reason a combination is not available, or undefined when it is. */
export function unavailableReason(choices: readonly KernelChoice[], kernel: KernelName, side: KernelSide): string | undefined {
  const c = choices.find(x => x.kernel === kernel && x.side === side);
  if (!c) return `no such combination: ${kernel} kernel on the ${side} side`;
  return c.available ? undefined : c.reason;
}
