/**
 * Normalizers the mapping must follow exactly: the gpt2 fixture with each normalizer swapped in.
 * The token bytes must equal the mapped text (exact, no diff repair) and the spans must tile.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadTokenizerSync } from '../../../src/model/tokenizer';
import { assertTiles, describe, tokenizerDir } from './tokenizerFixtures';

const base = JSON.parse(readFileSync(join(tokenizerDir('gpt2-bytelevel'), 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function withNormalizer(normalizer: unknown) {
  const dir = mkdtempSync(join(tmpdir(), 'ml-norm-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ ...base, normalizer }));
  return loadTokenizerSync(dir, {});
}

const NORMALIZERS: Record<string, unknown> = {
  NFC: { type: 'NFC' },
  NFD: { type: 'NFD' },
  NFKC: { type: 'NFKC' },
  'NFKC+Lowercase': { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }] },
  StripAccents: { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'StripAccents' }] },
  'Replace regex': { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' },
  Strip: { type: 'Strip', strip_left: true, strip_right: true },
  Precompiled: { type: 'Precompiled', precompiled_charsmap: null },
  'Prepend+Replace': { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] },
};

const TEXTS = [
  'Größe ΟΔΟΣ Σ café e\u0301 İstanbul',
  '  two  spaces   and\ttabs \u00A0nbsp\r\n',
  'ﬁ ｶﾞ ＡＢＣ ① ㎏ \u1100\u1161\u11A8 한국어',
  '😀 👩‍👩‍👧 🇫🇷 lone \uD800 end',
  '\u0007control\u001Fchars\u200Bzero width',
];

test('every normalizer: exact spans that tile, on hard text', () => {
  for (const [name, normalizer] of Object.entries(NORMALIZERS)) {
    const tok = withNormalizer(normalizer);
    for (const text of TEXTS) {
      const doc = tok.encodeDetailed(text);
      assertTiles(doc, text, `${name} ${JSON.stringify(text)}`);
      assert.equal(doc.exact, true, `${name} ${JSON.stringify(text)}: ${describe(doc, text).join(' ')}`);
    }
  }
});

test('hand-checked: lowercase keeps offsets; a collapsed run of spaces belongs to the token holding it', () => {
  const lower = withNormalizer(NORMALIZERS['NFKC+Lowercase']);
  const text = 'THE Fox';
  const doc = lower.encode(text);
  assert.equal(Array.from(doc.ids, (id) => lower.tokenText(id)).join('|'), 't|he| fox');
  assert.deepEqual(describe(doc, text), ['"T"[0,1)', '"HE"[1,3)', '" Fox"[3,7)']);
  const collapse = withNormalizer(NORMALIZERS['Replace regex']);
  const spaced = 'a    b';
  const d = collapse.encode(spaced);
  assert.equal(Array.from(d.ids, (id) => collapse.tokenText(id)).join('|'), 'a| |b');
  assert.deepEqual(describe(d, spaced), ['"a"[0,1)', '"    "[1,5)', '"b"[5,6)']);
});
