/**
 * Per-word surprisal, the unit reading-time studies use (minicons, pangoling): the text is cut at
 * Unicode word boundaries (UAX #29, Intl.Segmenter), whitespace segments are dropped, and every
 * other segment (a word, a number, a punctuation mark) is a unit. Each token goes to exactly one
 * unit, so a word's surprisal is a sum of whole tokens' NLLs and the units' surprisals add up to the
 * document's total:
 * - a token goes to the unit holding its first non-whitespace character;
 * - a whitespace-only token goes to the next unit (a leading space belongs to the word after it, as
 *   in GPT-2's " word" tokens), or to the last unit at the end of the text;
 * - an empty token (the continuation bytes of a character split across byte-level tokens) goes with
 *   the token before it;
 * - a token that reaches past its unit joins the units it covers into one entry (so "don't" stays
 *   one entry when a token spans the apostrophe's boundary), and the entry says how many units it
 *   joined.
 */
import type { TokenRecord } from './analysis';

export interface WordSurprisal {
  /** `[start, end)` in UTF-16 code units (from the first unit's start to the last unit's end). */
  start: number;
  end: number;
  text: string;
  /** Sum of the NLLs of the word's tokens, in bits; null when one of them was not finite. */
  surprisal: number | null;
  /** Tokens summed. */
  tokens: number;
  /** False for punctuation and symbols (Intl.Segmenter's isWordLike). */
  wordLike: boolean;
  /** Units joined into this entry because a token crossed their boundary (1 = a plain unit). */
  units: number;
}

interface Unit {
  start: number;
  end: number;
  wordLike: boolean;
}

type Scored = Pick<TokenRecord, 'start' | 'end' | 'nll'>;

export function segmentUnits(text: string, locale?: string): Unit[] {
  const units: Unit[] = [];
  for (const s of new Intl.Segmenter(locale, { granularity: 'word' }).segment(text)) {
    if (!/\S/u.test(s.segment)) continue;
    units.push({ start: s.index, end: s.index + s.segment.length, wordLike: s.isWordLike === true });
  }
  return units;
}

export function wordSurprisals(text: string, tokens: readonly Scored[], locale?: string): WordSurprisal[] {
  const units = segmentUnits(text, locale);
  if (units.length === 0) return [];
  // owner[i]: the unit token i goes to; cover[u]: the last unit any of unit u's tokens reaches.
  const owner = new Int32Array(tokens.length).fill(-1);
  let u = 0; // first unit that does not end before the current position
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.start === t.end) {
      owner[i] = i > 0 ? owner[i - 1] : -1;
      continue;
    }
    const first = firstNonSpace(text, t.start, t.end);
    const at = first >= 0 ? first : t.end; // whitespace only: the next unit
    while (u < units.length && units[u].end <= at) u++;
    owner[i] = u < units.length ? u : units.length - 1;
  }
  // An empty token at the very start goes with the first real token after it.
  for (let i = tokens.length - 2; i >= 0; i--) if (owner[i] < 0) owner[i] = owner[i + 1];
  // Entries: runs of units joined by tokens that reach past their unit's end.
  const entryOf = new Int32Array(units.length);
  const reach = new Int32Array(units.length).fill(-1);
  for (let i = 0; i < tokens.length; i++) {
    const o = owner[i];
    if (o < 0) continue;
    let last = o;
    while (last + 1 < units.length && units[last + 1].start < tokens[i].end) last++;
    reach[o] = Math.max(reach[o], last);
  }
  const entries: Array<{ first: number; last: number; sum: number; finite: boolean; tokens: number }> = [];
  for (let k = 0; k < units.length; k++) {
    const open = entries.at(-1);
    if (open && k <= open.last) entryOf[k] = entries.length - 1;
    else {
      entries.push({ first: k, last: k, sum: 0, finite: true, tokens: 0 });
      entryOf[k] = entries.length - 1;
    }
    const e = entries[entryOf[k]];
    e.last = Math.max(e.last, reach[k]);
  }
  for (let i = 0; i < tokens.length; i++) {
    if (owner[i] < 0) continue;
    const e = entries[entryOf[owner[i]]];
    const v = tokens[i].nll;
    e.tokens++;
    if (v === null || !Number.isFinite(v)) e.finite = false;
    else e.sum += v;
  }
  return entries.map(e => {
    const start = units[e.first].start;
    const end = units[e.last].end;
    return {
      start, end, text: text.slice(start, end),
      surprisal: e.finite ? e.sum / Math.LN2 : null,
      tokens: e.tokens,
      wordLike: units.slice(e.first, e.last + 1).some(x => x.wordLike),
      units: e.last - e.first + 1,
    };
  });
}

function firstNonSpace(text: string, from: number, to: number): number {
  for (let i = from; i < to; i++) if (!/\s/u.test(text[i])) return i;
  return -1;
}
