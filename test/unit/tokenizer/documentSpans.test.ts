/**
 * Spans of real encodings on every fixture tokenizer: hand-checked cases, hard Unicode, and a
 * property test over random strings (ordered, non-overlapping, covering; bytes reproduce the text).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HfDocumentTokenizer, loadTokenizerSync } from '../../../src/model/tokenizer';
import { assertTiles, describe, FIXTURE_TOKENIZERS, tokenizerDir } from './tokenizerFixtures';

const tokenizers = new Map<string, HfDocumentTokenizer>(FIXTURE_TOKENIZERS.map((n) => [n, loadTokenizerSync(tokenizerDir(n), {})]));
const get = (name: string) => tokenizers.get(name) as HfDocumentTokenizer;

test('hand-checked spans: an emoji over 4 byte tokens, CRLF, a dummy prefix, NFC, NFKC, a fused unknown', () => {
  const cases: Array<[string, string, string[]]> = [
    ['gpt2-bytelevel', 'a😀b', ['"a"[0,1)', '"😀"[1,3)p', '""[3,3)p', '""[3,3)p', '""[3,3)p', '"b"[3,4)']],
    ['gpt2-bytelevel', 'x\r\ny', ['"x"[0,1)', '"\\r"[1,2)', '"\\n"[2,3)', '"y"[3,4)']],
    // Metaspace prepend_scheme first: a dummy ▁ token covering nothing, unless the text starts with a space.
    ['llama-metaspace', 'x\r\ny', ['""[0,0)', '"x"[0,1)', '"\\r"[1,2)', '"\\n"[2,3)', '"y"[3,4)']],
    ['llama-metaspace', '  two', ['" "[0,1)', '" t"[1,3)', '"w"[3,4)', '"o"[4,5)']],
    // Legacy Prepend normalizer: always a dummy prefix.
    ['llama-prepend', '  two', ['""[0,0)', '" "[0,1)', '" t"[1,3)', '"w"[3,4)', '"o"[4,5)']],
    // NFC composes e + U+0301 into one character: one token covering both code units.
    ['qwen-nfc', 'e\u0301 n\u0303', ['"e\u0301"[0,2)', '" n\u0303"[2,5)p', '""[5,5)p']],
    // NFKC: ﬁ becomes "fi"; the ligature goes to the token holding "f", the "i" token is empty.
    ['unigram-nfkc', 'Ａｂ ﬁ', ['""[0,0)', '"Ａ"[0,1)', '"ｂ"[1,2)', '" ﬁ"[2,4)', '""[4,4)']],
    // Unknown characters fuse into one <unk> that still covers its text.
    ['unigram-nfkc', '👩‍👩‍👧', ['""[0,0)', '"👩‍👩‍👧"[0,8)']],
  ];
  for (const [name, text, expected] of cases) {
    const doc = get(name).encodeDetailed(text);
    assert.deepEqual(describe(doc, text), expected, `${name} ${JSON.stringify(text)}`);
    assert.equal(doc.exact, true, `${name} ${JSON.stringify(text)} exact`);
  }
});

const HARD_TEXTS = [
  'line one\r\nline two\r\n',
  'e\u0301le\u0300ve a\u0308\u0301 Zalgo: Z\u0336\u0353a\u0337l\u0335g\u0334o\u0338',
  'surrogates: 𝕳𝖊𝖑𝖑𝖔 😀😃 🇫🇷 👍🏽',
  'ZWJ: 👩‍👩‍👧‍👦 🧑‍💻 ❤️‍🔥',
  'NBSP:\u00A0a\u202Fb\u2009c, tabs:\t\tx\t',
  'mixed: English, Ελληνικά, русский, 中文, 日本語のテキスト, 한국어, العربية, עברית, हिन्दी',
  'halfwidth ｶﾞｷﾞ fullwidth ＡＢＣ１２３ ligature ﬁ ﬂ ㎏ ①',
  'special strings as text: <s> </s> <unk> <|endoftext|> <|im_start|> ▁ literal',
  'lone surrogates \uD800 and \uDFFF and \uDBFF\uDBFF end\uD83D',
  '   leading and trailing spaces   ',
  '\n\n\nblank lines\n\n',
];

test('spans tile the hard texts on every fixture tokenizer, exactly (no diff repair)', () => {
  for (const [name, tok] of tokenizers) {
    for (const text of HARD_TEXTS) {
      const doc = tok.encodeDetailed(text);
      assertTiles(doc, text, `${name} ${JSON.stringify(text)}`);
      assert.equal(doc.exact, true, `${name} ${JSON.stringify(text)} exact`);
    }
  }
});

test('a character is attributed to the token holding its first byte, even when that token starts with other text', () => {
  const tok = get('gpt2-bytelevel');
  // Tokens: "r"+C3 | B6 | C3 9F "e": ö belongs to the first, the second holds no first byte.
  const doc = tok.encode('Größe');
  assert.deepEqual(Array.from(doc.ids, (id) => Array.from(tok.tokenBytes(id))), [[0x47], [0x72, 0xc3], [0xb6], [0xc3, 0x9f, 0x65]]);
  assert.deepEqual(describe(doc, 'Größe'), ['"G"[0,1)', '"rö"[1,3)p', '""[3,3)p', '"ße"[3,5)']);
});

/** A deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [
  ...'abcdefghijklmnopqrstuvwxyz THE fox, jumps.'.split(''), ' ', ' ', '\t', '\r\n', '\n', 'é', 'e\u0301', '\u0308', '\u0301',
  'ß', 'Σ', 'ς', '中', '文', '語', '😀', '👍🏽', '👩‍👩‍👧', '\u200D', '\uFE0F', '\u00A0', '\u2581', 'ﬁ', 'ｶ', 'ﾞ', '①',
  '\uD800', '\uDC00', '<s>', '<|endoftext|>', '<tab4>', "'s", '123',
];

function randomText(next: () => number): string {
  const length = Math.floor(next() * 24);
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return s;
}

/**
 * Tokenizers whose token bytes are the document's UTF-8 (no lossy normalizer, no unknown token),
 * with whether they put a dummy space before a given text.
 */
const LOSSLESS: Record<string, { dummy: (text: string) => boolean; sentencepiece: boolean }> = {
  'gpt2-bytelevel': { dummy: () => false, sentencepiece: false },
  'llama-metaspace': { dummy: (text) => !/^[ \u2581]/.test(text), sentencepiece: true }, // prepend_scheme 'first'
  'llama-prepend': { dummy: () => true, sentencepiece: true }, // Prepend("▁") normalizer
};

test('property: random strings tile on every tokenizer; on lossless ones the token bytes are the text', () => {
  const next = rng(20240611);
  const encoder = new TextEncoder();
  for (let round = 0; round < 1000; round++) {
    const text = randomText(next);
    for (const [name, tok] of tokenizers) {
      const doc = tok.encodeDetailed(text);
      const label = `${name} ${JSON.stringify(text)}`;
      assertTiles(doc, text, label);
      if (!(name in LOSSLESS)) continue;
      assert.equal(doc.exact, true, label);
      const bytes = Array.from(doc.ids, (id) => Array.from(tok.tokenBytes(id))).flat();
      // SentencePiece tokens stand for a literal ▁ with a space too.
      const spaced = LOSSLESS[name].sentencepiece ? text.replaceAll('\u2581', ' ') : text;
      const prefix = text.length > 0 && LOSSLESS[name].dummy(text) ? ' ' : '';
      assert.deepEqual(bytes, Array.from(encoder.encode(prefix + spaced)), label);
      // Whole characters: the token text joined over each span reproduces the document exactly.
      const covered = Array.from(doc.ids, (_, i) => text.slice(doc.starts[i], doc.ends[i])).join('');
      assert.equal(covered, text, label);
    }
  }
});
