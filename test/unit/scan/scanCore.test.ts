/**
 * The scan's pure parts: shard hashing, lines in and out, ranking and merging, hot spans, and the
 * per-word surprisal's rules (each token counted once, so the words add up to the document).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { excerpt, hotSpans, lineOf } from '../../../src/core/scan/hotSpans';
import { LatestPerPath, mergeLines, rankLines } from '../../../src/core/scan/merge';
import { failedLine, formatLine, parseLine, SCAN_SCHEMA, scoredLine, type ScanModel } from '../../../src/core/scan/record';
import { fnv1a32, inShard, parseShard, shardOf } from '../../../src/core/scan/shard';
import { wordSurprisals } from '../../../src/core/words';

const model: ScanModel = { name: 'm', modelType: 'gpt2', vocabSize: 10, hiddenSize: 4, layers: 1, contextLength: 8, dtype: 'float32', window: 8, stride: 4 };
const summary = (bpb: number | null) => ({ tokens: 3, totalNll: 1, meanNll: 1, perplexity: Math.E, bitsPerByte: bpb, meanEntropy: 2, nonFinite: 0 });

test('shards: FNV-1a-32 of the UTF-8 path (published test vectors), I/N parsed 0-based, a partition', () => {
  assert.equal(fnv1a32(''), 0x811c9dc5);
  assert.equal(fnv1a32('a'), 0xe40c292c);
  assert.equal(fnv1a32('foobar'), 0xbf9cf968);
  assert.equal(fnv1a32('é'), fnv1a32('\u00e9'));
  assert.notEqual(fnv1a32('é'), fnv1a32('e\u0301'), 'bytes, not normalised text');
  assert.deepEqual(parseShard('3/4'), { index: 3, count: 4 });
  for (const bad of ['4/4', '1/0', '-1/4', '1', 'a/b', '1/4/2']) assert.throws(() => parseShard(bad), /--shard/);
  const paths = Array.from({ length: 2000 }, (_, i) => `dir${i % 7}/file-${i}.txt`);
  const counts = [0, 0, 0, 0, 0];
  for (const p of paths) {
    const owners = [0, 1, 2, 3, 4].filter(i => inShard(p, { index: i, count: 5 }));
    assert.equal(owners.length, 1, p);
    counts[owners[0]]++;
    assert.equal(owners[0], shardOf(p, 5));
  }
  // Balanced within a few standard deviations (sqrt(2000 * 0.2 * 0.8) = 18).
  for (const c of counts) assert.ok(Math.abs(c - 400) < 80, `shard sizes ${counts}`);
  assert.ok(inShard('x', undefined));
});

test('lines: written whole with full precision, read back; a torn line is no line; another schema is named', () => {
  const scored = scoredLine('a/b.txt', 'f'.repeat(64), 12, summary(1.2345678901234567), [], model);
  const text = formatLine(scored);
  assert.ok(text.endsWith('\n') && !text.slice(0, -1).includes('\n'));
  assert.deepEqual(parseLine(text), scored);
  assert.equal((parseLine(text) as { bitsPerByte: number }).bitsPerByte, 1.2345678901234567);
  assert.equal(parseLine(text.slice(0, 40)), null);
  assert.equal(parseLine(''), null);
  const skipped = failedLine('x.bin', { skipped: 'binary', sha256: 'a'.repeat(64), bytes: 3, message: 'NUL' });
  assert.deepEqual(parseLine(formatLine(skipped)), skipped);
  assert.deepEqual(Object.keys(skipped), ['schema', 'path', 'sha256', 'bytes', 'skipped', 'message']);
  assert.throws(() => parseLine('{"schema":"markov-lens/analysis@1","path":"x"}'), /not a markov-lens\/scan@1 line/);
  assert.equal(scored.schema, SCAN_SCHEMA);
});

test('ranking: worst bits per byte first, ties by path, then empty files, then skipped and failed by path; the latest line per path wins', () => {
  const a = scoredLine('a', 'x', 1, summary(1), [], model);
  const b = scoredLine('b', 'x', 1, summary(3), [], model);
  const c = scoredLine('c', 'x', 1, summary(1), [], model);
  const empty = scoredLine('e', 'x', 0, { ...summary(null), tokens: 0 }, [], model);
  const bin = failedLine('0.bin', { skipped: 'binary' });
  const err = failedLine('z', { error: 'cannot read' });
  assert.deepEqual(rankLines([err, c, empty, bin, a, b]).map(l => l.path), ['b', 'a', 'c', 'e', '0.bin', 'z']);
  const newer = scoredLine('a', 'y', 1, summary(5), [], model);
  assert.deepEqual(mergeLines([[a, b], [c, newer]]).map(l => [l.path, l.sha256]), [['a', 'y'], ['b', 'x'], ['c', 'x']]);
  const latest = new LatestPerPath();
  [a, b, newer].forEach(l => latest.add(l));
  assert.equal(latest.size, 2);
  assert.equal(latest.get('a'), newer);
});

test('hot spans: the highest-mean runs of 16 tokens, without overlap, highest first, with line and excerpt', () => {
  const text = 'ab\n'.repeat(100);
  const tokens = Array.from({ length: 100 }, (_, i) => ({ start: 3 * i, end: 3 * i + 3, nll: i >= 40 && i < 56 ? 5 : i >= 80 ? 3 : 1 }));
  const spans = hotSpans(text, tokens);
  assert.equal(spans.length, 3);
  assert.deepEqual([spans[0].start, spans[0].end, spans[0].line], [120, 168, 41]);
  assert.equal(spans[0].bitsPerToken, 5 / Math.LN2);
  // Tokens 80-99 all have NLL 3: equal means go to the earliest run.
  assert.deepEqual([spans[1].start, spans[1].end], [80 * 3, 96 * 3]);
  assert.equal(spans[1].bitsPerToken, 3 / Math.LN2);
  // The third overlaps neither: every run left has mean 1, and the earliest is tokens 0-15.
  assert.deepEqual([spans[2].start / 3, spans[2].end / 3], [0, 16]);
  assert.equal(spans[2].bitsPerToken, 1 / Math.LN2);
  assert.equal(spans[0].text, 'ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab');
  // Short files: one span of everything; null NLLs count for nothing.
  const short = hotSpans('hi there', [{ start: 0, end: 2, nll: 2 }, { start: 2, end: 8, nll: null }]);
  assert.deepEqual(short.map(s => [s.start, s.end, s.bitsPerToken]), [[0, 8, 2 / Math.LN2]]);
  assert.deepEqual(hotSpans('', []), []);
  assert.equal(lineOf('a\r\nb\nc', 5), 3);
  assert.equal(excerpt('x'.repeat(200)).length, 120);
  assert.ok(!excerpt('x'.repeat(118) + '😀😀').endsWith('\ud83d…'), 'no half surrogate pair');
});

/** Tokens over `text` cut at the given boundaries, NLL = 1 nat each unless given. */
function tokensAt(cuts: number[], nll: (i: number) => number | null = () => 1) {
  return cuts.slice(0, -1).map((start, i) => ({ start, end: cuts[i + 1], nll: nll(i) }));
}

test('words: Unicode word boundaries; a leading space goes with its word; a token crossing a boundary joins the units; sums add up', () => {
  // GPT-2 style: "Hello", " world", ",", " don", "'t", "\n"
  const text = "Hello world, don't\n";
  const tokens = tokensAt([0, 5, 11, 12, 16, 18, 19], i => i + 1);
  const words = wordSurprisals(text, tokens);
  assert.deepEqual(words.map(w => [w.text, w.tokens, w.wordLike, w.units]), [['Hello', 1, true, 1], ['world', 1, true, 1], [',', 1, false, 1], ["don't", 3, true, 1]]);
  [1, 2, 3, 4 + 5 + 6].forEach((nats, i) => assert.ok(Math.abs(words[i].surprisal! * Math.LN2 - nats) < 1e-12));
  assert.deepEqual([words[1].start, words[1].end], [6, 11]);
  // A token crossing a word boundary ("ld," covers "world" and ","): the two units become one entry.
  const crossing = wordSurprisals('world, ok', tokensAt([0, 3, 6, 9]));
  assert.deepEqual(crossing.map(w => [w.text, w.tokens, w.units]), [['world,', 2, 2], ['ok', 1, 1]]);
  // An empty token (continuation bytes) goes with the token before it; a null NLL makes the word's null.
  const split = wordSurprisals('café au', [{ start: 0, end: 4, nll: 1 }, { start: 4, end: 4, nll: 1 }, { start: 4, end: 7, nll: null }]);
  assert.deepEqual(split.map(w => [w.text, w.tokens, w.surprisal === null]), [['café', 2, false], ['au', 1, true]]);
  // Every token is counted once: the sum over words is the document's total.
  const doc = 'Ein Satz — mit Gedankenstrich, 3.14 und 東京タワー!';
  const cuts = [0];
  for (let i = 1; i < doc.length; i++) if (i % 3 === 0) cuts.push(i);
  cuts.push(doc.length);
  const t = tokensAt(cuts, i => 0.5 + (i % 4));
  const total = t.reduce((s, x) => s + (x.nll as number), 0);
  const ws = wordSurprisals(doc, t);
  assert.equal(ws.reduce((s, w) => s + w.tokens, 0), t.length);
  assert.ok(Math.abs(ws.reduce((s, w) => s + w.surprisal!, 0) * Math.LN2 - total) < 1e-9);
  assert.deepEqual(wordSurprisals('   \n', tokensAt([0, 4])), []);
});
