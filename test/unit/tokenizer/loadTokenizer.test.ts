/** loadTokenizer on the hand-made fixture tokenizers: prefix token, vocabulary, display text, errors. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isInputError } from '../../../src/core/errors';
import { loadTokenizer, loadTokenizerSync } from '../../../src/model/tokenizer';
import { FIXTURES, tokenizerDir } from './tokenizerFixtures';

const fixtureJson = (name: string) => JSON.parse(readFileSync(join(tokenizerDir(name), 'tokenizer.json'), 'utf8')) as Record<string, unknown>;

/** A temporary model folder with the given files (objects are written as JSON). */
function folder(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ml-tok-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

test('prefix token: the template BOS for Llama-style, else <|endoftext|>; never the appended EOS of a T5-style template', async () => {
  const llama = await loadTokenizer(tokenizerDir('llama-metaspace'), {});
  assert.equal(llama.prefixTokenId, 1);
  assert.equal(llama.tokenText(1), '<s>');
  const gpt2 = await loadTokenizer(tokenizerDir('gpt2-bytelevel'), {});
  assert.equal(gpt2.tokenText(gpt2.prefixTokenId), '<|endoftext|>');
  // Unigram fixture: the template appends </s> (id 1); config.bos_token_id wins over the EOS fallback.
  assert.equal(loadTokenizerSync(tokenizerDir('unigram-nfkc'), { bos_token_id: 0 }).prefixTokenId, 0);
  assert.equal(loadTokenizerSync(tokenizerDir('unigram-nfkc'), {}).prefixTokenId, 1); // eos_token from tokenizer_config
  // Qwen-style: no BOS anywhere; config.bos_token_id names <|endoftext|>, and the EOS (<|im_start|> here) is not used.
  const qwen = loadTokenizerSync(tokenizerDir('qwen-nfc'), {});
  assert.equal(qwen.tokenText(qwen.prefixTokenId), '<|endoftext|>');
});

test('the prefix is never doubled: encode adds no special token, even for a Llama-style template', () => {
  const llama = loadTokenizerSync(tokenizerDir('llama-metaspace'), {});
  const doc = llama.encode('hello');
  assert.ok(!Array.from(doc.ids).includes(1));
  assert.equal(llama.encode('').ids.length, 0);
});

test('vocabSize is max id + 1 over the vocabulary and the added tokens', () => {
  const json = fixtureJson('gpt2-bytelevel') as { added_tokens: Array<{ id: number }> };
  const maxAdded = Math.max(...json.added_tokens.map((t) => t.id));
  assert.equal(loadTokenizerSync(tokenizerDir('gpt2-bytelevel'), {}).vocabSize, maxAdded + 1);
  const unigram = fixtureJson('unigram-nfkc') as { model: { vocab: unknown[] } };
  assert.equal(loadTokenizerSync(tokenizerDir('unigram-nfkc'), {}).vocabSize, unigram.model.vocab.length);
});

test('tokenText decodes the token bytes: byte-level, byte fallback, ▁ as a space, a partial byte as U+FFFD', () => {
  const gpt2 = loadTokenizerSync(tokenizerDir('gpt2-bytelevel'), {});
  const ids = gpt2.encode(' fox 😀').ids;
  assert.equal(gpt2.tokenText(ids[0]), ' fox');
  assert.equal(gpt2.tokenText(ids[2]), '\uFFFD'); // F0, the first byte of the emoji
  const llama = loadTokenizerSync(tokenizerDir('llama-metaspace'), {});
  const l = llama.encode('the fox\n');
  assert.deepEqual(Array.from(l.ids, (id) => llama.tokenText(id)), [' the', ' fox', '\n']);
});

test('special-token strings in the document are text, not control tokens', () => {
  const gpt2 = loadTokenizerSync(tokenizerDir('gpt2-bytelevel'), {});
  const doc = gpt2.encode('a<|endoftext|>b');
  assert.ok(!Array.from(doc.ids).includes(gpt2.prefixTokenId));
  assert.equal(Array.from(doc.ids, (id) => gpt2.tokenText(id)).join(''), 'a<|endoftext|>b');
  const llama = loadTokenizerSync(tokenizerDir('llama-metaspace'), {});
  assert.ok(!Array.from(llama.encode('<s> </s>').ids).some((id) => id === 1 || id === 2));
});

test('a non-special added token still splits the text and keeps its exact span', () => {
  const gpt2 = loadTokenizerSync(tokenizerDir('gpt2-bytelevel'), {});
  const text = 'ab<tab4>cd';
  const doc = gpt2.encodeDetailed(text);
  const added = Array.from(doc.ids).findIndex((id) => gpt2.tokenText(id) === '<tab4>');
  assert.ok(added > 0);
  assert.deepEqual([doc.starts[added], doc.ends[added]], [2, 8]);
  assert.equal(doc.exact, true);
});

test('errors: a folder without tokenizer.json, invalid JSON, an unsupported model type', async () => {
  const empty = folder({});
  const bad = folder({ 'tokenizer.json': '{"model": ' });
  const badConfig = folder({ 'tokenizer.json': fixtureJson('gpt2-bytelevel'), 'tokenizer_config.json': 'nope' });
  const unsupported = folder({ 'tokenizer.json': { ...fixtureJson('gpt2-bytelevel'), model: { type: 'CharLevel', vocab: {} } } });
  try {
    await assert.rejects(loadTokenizer(empty, {}), (e: unknown) => isInputError(e) && e.code === 'tokenizer-missing' && e.message === `${empty}: no tokenizer.json in the model folder`);
    const invalid = (dir: string, file: string, words: RegExp) => (e: unknown) =>
      isInputError(e) && e.code === 'tokenizer-invalid' && e.message.startsWith(`${join(dir, file)}: `) && words.test(e.message) && !e.message.includes('\n');
    await assert.rejects(loadTokenizer(bad, {}), invalid(bad, 'tokenizer.json', /invalid JSON/));
    assert.throws(() => loadTokenizerSync(badConfig, {}), invalid(badConfig, 'tokenizer_config.json', /invalid JSON/));
    await assert.rejects(loadTokenizer(unsupported, {}), invalid(unsupported, 'tokenizer.json', /unsupported tokenizer model type "CharLevel"/));
    const truncated = join(FIXTURES, 'models', 'bad-tokenizer'); // the model fixtures' truncated tokenizer.json
    await assert.rejects(loadTokenizer(truncated, {}), invalid(truncated, 'tokenizer.json', /invalid JSON/));
  } finally {
    for (const d of [empty, bad, badConfig, unsupported]) rmSync(d, { recursive: true, force: true });
  }
});

test('a tokenizer.json that omits its null components still loads', () => {
  const json = fixtureJson('gpt2-bytelevel');
  delete json.normalizer;
  delete json.post_processor;
  const dir = folder({ 'tokenizer.json': json });
  try {
    assert.deepEqual(Array.from(loadTokenizerSync(dir, {}).encode('the fox').ids), Array.from(loadTokenizerSync(tokenizerDir('gpt2-bytelevel'), {}).encode('the fox').ids));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an old-format Metaspace with add_prefix_space: false gets no dummy prefix (as the Rust library reads it)', () => {
  const json = fixtureJson('llama-metaspace');
  const legacy = (addPrefix: boolean) => folder({ 'tokenizer.json': { ...json, pre_tokenizer: { type: 'Metaspace', replacement: '▁', add_prefix_space: addPrefix } } });
  const [without, withPrefix] = [legacy(false), legacy(true)];
  try {
    const a = loadTokenizerSync(without, {}).encodeDetailed('the fox');
    const b = loadTokenizerSync(withPrefix, {}).encodeDetailed('the fox');
    assert.equal(loadTokenizerSync(without, {}).tokenText(a.ids[0]).startsWith(' '), false);
    assert.equal(loadTokenizerSync(withPrefix, {}).tokenText(b.ids[0]).startsWith(' '), true);
    assert.ok(a.exact && b.exact);
    assert.deepEqual([a.starts[0], b.starts[0], a.ends[a.ids.length - 1], b.ends[b.ids.length - 1]], [0, 0, 7, 7]);
  } finally {
    for (const d of [without, withPrefix]) rmSync(d, { recursive: true, force: true });
  }
});

test('BPE without byte fallback: a bare <unk> still covers the characters it replaced', () => {
  const json = fixtureJson('llama-metaspace') as { model: Record<string, unknown> };
  const dir = folder({ 'tokenizer.json': { ...json, model: { ...json.model, byte_fallback: false } } });
  try {
    const tok = loadTokenizerSync(dir, {});
    const text = 'a\tb 中文 the end';
    const doc = tok.encodeDetailed(text);
    const unknown = Array.from(doc.ids).flatMap((id, i) => (tok.tokenText(id) === '<unk>' ? [text.slice(doc.starts[i], doc.ends[i])] : []));
    assert.deepEqual(unknown, ['\t', '中文']);
    assert.equal(doc.exact, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
