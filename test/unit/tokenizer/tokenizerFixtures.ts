/** Shared helpers of the tokenizer tests: fixture folders and the span invariants. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TokenizedDocument } from '../../../src/model/tokenizer/types';

/** test/fixtures, seen from the compiled test in out/test/unit/tokenizer. */
export const FIXTURES = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures');

export const tokenizerDir = (name: string) => join(FIXTURES, 'tokenizers', name);

/** Hand-made tokenizers: every family the mapping distinguishes. */
export const FIXTURE_TOKENIZERS = ['gpt2-bytelevel', 'qwen-nfc', 'llama-metaspace', 'llama-prepend', 'unigram-nfkc'] as const;

/** Spans are ordered, never overlap, cover [0, text.length), and the arrays agree in length. */
export function assertTiles(doc: TokenizedDocument, text: string, label = ''): void {
  const n = doc.ids.length;
  assert.equal(doc.starts.length, n, label);
  assert.equal(doc.ends.length, n, label);
  assert.equal(doc.partial.length, n, label);
  if (n === 0) return;
  assert.equal(doc.starts[0], 0, `${label}: first span starts at 0`);
  assert.equal(doc.ends[n - 1], text.length, `${label}: last span ends at the end`);
  for (let i = 0; i < n; i++) {
    assert.ok(doc.starts[i] <= doc.ends[i], `${label}: span ${i} [${doc.starts[i]}, ${doc.ends[i]})`);
    if (i > 0) assert.equal(doc.starts[i], doc.ends[i - 1], `${label}: span ${i} follows span ${i - 1}`);
  }
}

/** "text"[start,end) per token, with 'p' for partial: compact and readable in assertion diffs. */
export function describe(doc: TokenizedDocument, text: string): string[] {
  return Array.from(doc.ids, (_, i) => `${JSON.stringify(text.slice(doc.starts[i], doc.ends[i]))}[${doc.starts[i]},${doc.ends[i]})${doc.partial[i] ? 'p' : ''}`);
}
