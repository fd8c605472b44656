/** Arguments of `markov-lens scan PATH...` and `markov-lens merge FILE...`. */
import { DEFAULT_MAX_BYTES } from '../../core/defaults';
import { parseShard, type Shard } from '../../core/scan/shard';
import { integer, splitFlags, usage } from '../flags';

export type ScanFormat = 'jsonl' | 'csv' | 'text';

export interface ScanArgs {
  command: 'scan';
  paths: string[];
  model?: string;
  variant?: string;
  output?: string;
  format: ScanFormat;
  shard?: Shard;
  /** Engine processes (undefined: the measured default, DEFAULT_JOBS). */
  jobs?: number;
  /** --threads N: ONNX Runtime intra-op threads of each engine (undefined: the engine's choice). */
  threads?: number;
  include: string[];
  exclude: string[];
  maxBytes: number;
  window?: number;
  stride?: number;
  windowMemoryMB?: number;
  /** Write per-word surprisal to the output's sibling `*.words.csv`. */
  words: boolean;
}

export interface MergeArgs {
  command: 'merge';
  inputs: string[];
  output?: string;
  format: ScanFormat;
  /** `scan --compact FILE`: rewrite FILE in place, one line per path. */
  compact: boolean;
}

export const SCAN_USAGE = `Usage: markov-lens scan PATH... [options]
       markov-lens scan --compact FILE.jsonl
       markov-lens merge FILE.jsonl... [--output FILE] [--format jsonl|csv|text]

Scores every text file under the PATHs with one loaded model (the same engine, window and scoring
convention as analyze: a file's bitsPerByte is analyze's) and writes one JSON line per file
(schema markov-lens/scan@1) as each file finishes. .gitignore files in the scanned folders are
respected; .git folders and symbolic links are not followed.

Options:
  --model DIR        model folder (default: the bundled model)
  --variant V        transformers.js layout: onnx/model_V.onnx
  --output FILE      append to FILE (JSON Lines); files already in it with the same sha256 and model
                     are not scored again (resume); without it, lines go to standard output
  --format F         jsonl | csv | text (default jsonl; csv and text are ranked, worst first)
  --shard I/N        only the files whose path hash falls in shard I of N (0 <= I < N)
  --jobs N           engine processes (default: 1, measured best on a 2-core machine)
  --threads N        ONNX Runtime intra-op threads per engine (default: with one engine, by the
                     model's size as for analyze; with several, half the cores shared out)
  --include GLOB     only files matching GLOB (repeatable; a GLOB without / matches the file name)
  --exclude GLOB     skip files and folders matching GLOB (repeatable)
  --max-bytes N      skip files larger than N bytes (default ${DEFAULT_MAX_BYTES})
  --window N, --stride N, --window-memory MB   as for analyze
  --words            also write per-word surprisal to the sibling FILE.words.csv (needs --output)
  --compact FILE     rewrite FILE with one line per path (the latest), ranked worst first

merge combines scan outputs (e.g. the shards' files) into one ranked file, one line per path (the
last input wins when a path is in several).

Exit codes: 0 ok (files that could not be scored have their lines), 2 bad input, 1 internal error,
130 interrupted (the output is valid up to its last complete line).
`;

const SCAN_VALUES = new Set(['--model', '--variant', '--output', '--format', '--shard', '--jobs', '--threads', '--include', '--exclude', '--max-bytes', '--window', '--stride', '--window-memory', '--compact']);
const MERGE_VALUES = new Set(['--output', '--format']);

function format(value: string | undefined): ScanFormat {
  const f = value ?? 'jsonl';
  if (f !== 'jsonl' && f !== 'csv' && f !== 'text') throw usage(`--format: expected jsonl, csv or text, got "${f}"`);
  return f;
}

export function parseScanArgs(argv: readonly string[]): ScanArgs | MergeArgs {
  const { values, switches, positional } = splitFlags(argv, SCAN_VALUES, new Set(['--words']));
  const last = (flag: string): string | undefined => values.get(flag)?.at(-1);
  const num = (flag: string): number | undefined => (values.has(flag) ? integer(flag, last(flag)!) : undefined);
  const compact = last('--compact');
  if (compact !== undefined) {
    const others = [...values.keys()].filter(k => k !== '--compact');
    if (positional.length || others.length || switches.size) throw usage('scan --compact FILE: takes no other paths or options');
    return { command: 'merge', inputs: [compact], output: compact, format: 'jsonl', compact: true };
  }
  if (positional.length === 0) throw usage('scan: no PATH given');
  const jobs = num('--jobs');
  if (jobs !== undefined && (jobs < 1 || jobs > 64)) throw usage(`--jobs: expected 1 to 64, got ${jobs}`);
  const threads = num('--threads');
  if (threads !== undefined && (threads < 1 || threads > 256)) throw usage(`--threads: expected 1 to 256, got ${threads}`);
  const output = last('--output');
  const words = switches.has('--words');
  if (words && output === undefined) throw usage('--words: needs --output FILE (the words go to its sibling .words.csv)');
  const fmt = format(last('--format'));
  if (words && fmt !== 'jsonl') throw usage('--words: only with --format jsonl');
  const maxBytes = num('--max-bytes') ?? DEFAULT_MAX_BYTES;
  const shard = last('--shard');
  return {
    command: 'scan',
    paths: positional,
    model: last('--model'),
    variant: last('--variant'),
    output,
    format: fmt,
    shard: shard === undefined ? undefined : parseShard(shard),
    jobs,
    ...(threads !== undefined ? { threads } : {}),
    include: values.get('--include') ?? [],
    exclude: values.get('--exclude') ?? [],
    maxBytes,
    window: num('--window'),
    stride: num('--stride'),
    windowMemoryMB: num('--window-memory'),
    words,
  };
}

export function parseMergeArgs(argv: readonly string[]): MergeArgs {
  const { values, positional } = splitFlags(argv, MERGE_VALUES, new Set());
  if (positional.length === 0) throw usage('merge: no input FILE given');
  return { command: 'merge', inputs: positional, output: values.get('--output')?.at(-1), format: format(values.get('--format')?.at(-1)), compact: false };
}
