/**
 * Hostile documents and settings: refused before any model work with a one-line message naming the
 * file or setting, or analysed with spans that exactly cover the text (never a silent wrong number).
 * Engine cases run through the real worker; CLI cases through main().
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TokenRecord } from '../../../src/core/analysis';
import { decodeDocument, utf8Length } from '../../../src/core/document';
import { checkDocumentBytes, checkDocumentText } from '../../../src/extension/documentCheck';
import type { LanguageModelEngine } from '../../../src/model/api';
import { openModel } from '../../../src/model/client/openModel';
import { loadTokenizerSync } from '../../../src/model/tokenizer';
import { readModelConfig } from '../../../src/model/load/config';
import { assertInputError, FIXTURES, removeScratch, scratch } from './hostileFixtures';
import { type CliRun, runCli } from '../cli/runCli';

const GPT2 = join(FIXTURES, 'gpt2-bytelevel');
let engine: LanguageModelEngine;
let work: string;

before(async () => {
  engine = await openModel(GPT2, { intraOpThreads: 1 });
  work = scratch('docs');
});
after(async () => {
  await engine.dispose();
  removeScratch();
});

/** Spans in order, contiguous, covering [0, text.length): nothing dropped, nothing doubled. */
function assertCovers(tokens: readonly { start: number; end: number }[], text: string): void {
  let at = 0;
  for (const t of tokens) {
    assert.equal(t.start, at, `gap or overlap at ${at}`);
    assert.ok(t.end >= t.start);
    at = t.end;
  }
  assert.equal(at, text.length);
}

function finite(tokens: readonly TokenRecord[]): boolean {
  return tokens.every(t => t.nll !== null && Number.isFinite(t.nll) && t.entropy !== null && Number.isFinite(t.entropy));
}

const cli = (...argv: string[]): Promise<CliRun> => runCli(argv);

function file(name: string, content: string | Uint8Array): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

async function cliRefuses(path: string, problem: RegExp, ...extra: string[]): Promise<void> {
  const r = await cli('analyze', path, '--model', GPT2, ...extra);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '', 'no partial output on refusal');
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, problem);
}

// ---- refused documents ----

test('document: binary (NUL bytes) is refused by the core, the CLI and the extension check', async () => {
  const bytes = Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x41]);
  assert.throws(() => decodeDocument(bytes, 'a.zip'), e => assertInputError(e, 'document-binary', 'a.zip', /NUL byte at offset 4/));
  assert.throws(() => checkDocumentBytes('a.zip', bytes.length, bytes, 1024), e => assertInputError(e, 'document-binary', 'a.zip', /binary/));
  await cliRefuses(file('a.zip', bytes), /a\.zip.*binary/);
});

test('document: invalid UTF-8 is refused with the byte offset', async () => {
  const bytes = Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from(' au lait')]); // Latin-1 é
  assert.throws(() => decodeDocument(bytes, 'latin1.txt'), e => assertInputError(e, 'document-encoding', 'latin1.txt', /not valid UTF-8 .*at byte 3/));
  await cliRefuses(file('latin1.txt', bytes), /latin1\.txt.*UTF-8/);
});

test('document: an overlong encoding and an encoded surrogate are invalid UTF-8 too', () => {
  assert.throws(() => decodeDocument(Uint8Array.from([0xc0, 0xaf]), 'overlong.txt'), e => assertInputError(e, 'document-encoding', 'overlong.txt', /UTF-8/));
  assert.throws(() => decodeDocument(Uint8Array.from([0x61, 0xed, 0xa0, 0x80]), 'cesu.txt'), e => assertInputError(e, 'document-encoding', 'cesu.txt', /UTF-8/));
});

test('document: huge files are refused before reading (CLI --max-bytes, extension maxFileSizeKB)', async () => {
  const big = file('big.txt', 'x'.repeat(5000));
  await cliRefuses(big, /big\.txt.*5000 bytes, more than the limit of 4096/, '--max-bytes', '4096');
  assert.throws(() => checkDocumentBytes('big.txt', 2 * 1024 * 1024, new Uint8Array(8), 1024), e => assertInputError(e, 'document-too-large', 'big.txt', /over the markovLens\.maxFileSizeKB limit of 1024 KB/));
  assert.throws(() => decodeDocument(new Uint8Array(11), 'n.txt', 10), e => assertInputError(e, 'document-too-large', 'n.txt', /11 bytes/));
});

test('document: a folder or a missing path given as the file', async () => {
  await cliRefuses(work, /is a folder, not a text file/);
  await cliRefuses(join(work, 'absent.txt'), /absent\.txt: file not found/);
});

test('document: empty — the editor refuses it, the engine gives zero tokens and null figures (no NaN)', async () => {
  assert.throws(() => checkDocumentText('empty.txt', ''), e => assertInputError(e, 'document-missing', 'empty.txt', /empty/));
  const a = await engine.analyze({ text: '' });
  assert.equal(a.tokens.length, 0);
  assert.deepEqual([a.summary.tokens, a.summary.meanNll, a.summary.perplexity, a.summary.bitsPerByte], [0, null, null, null]);
  const r = await cli('analyze', file('empty.txt', ''), '--model', GPT2, '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).tokens.length, 0);
});

// ---- degenerate but valid documents ----

test('document: one character is one scored token', async () => {
  const a = await engine.analyze({ text: 'x' });
  assert.equal(a.tokens.length, 1);
  assertCovers(a.tokens, 'x');
  assert.ok(finite(a.tokens));
});

test('document: only whitespace is scored and covered exactly', async () => {
  const text = '   \n\t  \r\n\u00a0\u3000';
  const a = await engine.analyze({ text });
  assertCovers(a.tokens, text);
  assert.ok(a.tokens.length >= 4 && finite(a.tokens));
  assert.equal(a.utf8Bytes, Buffer.byteLength(text));
});

test('document: lone surrogates (possible in an editor buffer) count as U+FFFD and the spans still cover the text', async () => {
  for (const text of ['a\ud800b\udc00c', '\udc00', 'end\ud83d']) {
    const a = await engine.analyze({ text });
    assertCovers(a.tokens, text);
    assert.ok(finite(a.tokens));
    assert.equal(a.utf8Bytes, utf8Length(text));
    assert.equal(a.utf8Bytes, Buffer.byteLength(text)); // Node also encodes a lone surrogate as EF BF BD
  }
});

test('document: HTML, script tags and quotes are text like any other (offsets into the raw string)', async () => {
  const text = '<script>document.title="pwned"</script><img src=x onerror="alert(1)"> <a href="javascript:alert(2)">\'"&amp;</a>';
  const a = await engine.analyze({ text });
  assertCovers(a.tokens, text);
  assert.equal(a.tokens.map(t => text.slice(t.start, t.end)).join(''), text);
});

test('document: a single 1 MB line tokenizes in bounded time with exact coverage', () => {
  const tokenizer = loadTokenizerSync(GPT2, readModelConfig(GPT2).raw);
  const line = 'the quick brown fox jumps over the lazy dog, '.repeat(Math.ceil((1 << 20) / 45)).slice(0, 1 << 20);
  const started = performance.now();
  const doc = tokenizer.encode(line);
  const ms = performance.now() - started;
  assert.ok(doc.ids.length > 100_000, `${doc.ids.length} tokens`);
  assert.equal(doc.starts[0], 0);
  assert.equal(doc.ends[doc.ids.length - 1], line.length);
  for (let i = 1; i < doc.ids.length; i++) if (doc.starts[i] !== doc.ends[i - 1]) assert.fail(`gap at token ${i}`);
  assert.ok(ms < 60_000, `${ms.toFixed(0)} ms`);
});

// ---- settings ----

const badSettings: Array<[string, Record<string, number>, string, RegExp]> = [
  ['window smaller than stride', { window: 8, stride: 16 }, 'stride', /16 must not exceed the window of 8/],
  ['top-k 10^6', { topK: 1e6 }, 'top-k', /from 0 to 1000, got 1000000/],
  ['top-k negative', { topK: -1 }, 'top-k', /got -1/],
  ['top-k NaN', { topK: NaN }, 'top-k', /got NaN/],
  ['window 1', { window: 1 }, 'window', /at least 2 tokens/],
  ['window fractional', { window: 2.5 }, 'window', /whole number/],
  ['window past the learned positions', { window: 1e9 }, 'window', /exceeds the model's context length of 64/],
  ['stride 0', { window: 8, stride: 0 }, 'stride', /at least 1 token/],
];

for (const [name, settings, subject, problem] of badSettings) {
  test(`settings: ${name} is refused naming the setting, and the worker keeps serving`, async () => {
    await assert.rejects(engine.analyze({ text: 'Some text.', ...settings }), e => assertInputError(e, 'settings-invalid', subject, problem));
  });
}

test('settings: top-k 0 is valid (metrics, no predictions)', async () => {
  const a = await engine.analyze({ text: 'Some text.', topK: 0 });
  assert.ok(a.tokens.length > 0 && finite(a.tokens) && a.tokens.every(t => t.top.length === 0));
});

test('settings: the CLI refuses the same values with exit 2 and no output', async () => {
  const doc = file('s.txt', 'Some text.');
  await cliRefuses(doc, /--top-k|top-k/, '--top-k', '1000000');
  await cliRefuses(doc, /stride/, '--window', '8', '--stride', '16');
  await cliRefuses(doc, /--window: expected a whole number/, '--window', '-3');
  await cliRefuses(doc, /--top-k: expected a whole number/, '--top-k', '1e3');
});
