/**
 * Long SentencePiece-style documents are encoded in pieces (src/model/tokenizer/chunkedEncoding.ts):
 * the ids and spans must equal whole-text encoding, and a megabyte must not overflow the stack.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Tokenizer } from '@huggingface/tokenizers';
import { ChunkedEncoder } from '../../../src/model/tokenizer/chunkedEncoding';
import { loadTokenizerSync } from '../../../src/model/tokenizer';
import { assertTiles, tokenizerDir } from './tokenizerFixtures';

const SENTENCEPIECE = ['llama-metaspace', 'llama-prepend', 'unigram-nfkc'];

const SAMPLE = [
  'The quick brown fox jumps over the lazy dog.\nLe renard brun saute, déjà l\'été.\r\n',
  '  Indented line\twith tabs\n\n\nand blank lines; 12345 numbers, Größe, ΟΔΟΣ, 中文 😀 👩‍👩‍👧\n',
  'special strings: <s> </s> <unk> ▁ literal ▁▁, ﬁ Ａ ｶﾞ e\u0301\n',
].join('');

test('encoding in pieces gives the same ids and spans as whole-text encoding', () => {
  let text = '';
  while (text.length < 20000) text += SAMPLE;
  for (const name of SENTENCEPIECE) {
    const whole = loadTokenizerSync(tokenizerDir(name), {}, { chunk: Number.MAX_SAFE_INTEGER }).encodeDetailed(text);
    for (const chunk of [5, 64, 1000]) {
      const pieces = loadTokenizerSync(tokenizerDir(name), {}, { chunk }).encodeDetailed(text);
      assert.deepEqual(pieces.ids, whole.ids, `${name} chunk ${chunk}: ids`);
      assert.deepEqual([pieces.starts, pieces.ends, pieces.partial], [whole.starts, whole.ends, whole.partial], `${name} chunk ${chunk}: spans`);
    }
  }
});

test('cuts are made only where no merge or piece can span them, and there are many on ordinary text', () => {
  const json = JSON.parse(readFileSync(join(tokenizerDir('llama-metaspace'), 'tokenizer.json'), 'utf8'));
  const documentJson = { ...json, added_tokens: [] };
  const encoder = new ChunkedEncoder(new Tokenizer(documentJson, {}), documentJson, {}, 64);
  const text = SAMPLE.repeat(20);
  const cuts = encoder.cutPositions(text);
  assert.ok(cuts.length > text.length / 200, `${cuts.length} cuts`);
  for (const p of cuts) {
    // Each cut lies between two ASCII characters (normalizers act on those independently).
    assert.ok(text.charCodeAt(p - 1) < 0x80 && text.charCodeAt(p) < 0x80);
  }
  // Byte-level tokenizers split into words already: no cuts.
  const gpt2 = JSON.parse(readFileSync(join(tokenizerDir('gpt2-bytelevel'), 'tokenizer.json'), 'utf8'));
  const gpt2Doc = { ...gpt2, added_tokens: [] };
  assert.equal(new ChunkedEncoder(new Tokenizer(gpt2Doc, {}), gpt2Doc, {}, 64).cutPositions(text).length, 0);
});

test('a megabyte of text on the Unigram tokenizer (which overflows the stack in one piece) encodes and tiles', () => {
  let text = '';
  while (text.length < 1_000_000) text += SAMPLE;
  const tok = loadTokenizerSync(tokenizerDir('unigram-nfkc'), {});
  // No time limit here: speed is measured in bench/, and a loaded machine must not fail a test.
  const doc = tok.encodeDetailed(text);
  assertTiles(doc, text, 'unigram 1 MB');
  assert.equal(doc.exact, true);
});
