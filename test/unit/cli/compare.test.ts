/**
 * `markov-lens compare` end to end through main(): the JSON schema markov-lens/comparison@1, CSV
 * and text outputs, both tokenizer cases, and bad input: exit 2, one stderr line naming the model
 * or file, nothing on stdout.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type CliRun, runCli } from './runCli';

const repo = join(__dirname, '..', '..', '..', '..');
const models = join(repo, 'test', 'fixtures', 'models');
const gpt2 = join(models, 'gpt2-bytelevel');
const noisy = join(models, 'gpt2-bytelevel-noisy');
const llama = join(models, 'llama-metaspace');
let work: string;
let input: string;

const cli = (...argv: string[]): Promise<CliRun> => runCli(argv);

before(() => {
  work = mkdtempSync(join(tmpdir(), 'ml-compare-cli-'));
  input = join(work, 'doc.txt');
  writeFileSync(input, 'Models disagree here and there. Où? Partout: “quotes”, emoji 🎉 and tabs\tend.\n');
});
after(() => rmSync(work, { recursive: true, force: true }));

test('json: markov-lens/comparison@1 with both models, per-token divergences and the llama.cpp summary', async () => {
  const r = await cli('compare', input, '--model', gpt2, '--against', noisy, '--format', 'json', '--top-k', '2');
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.schema, 'markov-lens/comparison@1');
  assert.equal(doc.models.model.name, 'gpt2-bytelevel');
  assert.equal(doc.models.against.name, 'gpt2-bytelevel-noisy');
  assert.equal(doc.input.path, input);
  assert.equal(doc.tokenizer.same, true);
  assert.deepEqual(doc.scoring.contexts, { model: 64, against: 64 });
  assert.equal(doc.segments, undefined);
  const t = doc.tokens[3];
  for (const key of ['index', 'id', 'text', 'start', 'end', 'partial', 'context', 'kl', 'klReverse', 'js', 'tv', 'acceptance', 'dNll', 'dP', 'sameTop1']) assert.ok(key in t, key);
  assert.equal(t.model.top.length, 2);
  assert.equal(t.against.top.length, 2);
  assert.ok(Math.abs(t.dNll - (t.against.nll - t.model.nll)) < 1e-12);
  assert.ok(Math.abs(t.acceptance - (1 - t.tv)) < 1e-12);
  const s = doc.summary;
  assert.equal(s.tokens, doc.tokens.length);
  for (const key of ['mean', 'se', 'max', 'p999', 'p99', 'p95', 'p90', 'median', 'p10', 'p5', 'p1', 'p01', 'min']) assert.equal(typeof s.kld[key], 'number', `kld.${key}`);
  for (const key of ['mean', 'se', 'rms', 'max', 'median', 'min']) assert.equal(typeof s.dp[key], 'number', `dp.${key}`);
  assert.equal(typeof s.pplRatio, 'number');
  assert.equal(typeof s.lnPplCorrelation, 'number');
  assert.deepEqual(Object.keys(s.meanLnPplRatio), ['mean', 'se']);
  assert.deepEqual(Object.keys(s.sameTop1), ['value', 'se']);
  assert.equal(s.acceptance.gamma, 4);
  assert.equal(s.detection.status, 'heuristic');
  assert.equal(s.detection.binoculars.observer, 'model');
  assert.ok(Math.abs(s.detection.fastDetectGpt.model.criterion + s.detection.fastDetectGpt.model.martingaleZ) < 1e-12);
});

test('json across tokenizers: segments tile the text, per-token statistics are null with the reason', async () => {
  const r = await cli('compare', input, '--model', gpt2, '--against', llama, '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.tokenizer.same, false);
  assert.equal(doc.tokens, undefined);
  assert.equal(doc.segments[0].start, 0);
  for (let k = 1; k < doc.segments.length; k++) assert.equal(doc.segments[k].start, doc.segments[k - 1].end);
  assert.equal(doc.segments.at(-1).end, doc.input.utf16Length);
  assert.deepEqual(Object.keys(doc.segments[0]).slice(0, 5), ['start', 'end', 'nllModel', 'nllAgainst', 'dNll']);
  assert.equal(doc.summary.kld, null);
  assert.match(doc.summary.undefinedReason, /different tokenizers/);
  assert.ok(doc.summary.bitsPerByte.model > 0 && doc.summary.bitsPerByte.against > 0);
  assert.equal(doc.summary.detection.binoculars, null);
});

test('csv: a row per token (or segment); text: the heatmap above a llama.cpp-style block', async () => {
  const csv = await cli('compare', input, '--model', gpt2, '--against', noisy, '--format', 'csv');
  assert.equal(csv.code, 0, csv.stderr);
  const lines = csv.stdout.trimEnd().split('\r\n');
  assert.match(lines[0], /^index,id,text,start,end,partial,context,nll_model,nll_against,.*,kl,kl_reverse,js,tv,acceptance,dnll,dp,same_top1/);
  const segments = await cli('compare', input, '--model', gpt2, '--against', llama, '--format', 'csv');
  assert.match(segments.stdout.split('\r\n')[0], /^start,end,text,nll_model,nll_against,dnll/);
  const text = await cli('compare', input, '--model', gpt2, '--against', noisy, '--format', 'text', '--color');
  assert.equal(text.code, 0);
  assert.match(text.stdout, /\x1b\[30;48;5;\d+m/, 'coloured by KL');
  for (const line of ['====== Perplexity statistics ======', 'Mean PPL(Q)/PPL(base)', 'Cor(ln(PPL(Q)), ln(PPL(base)))', 'Mean    KLD:', '99.9%   KLD:', 'Median  KLD:', ' 0.1%   KLD:', 'Minimum KLD:', 'RMS Δp    :', 'Same top p:', 'Binoculars']) {
    assert.ok(text.stdout.includes(line), line);
  }
});

test('comparing the bundled model with itself (no --model) shows zeros, not an error', async () => {
  const r = await cli('compare', input, '--against', join(repo, 'models', 'default'), '--format', 'json', '--top-k', '1');
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.ok(doc.tokens.every((t: { kl: number; tv: number }) => t.kl === 0 && t.tv === 0));
  assert.equal(doc.summary.pplRatio, 1);
});

test('bad input: exit 2, one line naming the model or the file, nothing written', async () => {
  const broken = join(work, 'broken');
  cpSync(gpt2, broken, { recursive: true });
  writeFileSync(join(broken, 'tokenizer.json'), '{ "model": ');
  const binary = join(work, 'binary.bin');
  writeFileSync(binary, Uint8Array.of(1, 2, 0, 4));
  const cases: Array<{ argv: string[]; says: RegExp }> = [
    { argv: ['compare', input, '--model', gpt2], says: /--against DIR .* is required/ },
    { argv: ['compare', input, '--model', gpt2, '--against', join(work, 'missing')], says: /^markov-lens: --against .*missing/ },
    { argv: ['compare', input, '--model', gpt2, '--against', broken], says: /^markov-lens: --against .*broken.*tokenizer\.json/ },
    { argv: ['compare', input, '--model', join(models, 'no-onnx'), '--against', gpt2], says: /^markov-lens: --model .*no-onnx/ },
    { argv: ['compare', input, '--model', gpt2, '--against', join(models, 'tokenizer-too-wide')], says: /^markov-lens: --against .*tokenizer-too-wide.*logits cover only 256/ },
    { argv: ['compare', binary, '--model', gpt2, '--against', noisy], says: /binary\.bin: looks binary/ },
    { argv: ['compare', input, '--model', gpt2, '--against', noisy, '--geometry'], says: /--geometry: not available with compare/ },
    { argv: ['compare', input, '--model', gpt2, '--against', noisy, '--window', '65'], says: /gpt2-bytelevel \(the base model\): window: 65 tokens exceeds the model's context length of 64/ },
  ];
  for (const c of cases) {
    const r = await cli(...c.argv);
    assert.equal(r.code, 2, `${c.argv.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '', 'nothing half-written');
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, c.says);
  }
});
