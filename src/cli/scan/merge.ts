/**
 * `markov-lens merge FILE.jsonl...` (and `scan --compact FILE`): the inputs' lines, one per path
 * (the latest wins), ranked worst first, as JSON Lines, CSV or the terminal table.
 */
import { resolve } from 'node:path';
import { formatScanCsv, formatScanTable } from '../../core/scan/format';
import { LatestPerPath, rankLines } from '../../core/scan/merge';
import { formatLine } from '../../core/scan/record';
import type { MergeArgs } from './args';
import { readLines, writeAtomic } from './lineFile';

export async function runMerge(args: MergeArgs, stdout: { write(s: string): unknown }): Promise<number> {
  const latest = new LatestPerPath();
  for (const input of args.inputs) for await (const line of readLines(resolve(input))) latest.add(line);
  const ranked = rankLines(latest.values());
  const text = args.format === 'csv' ? formatScanCsv(ranked) : args.format === 'text' ? formatScanTable(ranked) : ranked.map(formatLine).join('');
  if (args.output !== undefined) writeAtomic(resolve(args.output), text);
  else stdout.write(text);
  return ranked.length;
}
