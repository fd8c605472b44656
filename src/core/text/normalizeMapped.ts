/**
 * Applies a tokenizer's normalizer to a document while keeping the normalized-to-original map
 * (DESIGN.md "Offsets"). The normalizer is described as a plan of steps; the functions inside it
 * are the tokenizer's own, so the normalized text is exactly the tokenizer's.
 *
 * Exact: `prepend`, `strip`, `replace`, `sequence`, and `local` steps whose effect on the whole
 * text equals their effect applied cluster by cluster (true for NFC/NFD/NFKC/NFKD, Lowercase,
 * StripAccents on ordinary text). Heuristic: a `local` step that is not cluster-local somewhere
 * (final sigma, Hangul jamo written as separate letters, ...) is repaired there by a diff.
 */
import { MappedText, MappedTextBuilder } from './mappedText';
import { alignSequences } from './sequenceAlignment';

export type NormalizationStep =
  /** A function of the text that acts on characters and their combining marks independently. */
  | { kind: 'local'; apply: (text: string) => string }
  | { kind: 'prepend'; text: string }
  | { kind: 'strip'; left: boolean; right: boolean }
  /** Every match of a global `pattern` is replaced like String.prototype.replace would. */
  | { kind: 'replace'; pattern: RegExp; content: string }
  | { kind: 'sequence'; steps: NormalizationStep[] };

export function normalizeMapped(m: MappedText, step: NormalizationStep): MappedText {
  switch (step.kind) {
    case 'sequence':
      return step.steps.reduce(normalizeMapped, m);
    case 'prepend': {
      const b = new MappedTextBuilder(m, m.text.length + step.text.length);
      b.insert(0, step.text);
      b.copy(0, m.text.length);
      return b.finish();
    }
    case 'strip':
      return stripMapped(m, step.left, step.right);
    case 'replace':
      return replaceMapped(m, step.pattern, step.content);
    case 'local':
      return localMapped(m, step.apply);
  }
}

function stripMapped(m: MappedText, left: boolean, right: boolean): MappedText {
  const from = left ? m.text.length - m.text.trimStart().length : 0;
  const to = right ? m.text.trimEnd().length : m.text.length;
  const b = new MappedTextBuilder(m);
  if (from < to) b.copy(from, to);
  return b.finish();
}

function replaceMapped(m: MappedText, pattern: RegExp, content: string): MappedText {
  const single = new RegExp(pattern.source, pattern.flags.replace('g', ''));
  const b = new MappedTextBuilder(m);
  let at = 0;
  for (const match of m.text.matchAll(pattern)) {
    const from = match.index ?? 0;
    const to = from + match[0].length;
    b.copy(at, from);
    if (to > from) b.replace(from, to, match[0].replace(single, content));
    else b.insert(from, ''.replace(single, content));
    at = to;
  }
  b.copy(at, m.text.length);
  return b.finish();
}

/** A character with everything that may combine with it: the unit a local step is applied to. */
const CLUSTER = /[\s\S][\p{M}\u200D\uFE0E\uFE0F]*/gu;
/** Words and whitespace runs: the text is checked a word at a time, because most words do not change. */
const WORD = /\S+|\s+/gu;

function localMapped(m: MappedText, apply: (text: string) => string): MappedText {
  const whole = apply(m.text);
  if (whole === m.text) return m;
  const b = new MappedTextBuilder(m, whole.length);
  for (const word of m.text.matchAll(WORD)) {
    const from = word.index ?? 0;
    const to = from + word[0].length;
    const changed = apply(word[0]);
    if (changed === word[0]) {
      b.copy(from, to);
      continue;
    }
    const clusters = [...word[0].matchAll(CLUSTER)].map((c) => ({ at: from + (c.index ?? 0), text: c[0], out: apply(c[0]) }));
    if (clusters.map((c) => c.out).join('') !== changed) {
      b.replace(from, to, changed); // not cluster-local here (e.g. final sigma): map the word as one piece
      continue;
    }
    for (const c of clusters) b.replace(c.at, c.at + c.text.length, c.out);
  }
  const piecewise = b.finish();
  return piecewise.text === whole ? piecewise : repairByDiff(piecewise, whole);
}

/** Re-maps `target` onto the original through `approx`, a near-equal string whose map is known. */
function repairByDiff(approx: MappedText, target: string): MappedText {
  const map = alignSequences(codeUnits(target), codeUnits(approx.text));
  const starts = new Uint32Array(target.length + 1);
  for (let i = 0; i <= target.length; i++) starts[i] = approx.starts[map[i]];
  return { text: target, starts };
}

function codeUnits(s: string): Uint16Array {
  const out = new Uint16Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
