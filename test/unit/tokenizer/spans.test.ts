/** src/core/spans.ts and its text helpers, on hand-built inputs whose answers are worked out by hand. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tokenSpans } from '../../../src/core/spans';
import { identityMapped, MappedText } from '../../../src/core/text/mappedText';
import { normalizeMapped } from '../../../src/core/text/normalizeMapped';
import { alignSequences } from '../../../src/core/text/sequenceAlignment';
import { fillUnknownPieces } from '../../../src/core/text/unknownTokens';
import { utf8Length } from '../../../src/core/text/utf8';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** Token byte pieces -> the (bytes, ends) pair tokenSpans takes. */
function pieces(...parts: Array<string | number[]>): { bytes: Uint8Array; ends: Uint32Array } {
  const arrays = parts.map((p) => (typeof p === 'string' ? utf8(p) : Uint8Array.from(p)));
  const ends = new Uint32Array(arrays.length);
  let total = 0;
  arrays.forEach((a, i) => (ends[i] = total += a.length));
  const bytes = new Uint8Array(total);
  arrays.forEach((a, i) => bytes.set(a, ends[i] - a.length));
  return { bytes, ends };
}

function spans(doc: MappedText, ...parts: Array<string | number[]>): string[] {
  const { bytes, ends } = pieces(...parts);
  const s = tokenSpans(bytes, ends, doc);
  return Array.from(ends, (_, i) => `[${s.starts[i]},${s.ends[i]})${s.partial[i] ? 'p' : ''}`);
}

test('an emoji split over four byte tokens: the first byte takes the character, the rest are empty and partial', () => {
  const text = 'a😀b';
  assert.deepEqual(spans(identityMapped(text), 'a', [0xf0], [0x9f], [0x98], [0x80], 'b'), ['[0,1)', '[1,3)p', '[3,3)p', '[3,3)p', '[3,3)p', '[3,4)']);
});

test('a token ending inside a character is partial and its span runs to the end of that character', () => {
  // 'é' is C3 A9; token 1 = "x" + C3, token 2 = A9 + "y".
  assert.deepEqual(spans(identityMapped('xéy'), [0x78, 0xc3], [0xa9, 0x79]), ['[0,2)p', '[2,3)p']);
});

test('a lone surrogate counts as U+FFFD (3 bytes) and keeps its one code unit', () => {
  const text = 'a\uD800b';
  assert.equal(utf8Length(text), 5);
  assert.deepEqual(spans(identityMapped(text), 'a', [0xef, 0xbf], [0xbd], 'b'), ['[0,1)', '[1,2)p', '[2,2)p', '[2,3)']);
});

test('normalized text maps back: NFC of a decomposed é is one character covering two code units', () => {
  const doc = normalizeMapped(identityMapped('e\u0301x'), { kind: 'local', apply: (t) => t.normalize('NFC') });
  assert.equal(doc.text, 'éx');
  assert.deepEqual(spans(doc, 'é', 'x'), ['[0,2)', '[2,3)']);
});

test('a dummy prefix covers nothing, and the real text keeps its offsets', () => {
  const doc = normalizeMapped(identityMapped('hi there'), { kind: 'prepend', text: ' ' });
  assert.deepEqual(spans(doc, ' ', 'hi', ' there'), ['[0,0)', '[0,2)', '[2,8)']);
});

test('when the token bytes differ from the text (unknown normalizer) the diff repair still tiles the text', () => {
  const doc = identityMapped('abc ﬁx def');
  const { bytes, ends } = pieces('abc', ' fi', 'x', ' def');
  const s = tokenSpans(bytes, ends, doc);
  assert.equal(s.exact, false);
  assert.deepEqual([Array.from(s.starts), Array.from(s.ends)], [[0, 3, 5, 6], [3, 5, 6, 10]]);
});

test('normalization steps keep an exact map: strip, replace, sequence', () => {
  const stripped = normalizeMapped(identityMapped('  ab  '), { kind: 'strip', left: true, right: true });
  assert.equal(stripped.text, 'ab');
  assert.deepEqual(Array.from(stripped.starts), [0, 3, 6]); // the leading blanks join 'a', the trailing ones 'b'
  const replaced = normalizeMapped(identityMapped('a  b'), { kind: 'replace', pattern: / +/gu, content: '_' });
  assert.equal(replaced.text, 'a_b');
  assert.deepEqual(Array.from(replaced.starts), [0, 1, 3, 4]);
  const seq = normalizeMapped(identityMapped('a b'), { kind: 'sequence', steps: [{ kind: 'prepend', text: '▁' }, { kind: 'replace', pattern: / /gu, content: '▁' }] });
  assert.equal(seq.text, '▁a▁b');
  assert.deepEqual(Array.from(seq.starts), [0, 0, 1, 2, 3]);
});

test('a step that is not cluster-local (final sigma, Hangul jamo) still yields the whole-text result', () => {
  for (const [text, apply] of [
    ['ΟΔΟΣ ΟΔΟΣ', (t: string) => t.toLowerCase()],
    ['\u1100\u1161\u11A8 x', (t: string) => t.normalize('NFC')],
    ['ｶﾞｷﾞ', (t: string) => t.normalize('NFKC')],
  ] as const) {
    const m = normalizeMapped(identityMapped(text), { kind: 'local', apply });
    assert.equal(m.text, apply(text));
    assert.equal(m.starts[0], 0);
    assert.equal(m.starts[m.text.length], text.length);
    for (let i = 1; i < m.starts.length; i++) assert.ok(m.starts[i - 1] <= m.starts[i]);
  }
  // Final sigma: the word is mapped as one piece, the other words stay exact.
  const lower = normalizeMapped(identityMapped('AB ΟΔΟΣ'), { kind: 'local', apply: (t) => t.toLowerCase() });
  assert.deepEqual(Array.from(lower.starts.subarray(0, 3)), [0, 1, 2]);
});

test('alignSequences: identity, an insertion, a replacement, and nothing in common', () => {
  assert.deepEqual(Array.from(alignSequences([1, 2, 3], [1, 2, 3])), [0, 1, 2, 3]);
  assert.deepEqual(Array.from(alignSequences([9, 1, 2, 3, 4, 5], [1, 2, 3, 4, 5])), [0, 0, 1, 2, 3, 4, 5]);
  assert.deepEqual(Array.from(alignSequences([1, 2, 7, 7, 3, 4, 5, 6], [1, 2, 8, 3, 4, 5, 6])), [0, 1, 2, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(Array.from(alignSequences([1, 1, 1, 1], [2, 2])), [0, 0, 1, 1, 2]);
});

test('unknown tokens that lost their text get the document bytes between their known neighbours', () => {
  const u = (s: string) => new TextEncoder().encode(s);
  const filled = fillUnknownPieces([u(' a'), null, u('b '), null, u(' the')], u(' a\tb 中文 the'));
  assert.deepEqual(filled?.map((p) => new TextDecoder().decode(p)), [' a', '\t', 'b ', '中文', ' the']);
  // Two unknown tokens in a row, and one at the very end.
  assert.deepEqual(fillUnknownPieces([null, null, u('x'), null], u('😀😀x😀'))?.map((p) => p.length), [1, 7, 1, 4]);
  // Known pieces that do not fit the document: no guess.
  assert.equal(fillUnknownPieces([u('a'), null, u('zz')], u('abc')), null);
});
