/** Command-line parsing for `markov-lens analyze FILE [options]`. Bad usage is an InputError. */
import { InputError } from '../core/errors';

export type OutputFormat = 'json' | 'csv' | 'text';

export interface AnalyzeArgs {
  command: 'analyze';
  file: string;
  model?: string;
  format: OutputFormat;
  topK?: number;
  window?: number;
  stride?: number;
  geometry: boolean;
  variant?: string;
  maxBytes?: number;
  /** true: force colour; false: never; undefined: when stdout is a terminal. */
  color?: boolean;
}

export type CliArgs = AnalyzeArgs | { command: 'help' } | { command: 'version' };

export const USAGE = `Usage: markov-lens analyze FILE [options]

Scores every token of FILE (- for standard input) with a causal language model (ONNX) and prints
per-token NLL, entropy, rank and top-k predictions.

Options:
  --model DIR        model folder (default: the bundled model)
  --format F         json | csv | text (default: text)
  --top-k N          top predictions kept per token (default 10)
  --window N         tokens per window (default: context length, at most 1024)
  --stride N         tokens a window advances by (default: window / 2)
  --variant V        transformers.js layout: onnx/model_V.onnx (e.g. fp16, quantized)
  --max-bytes N      refuse inputs larger than N bytes (default 4194304)
  --geometry         add representation geometry (not available yet)
  --color, --no-color  force or disable the coloured heatmap of --format text
  -h, --help         this help

Exit codes: 0 ok, 2 bad input, 1 internal error.
`;

const VALUE_FLAGS = new Set(['--model', '--format', '--top-k', '--window', '--stride', '--variant', '--max-bytes']);

function usage(message: string): InputError {
  return new InputError(`${message} (see markov-lens --help)`, 'settings-invalid');
}

function integer(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) throw usage(`${flag}: expected a whole number, got "${value}"`);
  return Number(value);
}

export function parseArgs(argv: readonly string[]): CliArgs {
  if (argv.length === 0 || argv.includes('-h') || argv.includes('--help')) return { command: 'help' };
  if (argv.includes('--version')) return { command: 'version' };
  const [command, ...rest] = argv;
  if (command !== 'analyze') throw usage(`unknown command "${command}"`);
  const values = new Map<string, string>();
  const positional: string[] = [];
  let geometry = false;
  let color: boolean | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (VALUE_FLAGS.has(flag)) {
      const value = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : rest[++i];
      if (value === undefined) throw usage(`${flag}: needs a value`);
      values.set(flag, value);
    } else if (arg === '--geometry') geometry = true;
    else if (arg === '--color') color = true;
    else if (arg === '--no-color') color = false;
    else if (arg.startsWith('-') && arg !== '-') throw usage(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if (positional.length !== 1) throw usage(positional.length === 0 ? 'analyze: no FILE given' : `analyze: one file at a time, got ${positional.length}`);
  const format = values.get('--format') ?? 'text';
  if (format !== 'json' && format !== 'csv' && format !== 'text') throw usage(`--format: expected json, csv or text, got "${format}"`);
  const num = (flag: string): number | undefined => (values.has(flag) ? integer(flag, values.get(flag)!) : undefined);
  return {
    command: 'analyze',
    file: positional[0],
    model: values.get('--model'),
    format,
    topK: num('--top-k'),
    window: num('--window'),
    stride: num('--stride'),
    geometry,
    variant: values.get('--variant'),
    maxBytes: num('--max-bytes'),
    color,
  };
}
