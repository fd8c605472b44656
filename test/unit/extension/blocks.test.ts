import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LINES_PER_BLOCK, splitBlocks, TOKENS_PER_BLOCK } from '../../../webview/heatmap/blocks';

function tokenize(text: string): { starts: number[]; ends: number[] } {
  const starts: number[] = [];
  const ends: number[] = [];
  for (const m of text.matchAll(/\s*\S+|\s+/g)) { starts.push(m.index!); ends.push(m.index! + m[0].length); }
  return { starts, ends };
}

test('blocks cover every token once, in order, and split on lines or token count', () => {
  const text = Array.from({ length: 500 }, (_, i) => `line ${i} has a few words`).join('\n');
  const { starts, ends } = tokenize(text);
  const blocks = splitBlocks(text, starts, ends);
  assert.equal(blocks[0].first, 0);
  for (let i = 1; i < blocks.length; i++) assert.equal(blocks[i].first, blocks[i - 1].end);
  assert.equal(blocks.at(-1)!.end, starts.length);
  for (const b of blocks.slice(0, -1)) assert.ok(b.lines === LINES_PER_BLOCK || b.end - b.first === TOKENS_PER_BLOCK);
});

test('a document without newlines still splits by token count', () => {
  const text = 'word '.repeat(5000);
  const { starts, ends } = tokenize(text);
  const blocks = splitBlocks(text, starts, ends);
  assert.equal(blocks.length, Math.ceil(starts.length / TOKENS_PER_BLOCK));
});
