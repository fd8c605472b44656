/**
 * markov-lens scan and merge through the real main() and, where processes matter (shards, signals),
 * as separate CLI processes: numbers equal analyze's, files that cannot be scored get lines, resume,
 * an interrupted scan, shards that partition and merge to the single scan, --words, progress.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readFound } from '../../../src/cli/scan/readFile';
import { parseLine, type FailedLine, type ScanLine, type ScoredLine } from '../../../src/core/scan/record';
import { cliScript, gpt2, repo, textFiles, writeTree } from './scanCorpus';
import { type CliRun, runCli } from '../cli/runCli';

let work: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'ml-scan-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

function cli(argv: string[], tty = false, intraOpThreads = 1): Promise<CliRun> {
  return runCli(argv, { tty, intraOpThreads });
}

const lines = (text: string): ScanLine[] => text.split('\n').filter(Boolean).map(l => parseLine(l)!);
const byPath = (ls: ScanLine[]): Map<string, ScanLine> => new Map(ls.map(l => [l.path, l]));
const folder = (name: string, files: Record<string, string | Uint8Array>): string => {
  const root = join(work, name);
  writeTree(root, files);
  return root;
};

test('every scored file\'s figures are analyze\'s exactly (two engine processes of two ONNX Runtime threads against one, several windows per file)', async () => {
  const root = folder('same', textFiles(8));
  const scan = await cli(['scan', root, '--model', gpt2, '--jobs', '2'], false, 2);
  assert.equal(scan.code, 0, scan.stderr);
  assert.equal(scan.stderr, '', 'no progress or summary in a pipe');
  const found = byPath(lines(scan.stdout));
  assert.equal(found.size, 8);
  for (const [path, content] of Object.entries(textFiles(8))) {
    const line = found.get(path) as ScoredLine;
    const analysis = JSON.parse((await cli(['analyze', join(root, path), '--model', gpt2, '--format', 'json'])).stdout);
    assert.equal(line.bitsPerByte, analysis.summary.bitsPerByte, path);
    assert.equal(line.meanNll, analysis.summary.meanNll, path);
    assert.equal(line.perplexity, analysis.summary.perplexity, path);
    assert.equal(line.meanEntropy, analysis.summary.meanEntropy, path);
    assert.equal(line.tokens, analysis.tokens.length, path);
    assert.equal(line.bytes, Buffer.byteLength(content));
    assert.equal(line.sha256, createHash('sha256').update(content).digest('hex'));
    assert.equal(line.model.window, analysis.scoring.window);
    // The hottest passage is the worst 16-token run of analyze's own NLLs.
    const nll: number[] = analysis.tokens.map((t: { nll: number }) => t.nll);
    let best = -Infinity;
    for (let i = 0; i + Math.min(16, nll.length) <= nll.length; i++) best = Math.max(best, nll.slice(i, i + Math.min(16, nll.length)).reduce((a, b) => a + b, 0) / Math.min(16, nll.length));
    assert.ok(Math.abs(line.hot[0].bitsPerToken - best / Math.LN2) < 1e-9, path);
  }
  // The bundled model on its shipped held-out sample: the README's figure.
  const sample = join(repo, 'models', 'default', 'heldout', 'python-textwrap.py');
  const bundled = lines((await cli(['scan', sample])).stdout)[0] as ScoredLine;
  const analysis = JSON.parse((await cli(['analyze', sample, '--format', 'json', '--top-k', '0'])).stdout);
  assert.equal(bundled.path, 'python-textwrap.py');
  assert.equal(bundled.bitsPerByte, analysis.summary.bitsPerByte);
  assert.equal(bundled.bitsPerByte!.toFixed(4), '1.9902');
});

test('binary, empty, too large and invalid UTF-8 files get their lines and the scan goes on; an unreadable file gets an error line', async () => {
  const good = textFiles(3);
  const root = folder('hostile', {
    ...good,
    'image.png': Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
    'empty.txt': '',
    'huge.txt': 'x'.repeat(5000),
    'latin1.txt': Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x0a]),
  });
  const r = await cli(['scan', root, '--model', gpt2, '--max-bytes', '4096']);
  assert.equal(r.code, 0, r.stderr);
  const found = byPath(lines(r.stdout));
  assert.deepEqual(found.get('image.png'), { schema: 'markov-lens/scan@1', path: 'image.png', sha256: createHash('sha256').update(readFileSync(join(root, 'image.png'))).digest('hex'), bytes: 12, skipped: 'binary', message: 'looks binary (a NUL byte at offset 8); only text files can be analysed' });
  const failed = (path: string) => found.get(path) as FailedLine;
  assert.equal(failed('huge.txt').skipped, 'too-large');
  assert.match(failed('huge.txt').message!, /5000 bytes, more than the limit of 4096/);
  assert.equal(failed('latin1.txt').skipped, 'invalid-utf8');
  const empty = found.get('empty.txt') as ScoredLine;
  assert.deepEqual([empty.tokens, empty.bitsPerByte, empty.hot], [0, null, []]);
  for (const path of Object.keys(good)) assert.equal(typeof (found.get(path) as ScoredLine).bitsPerByte, 'number', path);
  assert.equal(found.size, Object.keys(good).length + 4);
  const gone = await readFound({ path: 'gone.txt', absolute: join(root, 'gone.txt'), size: 3 }, 4096);
  assert.ok('line' in gone && gone.line.error === 'cannot read the file: ENOENT');
  const folderAsFile = await readFound({ path: 'docs', absolute: join(root, 'docs'), size: 3 }, 4096);
  assert.ok('line' in folderAsFile && folderAsFile.line.error === 'cannot read the file: EISDIR');
});

test('.gitignore (nested, with re-includes), --include, --exclude; .git folders and symbolic links are not followed', async () => {
  const root = folder('ignore', {
    '.gitignore': 'build/\n*.log\n!keep.log\n',
    'a.txt': 'alpha text', 'x.log': 'log', 'keep.log': 'kept log', 'build/out.txt': 'built',
    'sub/.gitignore': 'secret.txt\n!x.log\n', 'sub/secret.txt': 'secret', 'sub/x.log': 'sub log', 'sub/b.md': 'beta',
    '.git/config': '[core]', 'node_modules/m/index.js': 'module',
  });
  symlinkSync(join(root, 'a.txt'), join(root, 'link.txt'));
  const paths = async (...extra: string[]) => [...byPath(lines((await cli(['scan', root, '--model', gpt2, ...extra])).stdout)).keys()].sort();
  assert.deepEqual(await paths(), ['.gitignore', 'a.txt', 'keep.log', 'node_modules/m/index.js', 'sub/.gitignore', 'sub/b.md', 'sub/x.log']);
  assert.deepEqual(await paths('--exclude', 'node_modules', '--exclude', '.gitignore'), ['a.txt', 'keep.log', 'sub/b.md', 'sub/x.log']);
  assert.deepEqual(await paths('--include', '*.md', '--include', 'sub/*.log'), ['sub/b.md', 'sub/x.log']);
  // A file given by name, and a folder inside the root: paths relative to their common folder.
  assert.deepEqual([...byPath(lines((await cli(['scan', join(root, 'a.txt'), join(root, 'sub'), '--model', gpt2])).stdout)).keys()].sort(), ['a.txt', 'sub/.gitignore', 'sub/b.md', 'sub/x.log']);
});

test('resume: unchanged files are not scored again, a changed file gets a new line, --compact keeps the latest; another window rescored everything', async () => {
  const root = folder('resume', textFiles(5));
  const out = join(work, 'resume.jsonl');
  assert.equal((await cli(['scan', root, '--model', gpt2, '--output', out])).code, 0);
  const first = readFileSync(out, 'utf8');
  assert.equal(lines(first).length, 5);
  const again = await cli(['scan', root, '--model', gpt2, '--output', out], true);
  assert.equal(readFileSync(out, 'utf8'), first, 'nothing rescored');
  assert.match(again.stderr, /0 scored, 5 unchanged/);
  const changed = Object.keys(textFiles(5))[2];
  appendFileSync(join(root, changed), '\nA new closing line.');
  await cli(['scan', root, '--model', gpt2, '--output', out]);
  const after = lines(readFileSync(out, 'utf8'));
  assert.equal(after.length, 6);
  assert.equal(after[5].path, changed);
  assert.notEqual(after[5].sha256, lines(first).find(l => l.path === changed)!.sha256);
  assert.equal((await cli(['scan', '--compact', out])).code, 0);
  const compact = lines(readFileSync(out, 'utf8'));
  assert.equal(compact.length, 5);
  assert.equal(compact.find(l => l.path === changed)!.sha256, after[5].sha256);
  const ranks = compact.map(l => (l as ScoredLine).bitsPerByte!);
  assert.deepEqual(ranks, [...ranks].sort((a, b) => b - a), 'ranked worst first');
  await cli(['scan', root, '--model', gpt2, '--output', out, '--window', '32']);
  assert.equal(lines(readFileSync(out, 'utf8')).length, 10, 'other scoring settings: every file again');
});

function run(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise(resolve => {
    const child = spawn(process.execPath, [cliScript, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', d => (stderr += d));
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

test('four shard processes: disjoint, together the whole, and merged they equal the single scan (compacted)', async () => {
  const root = folder('shards', textFiles(24));
  const shards = [0, 1, 2, 3].map(i => join(work, `shard-${i}.jsonl`));
  const results = await Promise.all(shards.map((out, i) => run(['scan', root, '--model', gpt2, '--shard', `${i}/4`, '--output', out])));
  results.forEach((r, i) => assert.equal(r.code, 0, `shard ${i}: ${r.stderr}`));
  const parts = shards.map(s => lines(readFileSync(s, 'utf8')).map(l => l.path));
  const all = parts.flat();
  assert.equal(new Set(all).size, all.length, 'disjoint');
  assert.deepEqual(all.sort(), Object.keys(textFiles(24)).sort(), 'together the whole');
  assert.ok(parts.every(p => p.length > 0), `every shard has files: ${parts.map(p => p.length)}`);
  const single = join(work, 'single.jsonl');
  assert.equal((await run(['scan', root, '--model', gpt2, '--output', single])).code, 0);
  assert.equal((await run(['scan', '--compact', single])).code, 0);
  const merged = join(work, 'merged.jsonl');
  assert.equal((await cli(['merge', ...shards, '--output', merged])).code, 0);
  assert.equal(readFileSync(merged, 'utf8'), readFileSync(single, 'utf8'));
  const table = await cli(['merge', ...shards, '--format', 'text']);
  assert.match(table.stdout, /^bits\/byte/);
  assert.match(table.stdout, /24 files scored, 0 not scored\n$/);
});

test('an interrupted scan (two engines) leaves a valid file up to its last complete line, and the next run completes it', async () => {
  const root = folder('interrupt', textFiles(40));
  const out = join(work, 'interrupt.jsonl');
  // Its own process group, so that the interrupt reaches it and its engine process together, as Ctrl+C in a terminal does.
  const child = spawn(process.execPath, [cliScript, 'scan', root, '--model', gpt2, '--output', out, '--jobs', '2'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.on('data', d => (stderr += d));
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
  // Interrupt once a few files are done.
  for (let i = 0; i < 600 && !(existsSync(out) && lines(readFileSync(out, 'utf8')).length >= 3); i++) await new Promise(r => setTimeout(r, 50));
  process.kill(-child.pid!, 'SIGINT');
  assert.equal(await exited, 130, stderr);
  assert.match(stderr, /interrupted/);
  const partial = readFileSync(out, 'utf8');
  assert.ok(partial.endsWith('\n'));
  const done = lines(partial);
  assert.ok(done.length >= 3 && done.length < 40, `${done.length} lines`);
  assert.ok(done.every(l => !('error' in l)), 'the engine process stopping under the interrupt is no file\'s error');
  // A kill in the middle of a write leaves a torn last line: it is no line, and the next run cuts it.
  appendFileSync(out, partial.split('\n')[0].slice(0, 50));
  assert.equal(lines(readFileSync(out, 'utf8')).filter(Boolean).length, done.length);
  assert.equal((await cli(['scan', root, '--model', gpt2, '--output', out])).code, 0);
  const complete = lines(readFileSync(out, 'utf8'));
  assert.equal(complete.length, 40);
  assert.deepEqual(complete.slice(0, done.length), done, 'the lines before the interruption are kept as they were');
});

test('--words: the sibling words.csv per file; analyze --words in JSON and CSV; the words add up to the total NLL', async () => {
  const files = { 'one.txt': "Words, words: don't they add up?\n", 'two.md': 'Ein Satz — mit Umlauten: äöü, 東京タワー.' };
  const root = folder('words', files);
  const out = join(work, 'words.jsonl');
  assert.equal((await cli(['scan', root, '--model', gpt2, '--output', out, '--words'])).code, 0);
  const csv = readFileSync(join(work, 'words.words.csv'), 'utf8').trim().split('\r\n');
  assert.equal(csv[0], 'path,sha256,index,start,end,word,surprisal_bits,tokens,word_like,units');
  for (const line of lines(readFileSync(out, 'utf8')) as ScoredLine[]) {
    const rows = csv.slice(1).filter(r => r.startsWith(`${line.path},${line.sha256},`));
    const sum = rows.reduce((s, r) => s + Number(r.split(',').at(-4)), 0);
    assert.ok(Math.abs(sum - line.bitsPerByte! * line.bytes) < 1e-9 * line.bytes, line.path);
    assert.equal(rows.reduce((s, r) => s + Number(r.split(',').at(-3)), 0), line.tokens);
  }
  const json = JSON.parse((await cli(['analyze', join(root, 'one.txt'), '--model', gpt2, '--format', 'json', '--words'])).stdout);
  assert.deepEqual(json.words.map((w: { text: string }) => w.text), ['Words', ',', 'words', ':', "don't", 'they', 'add', 'up', '?']);
  assert.ok(Math.abs(json.words.reduce((s: number, w: { surprisal: number }) => s + w.surprisal, 0) - json.summary.totalNll / Math.LN2) < 1e-9);
  const wordsCsv = await cli(['analyze', join(root, 'one.txt'), '--model', gpt2, '--format', 'csv', '--words']);
  assert.ok(wordsCsv.stdout.startsWith('index,start,end,word,surprisal_bits,tokens,word_like,units\r\n0,0,5,Words,'));
});

test('progress on an interactive stderr only; bad usage exits 2 naming the problem', async () => {
  const root = folder('progress', textFiles(3));
  const tty = await cli(['scan', root, '--model', gpt2], true);
  assert.match(tty.stderr, /\r\x1b\[Kscan: 3\/3 files, [\d,]+ tokens\/s, 0:00 left/);
  assert.match(tty.stderr, /3 scored, 0 unchanged, 0 skipped, 0 errors/);
  const usage = async (args: string[], message: RegExp) => {
    const r = await cli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, message);
  };
  await usage(['scan', root, '--shard', '4/4'], /--shard: I must be 0 to 3/);
  await usage(['scan', root, '--words'], /--words: needs --output/);
  await usage(['scan', join(work, 'missing')], /missing: not found/);
  await usage(['scan', root, '--jobs', '0'], /--jobs: expected 1 to 64/);
  await usage(['scan', root, '--model', gpt2, '--window', '100'], /window: 100 tokens exceeds the model's context length of 64/);
  const notScan = join(work, 'analysis.json');
  writeFileSync(notScan, '{"schema":"markov-lens/analysis@1","path":"x"}\n');
  await usage(['merge', notScan], /analysis\.json:1: not a markov-lens\/scan@1 line/);
  const help = spawnSync(process.execPath, [cliScript, 'scan', '--help'], { encoding: 'utf8' });
  assert.match(help.stdout, /^Usage: markov-lens scan PATH/);
});
