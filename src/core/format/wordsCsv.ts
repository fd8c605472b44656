/** Per-word surprisal as CSV rows (analyze --words --format csv; scan --words's sibling file). */
import type { WordSurprisal } from '../words';
import { csvField } from './csv';

const WORD_COLUMNS = ['index', 'start', 'end', 'word', 'surprisal_bits', 'tokens', 'word_like', 'units'];

/** The header; `keyed` adds the file's path and sha256 in front (one file per scan row group). */
export function wordsCsvHeader(keyed: boolean): string {
  return (keyed ? ['path', 'sha256', ...WORD_COLUMNS] : WORD_COLUMNS).join(',') + '\r\n';
}

export function wordsCsvRows(words: readonly WordSurprisal[], key?: { path: string; sha256: string }): string {
  const prefix = key ? `${csvField(key.path)},${key.sha256},` : '';
  let out = '';
  words.forEach((w, i) => {
    out += `${prefix}${i},${w.start},${w.end},${csvField(w.text)},${w.surprisal === null ? '' : String(w.surprisal)},${w.tokens},${w.wordLike ? 1 : 0},${w.units}\r\n`;
  });
  return out;
}
