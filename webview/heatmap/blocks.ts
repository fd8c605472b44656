/**
 * Splits a document's tokens into blocks for virtual rendering: a block ends after about
 * LINES_PER_BLOCK newlines or TOKENS_PER_BLOCK tokens, whichever comes first (so a long document with
 * no newlines still splits). Only blocks near the viewport hold DOM spans.
 */
export const LINES_PER_BLOCK = 40;
export const TOKENS_PER_BLOCK = 800;

export interface Block {
  first: number;
  /** One past the last token index. */
  end: number;
  /** Newlines inside the block, for the first height estimate. */
  lines: number;
}

export function splitBlocks(text: string, starts: readonly number[], ends: readonly number[], from = 0): Block[] {
  const blocks: Block[] = [];
  let first = from;
  let lines = 0;
  for (let i = from; i < starts.length; i++) {
    for (let c = starts[i]; c < ends[i]; c++) if (text.charCodeAt(c) === 10) lines++;
    if (lines >= LINES_PER_BLOCK || i + 1 - first >= TOKENS_PER_BLOCK) {
      blocks.push({ first, end: i + 1, lines });
      first = i + 1;
      lines = 0;
    }
  }
  if (first < starts.length) blocks.push({ first, end: starts.length, lines });
  return blocks;
}
