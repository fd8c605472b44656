/**
 * `markov-lens analyze FILE --layers` (issue 17): the JSON "layers" block ([layer][token] matrices
 * in the order of `tokens`), a CSV row per token and layer, the text view of a --range, the lens
 * off with its reason (exit 0, the analysis intact), and bad flags as exit 2.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type CliRun, runCli } from './runCli';

const repo = join(__dirname, '..', '..', '..', '..');
const models = join(repo, 'test', 'fixtures', 'models');
const gpt2 = join(models, 'gpt2-bytelevel');
let work: string;
let input: string;

const cli = (...argv: string[]): Promise<CliRun> => runCli(argv);

before(() => {
  work = mkdtempSync(join(tmpdir(), 'ml-cli-layers-'));
  input = join(work, 'doc.txt');
  writeFileSync(input, 'The model reads the text, one token at a time, and predicts the next one.\n');
});
after(() => rmSync(work, { recursive: true, force: true }));

interface LayersJson { count: number; labels: string[]; nll: Array<Array<number | null>>; entropy: Array<Array<number | null>>; rank: number[][]; top1: number[][]; klToFinal: number[][]; depth: number[]; off?: boolean; reason?: string }

test('--layers --format json adds the layers block, [layer][token] in the order of tokens', async () => {
  const r = await cli('analyze', input, '--model', gpt2, '--format', 'json', '--layers');
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { tokens: Array<{ nll: number; entropy: number; rank: number; top: Array<[number, number]> }>; layers: LayersJson; model: { layers: number } };
  const L = doc.layers;
  const T = doc.tokens.length;
  assert.equal(L.count, doc.model.layers + 1);
  assert.deepEqual(L.labels, ['embedding', 'block 1', 'block 2']);
  for (const key of ['nll', 'entropy', 'rank', 'top1', 'klToFinal'] as const) {
    assert.equal(L[key].length, L.count, key);
    for (const row of L[key]) assert.equal(row.length, T, key);
  }
  assert.equal(L.depth.length, T);
  const last = L.count - 1;
  doc.tokens.forEach((t, i) => {
    assert.ok(Math.abs((L.nll[last][i] as number) - t.nll) <= 1e-5, `layer L nll of token ${i}`);
    assert.ok(Math.abs((L.entropy[last][i] as number) - t.entropy) <= 1e-5, `layer L entropy of token ${i}`);
    assert.equal(L.rank[last][i], t.rank);
    assert.equal(L.top1[last][i], t.top[0][0]);
    assert.equal(L.klToFinal[last][i], 0);
    assert.ok(L.depth[i] >= 0 && L.depth[i] <= last);
  });
  // Every matrix row sits on one line: the block stays readable for long documents.
  assert.match(r.stdout, /\n {6}\[[^\n]+\],\n/);
});

test('--layers --format csv writes one row per token and layer, with the top-1 text', async () => {
  const json = JSON.parse((await cli('analyze', input, '--model', gpt2, '--format', 'json', '--layers')).stdout) as { tokens: Array<{ text: string }>; layers: LayersJson };
  const r = await cli('analyze', input, '--model', gpt2, '--format', 'csv', '--layers');
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\r\n');
  assert.equal(lines[0], 'index,id,text,start,end,layer,label,nll,entropy,rank,top1,top1_text,kl_to_final,depth');
  const L = json.layers;
  // Token texts here hold no comma, quote or newline except the last ("\n"), so split the rows up to it.
  const rows = lines.slice(1);
  assert.ok(rows.length >= (json.tokens.length - 1) * L.count);
  const first = rows[L.count + 1].split(','); // token 1, layer 1
  assert.equal(first[0], '1');
  assert.equal(first[5], '1');
  assert.equal(first[6], 'block 1');
  assert.equal(Number(first[7]), L.nll[1][1]);
  assert.equal(Number(first[10]), L.top1[1][1]);
  assert.equal(Number(first[13]), L.depth[1]);
});

test('--layers --format text prints a layers × tokens view of --range, final layer on top', async () => {
  const r = await cli('analyze', input, '--model', gpt2, '--layers', '--range', '2:6', '--no-color');
  assert.equal(r.code, 0, r.stderr);
  const view = r.stdout.slice(r.stdout.indexOf('layer lens: tokens 2..5'));
  assert.ok(view.length > 0, r.stdout);
  const lines = view.split('\n').filter(Boolean);
  assert.match(lines[1], /^token {5}/);
  assert.deepEqual(lines.slice(2, 6).map(l => l.slice(0, 10).trim()), ['block 2', 'block 1', 'embedding', 'depth']);
  assert.equal(lines[2].length, 10 + 4 * 11);
  const whole = await cli('analyze', input, '--model', gpt2, '--layers', '--no-color');
  assert.match(whole.stdout, /layer lens: tokens 0\.\.15 of/);
});

test('the lens off (ambiguous residual stream): exit 0, the analysis intact, the reason in JSON and on stderr', async () => {
  const r = await cli('analyze', input, '--model', join(models, 'gpt2-lens-ambiguous'), '--format', 'json', '--layers');
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { tokens: unknown[]; layers: LayersJson };
  assert.ok(doc.tokens.length > 10);
  assert.equal(doc.layers.off, true);
  assert.match(doc.layers.reason!, /ambiguous/);
  assert.match(r.stderr, /gpt2-lens-ambiguous: the layer lens is off for this model: .*ambiguous/);
  const text = await cli('analyze', input, '--model', join(models, 'gpt2-lens-ambiguous'), '--layers', '--no-color');
  assert.match(text.stdout, /\nthe layer lens is off for this model: the residual stream is ambiguous/);
});

test('BAD CALL - --range without --layers, a malformed range, a range past the end: exit 2 naming the problem', async () => {
  for (const [args, message] of [
    [['--range', '0:4'], /--range: only meaningful with --layers --format text/],
    [['--layers', '--format', 'json', '--range', '0:4'], /--range: only meaningful with --layers --format text/],
    [['--layers', '--range', 'a:b'], /--range: expected START:END/],
    [['--layers', '--range', '5:5'], /END must be greater than START/],
    [['--layers', '--range', '900:'], /--range starts at token 900, but the document has \d+ tokens/],
  ] as const) {
    const r = await cli('analyze', input, '--model', gpt2, ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
