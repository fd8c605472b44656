/**
 * Windows for long documents: the operator depends on the set of contexts, so a very long text is
 * split into overlapping windows, each with its own spectrum. Each token is owned by exactly one
 * window (the one whose interior holds it) for the per-token strips.
 */
import { GeometryInput } from './types';

export interface Window {
  start: number;
  end: number;
  /** Tokens [ownStart, ownEnd) take their per-token strips from this window. */
  ownStart: number;
  ownEnd: number;
}

export function planSpectrumWindows(T: number, length: number, overlap: number): Window[] {
  if (T <= length) return [{ start: 0, end: T, ownStart: 0, ownEnd: T }];
  const step = Math.max(1, length - overlap);
  const starts: number[] = [];
  for (let s = 0; s + length < T; s += step) starts.push(s);
  starts.push(T - length);
  return starts.map((start, i) => {
    const end = start + length;
    const ownStart = i === 0 ? 0 : Math.floor((start + starts[i - 1] + length) / 2);
    const ownEnd = i === starts.length - 1 ? T : Math.floor((end + starts[i + 1]) / 2);
    return { start, end, ownStart, ownEnd };
  });
}

/** The tokens [start, end) of an input, as views where possible (no copy of hidden states). */
export function sliceInput(input: GeometryInput, start: number, end: number): GeometryInput {
  const { rowStart, ids, probs } = input.top;
  const base = rowStart[start];
  const rebased = Int32Array.from(rowStart.subarray(start, end + 1), x => x - base);
  const view = <A extends { subarray(a: number, b: number): A }>(a: A | undefined) => a?.subarray(start, end);
  const rows = input.prototypeRows;
  const rowWidth = rows ? rows.data.length / input.targets.length : 0;
  return {
    targets: input.targets.subarray(start, end),
    nll: input.nll.subarray(start, end),
    entropy: input.entropy.subarray(start, end),
    varentropy: view(input.varentropy),
    rank: view(input.rank),
    logPartition: view(input.logPartition),
    top: { rowStart: rebased, ids: ids.subarray(base, rowStart[end]), probs: probs.subarray(base, rowStart[end]) },
    hidden: input.hidden && { d: input.hidden.d, data: input.hidden.data.subarray(start * input.hidden.d, end * input.hidden.d) },
    head: input.head,
    afterNextLogProb: view(input.afterNextLogProb),
    ablatedLogProb: view(input.ablatedLogProb),
    prototypeRows: rows && { data: rows.data.subarray(start * rowWidth, end * rowWidth), trace: rows.trace.subarray(start, end) },
  };
}
