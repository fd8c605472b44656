/**
 * The CLI end to end: the real main() (model in a real worker), and the bundled dist/cli.js as a
 * process for exit codes. Every bad input gives exit 2 and one stderr line naming the file.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type CliRun, runCli } from './runCli';

const repo = join(__dirname, '..', '..', '..', '..');
const models = join(repo, 'test', 'fixtures', 'models');
const gpt2 = join(models, 'gpt2-bytelevel');
let work: string;

const cli = (...argv: string[]): Promise<CliRun> => runCli(argv);

function file(name: string, content: string | Uint8Array): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

/** A copy of the gpt2 fixture with one thing broken. */
function brokenCopy(name: string, breakIt: (dir: string) => void): string {
  const dir = join(work, name);
  cpSync(gpt2, dir, { recursive: true });
  breakIt(dir);
  return dir;
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'ml-cli-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

test('json output follows markov-lens/analysis@1', async () => {
  const input = file('ok.txt', 'Hello world, hello model.\n');
  const r = await cli('analyze', input, '--model', gpt2, '--format', 'json', '--top-k', '3');
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.schema, 'markov-lens/analysis@1');
  assert.equal(doc.input.path, input);
  assert.equal(doc.input.utf8Bytes, 26);
  assert.equal(doc.scoring.topK, 3);
  assert.equal(doc.model.name, 'gpt2-bytelevel');
  assert.equal(doc.tokens.length, doc.summary.tokens);
  assert.equal(doc.tokens[0].start, 0);
  assert.equal(doc.tokens.at(-1).end, 26);
  assert.ok(doc.tokens.every((t: { top: unknown[] }) => t.top.length === 3));
  assert.ok(Math.abs(doc.summary.perplexity - Math.exp(doc.summary.meanNll)) < 1e-9);
});

test('csv has a header and a row per token; text is a heatmap with --color and a table without', async () => {
  const input = file('csv.txt', 'one, "two"\nthree');
  const csv = await cli('analyze', input, '--model', gpt2, '--format', 'csv');
  assert.equal(csv.code, 0, csv.stderr);
  const json = JSON.parse((await cli('analyze', input, '--model', gpt2, '--format', 'json')).stdout);
  assert.ok(csv.stdout.startsWith('index,id,text,'));
  // Quoted fields may hold newlines: count records, not lines.
  const rows = csv.stdout.match(/^\d+,\d+,/gm) ?? [];
  assert.equal(rows.length, json.tokens.length);
  const colored = await cli('analyze', input, '--model', gpt2, '--color');
  assert.equal(colored.code, 0);
  assert.match(colored.stdout, /\x1b\[30;48;5;\d+m/);
  assert.match(colored.stdout, /tokens \| mean NLL/);
  const plain = await cli('analyze', input, '--model', gpt2);
  assert.ok(!plain.stdout.includes('\x1b['));
});

test('transformers.js layout: onnx/model.onnx by default, onnx/model_fp16.onnx with --variant fp16', async () => {
  const input = file('tjs.txt', 'Layouts differ, scores agree.');
  const tjs = join(models, 'gpt2-tjs');
  const plain = JSON.parse((await cli('analyze', input, '--model', tjs, '--format', 'json')).stdout);
  const half = JSON.parse((await cli('analyze', input, '--model', tjs, '--format', 'json', '--variant', 'fp16')).stdout);
  assert.equal(plain.model.dtype, 'float32');
  assert.equal(half.model.dtype, 'float16');
  assert.equal(plain.tokens.length, half.tokens.length);
  assert.ok(Math.abs(plain.summary.meanNll - half.summary.meanNll) < 0.05);
  await expectBad(['analyze', input, '--model', tjs, '--variant', 'q4'], 'model_q4.onnx', /available: onnx\/model.onnx/);
});

test('without --model the bundled default model is used (or its absence is said clearly)', async () => {
  const input = file('default.txt', 'The default model reads this.');
  const r = await cli('analyze', input, '--format', 'json');
  if (existsSync(join(repo, 'models', 'default', 'config.json'))) {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).model.path, join(repo, 'models', 'default'));
  } else {
    assert.equal(r.code, 2);
    assert.match(r.stderr, /models[\\/]default: the bundled default model is not installed; pass --model DIR/);
  }
});

test('an empty file is valid: zero tokens, null figures', async () => {
  const r = await cli('analyze', file('empty.txt', ''), '--model', gpt2, '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(doc.tokens, []);
  assert.equal(doc.summary.tokens, 0);
  assert.equal(doc.summary.meanNll, null);
  assert.equal(doc.summary.perplexity, null);
});

test('NaN logits give null metrics and a nonFinite count', async () => {
  const r = await cli('analyze', file('nan.txt', 'one, two. three, four'), '--model', join(models, 'nan-logits'), '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  const nulls = doc.tokens.filter((t: { nll: number | null }) => t.nll === null).length;
  assert.ok(nulls > 0);
  assert.equal(doc.summary.nonFinite, nulls);
});

/** Bad inputs: exit 2 and exactly one stderr line that names `subject`. */
async function expectBad(argv: string[], subject: string, pattern: RegExp): Promise<void> {
  const r = await cli(...argv);
  assert.equal(r.code, 2, `${argv.join(' ')}: exit ${r.code}, stderr ${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0].includes(subject), `"${lines[0]}" should name ${subject}`);
  assert.match(lines[0], pattern);
  assert.equal(r.stdout, '');
}

test('bad documents: binary, invalid UTF-8, too large, missing', async () => {
  await expectBad(['analyze', file('bin.dat', Uint8Array.from([0x41, 0, 0x42])), '--model', gpt2], 'bin.dat', /binary/);
  await expectBad(['analyze', file('latin1.txt', Uint8Array.from([0x63, 0x61, 0x66, 0xe9])), '--model', gpt2], 'latin1.txt', /UTF-8/);
  await expectBad(['analyze', file('big.txt', 'x'.repeat(100)), '--model', gpt2, '--max-bytes', '50'], 'big.txt', /limit of 50 bytes/);
  await expectBad(['analyze', join(work, 'nope.txt'), '--model', gpt2], 'nope.txt', /not found/);
});

test('bad model folders: missing, no .onnx, corrupt .onnx, tokenizer missing or invalid', async () => {
  const input = file('in.txt', 'text');
  await expectBad(['analyze', input, '--model', join(work, 'no-such-model')], 'no-such-model', /not found/);
  const noOnnx = brokenCopy('no-onnx', dir => rmSync(join(dir, 'model.onnx')));
  await expectBad(['analyze', input, '--model', noOnnx], 'no-onnx', /no \.onnx/);
  const truncated = brokenCopy('truncated', dir => truncateSync(join(dir, 'model.onnx'), 5000));
  await expectBad(['analyze', input, '--model', truncated], 'truncated', /not a valid ONNX model|corrupt/);
  const garbage = brokenCopy('garbage', dir => writeFileSync(join(dir, 'model.onnx'), 'this is not protobuf at all'.repeat(20)));
  await expectBad(['analyze', input, '--model', garbage], 'garbage', /not a valid ONNX model|corrupt/);
  const noTokenizer = brokenCopy('no-tokenizer', dir => rmSync(join(dir, 'tokenizer.json')));
  await expectBad(['analyze', input, '--model', noTokenizer], 'tokenizer.json', /tokenizer/);
  const badTokenizer = brokenCopy('bad-tokenizer', dir => writeFileSync(join(dir, 'tokenizer.json'), '{"model": '));
  await expectBad(['analyze', input, '--model', badTokenizer], 'tokenizer.json', /tokenizer|JSON/i);
});

test('bad settings: window over the context, stride over the window, geometry options, unknown flags', async () => {
  const input = file('s.txt', 'text');
  await expectBad(['analyze', input, '--model', gpt2, '--window', '65'], 'window', /context length of 64/);
  await expectBad(['analyze', input, '--model', gpt2, '--window', '8', '--stride', '9'], 'stride', /must not exceed/);
  await expectBad(['analyze', input, '--model', gpt2, '--kernel', 'haochen'], '--kernel', /only meaningful with --geometry/);
  await expectBad(['analyze', input, '--model', gpt2, '--geometry', '--kernel', 'cosine'], '--kernel', /prototype, bhattacharyya, haochen/);
  await expectBad(['analyze', input, '--model', gpt2, '--geometry', '--side', 'data', '--kernel', 'haochen'], '--side', /only the prototype kernel/);
  await expectBad(['analyze', input, '--bogus'], '--bogus', /unknown option/);
  await expectBad(['analyze', input, '--format', 'xml'], '--format', /json, csv or text/);
  await expectBad(['analyze', input, '--model', gpt2, '--threads', '0'], '--threads', /1 to 256/);
  await expectBad(['scan', input, '--model', gpt2, '--threads', 'many'], '--threads', /integer|number/);
});

test('--threads sets ONNX Runtime\'s intra-op threads; the numbers are the same', async () => {
  const input = file('threads.txt', 'The same text, scored with one thread and with two.');
  const [one, two] = await Promise.all(['1', '2'].map(n => cli('analyze', input, '--model', gpt2, '--format', 'json', '--threads', n)));
  assert.equal(one.code, 0, one.stderr);
  assert.equal(two.code, 0, two.stderr);
  assert.deepEqual(JSON.parse(two.stdout).tokens, JSON.parse(one.stdout).tokens);
});

test('a truncated external data file is refused before ORT sees it', async () => {
  const llama = join(models, 'llama-metaspace');
  const dir = join(work, 'short-data');
  cpSync(llama, dir, { recursive: true });
  const data = ['model.onnx_data', 'model.onnx.data'].map(n => join(dir, n)).find(existsSync);
  assert.ok(data, 'llama-metaspace carries external data');
  truncateSync(data, 1000);
  await expectBad(['analyze', file('short.txt', 'text'), '--model', dir], 'model.onnx', /bytes but the model needs/);
});

/** Fixture folders built by tools/make_fixtures.py that must be refused. */
const brokenFixtures: Array<[string, string, RegExp]> = [
  ['not-causal-lm', 'model.onnx', /not a causal language model/],
  ['bf16', 'model.onnx', /bfloat16/],
  ['tokenizer-too-wide', 'tokenizer.json', /do not match/],
  ['no-onnx', 'no-onnx', /no \.onnx/],
  ['missing-external-data', 'missing-external-data', /external data/],
  ['bad-tokenizer', 'tokenizer.json', /tokenizer|JSON/i],
];
for (const [name, subject, pattern] of brokenFixtures) {
  test(`fixture ${name} is refused with one line`, async () => {
    await expectBad(['analyze', file(`${name}.txt`, 'some text'), '--model', join(models, name)], subject, pattern);
  });
}

test('the bundled dist/cli.js exits 0 / 2 as a process', { skip: !existsSync(join(repo, 'dist', 'cli.js')) && 'run npm run build first' }, () => {
  const input = file('proc.txt', 'A short text.');
  const ok = spawnSync(process.execPath, [join(repo, 'dist', 'cli.js'), 'analyze', input, '--model', gpt2, '--format', 'json'], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).schema, 'markov-lens/analysis@1');
  const piped = spawnSync(process.execPath, [join(repo, 'dist', 'cli.js'), 'analyze', '-', '--model', gpt2, '--format', 'csv'], { input: 'A short text.', encoding: 'utf8' });
  assert.equal(piped.status, 0, piped.stderr);
  assert.equal(piped.stdout, spawnSync(process.execPath, [join(repo, 'dist', 'cli.js'), 'analyze', input, '--model', gpt2, '--format', 'csv'], { encoding: 'utf8' }).stdout);
  const bad = spawnSync(process.execPath, [join(repo, 'dist', 'cli.js'), 'analyze', input, '--model', join(work, 'missing')], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
});

test('a reader that closes the pipe early (| head) ends the CLI quietly with exit 0', { skip: !existsSync(join(repo, 'dist', 'cli.js')) && 'run npm run build first' }, async () => {
  const input = file('long-pipe.txt', 'A line of text for the pipe test.\n'.repeat(400));
  const child = spawn(process.execPath, [join(repo, 'dist', 'cli.js'), 'analyze', input, '--model', gpt2, '--format', 'csv'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', d => (stderr += d));
  // Like `head -1`: read the first chunk, then close our end while the CLI is still writing.
  await new Promise<void>(resolve => child.stdout.once('data', () => { child.stdout.destroy(); resolve(); }));
  const code = await new Promise<number | null>(resolve => child.on('close', c => resolve(c)));
  assert.equal(code, 0, stderr);
  assert.equal(stderr, '');
});
