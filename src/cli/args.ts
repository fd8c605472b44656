/** Command-line parsing for `markov-lens analyze FILE [options]`. Bad usage is an InputError. */
import { DEFAULT_MAX_BYTES, DEFAULT_TOP_K, DEFAULT_WINDOW_MEMORY_MB } from '../core/defaults';
import { InputError } from '../core/errors';
import { GEOMETRY_DEFAULTS, type GeometryOptions, type KernelName, type KernelSide } from '../core/geometry';

export type OutputFormat = 'json' | 'csv' | 'text';

export interface AnalyzeArgs {
  command: 'analyze';
  file: string;
  model?: string;
  format: OutputFormat;
  topK?: number;
  window?: number;
  stride?: number;
  windowMemoryMB?: number;
  /** With --geometry: the options its flags set (undefined: no geometry). */
  geometry?: GeometryOptions;
  variant?: string;
  maxBytes?: number;
  /** true: force colour; false: never; undefined: when stdout is a terminal. */
  color?: boolean;
}

export interface CompareArgs {
  command: 'compare';
  file: string;
  model?: string;
  against: string;
  format: OutputFormat;
  topK?: number;
  window?: number;
  stride?: number;
  variant?: string;
  againstVariant?: string;
  windowMemoryMB?: number;
  maxBytes?: number;
  color?: boolean;
}

export type CliArgs = AnalyzeArgs | CompareArgs | { command: 'help' } | { command: 'version' };

export const USAGE = `Usage: markov-lens analyze FILE [options]
       markov-lens compare FILE --against DIR [--model DIR] [options]

Scores every token of FILE (- for standard input) with a causal language model (ONNX) and prints
per-token NLL, entropy, rank and top-k predictions.

Options:
  --model DIR        model folder (default: the bundled model)
  --format F         json | csv | text (default: text)
  --top-k N          top predictions kept per token (default ${DEFAULT_TOP_K})
  --window N         tokens per window (default: the model's context length)
  --stride N         tokens a window advances by (default: window / 2)
  --window-memory MB memory the default window may take before it is capped below the model's
                     context (default ${DEFAULT_WINDOW_MEMORY_MB}; the cap is reported)
  --variant V        transformers.js layout: onnx/model_V.onnx (e.g. fp16, quantized)
  --max-bytes N      refuse inputs larger than N bytes (default ${DEFAULT_MAX_BYTES})
  --geometry         add representation geometry (operator spectrum, alignment of hidden states,
                     information surplus; paper arXiv 2507.19247) and per-token geometry fields
  --kernel K         with --geometry: prototype | bhattacharyya | haochen (default prototype)
  --side S           with --geometry: model | data (default model; data needs --kernel prototype)
  --eigen N          with --geometry: eigenpairs of the operator (default ${GEOMETRY_DEFAULTS.eigenpairs})
  --seed N           with --geometry: seed of every random choice (default ${GEOMETRY_DEFAULTS.seed})
  --deep-surplus N   with --geometry: model-defined surplus A2 by branch look-ahead on N sampled
                     positions (8 candidates each, one extra decode step per position; 0 = off)
  --context-ablation with --geometry: heuristic surplus B by context ablation (one extra forward
                     step per distinct token, about +25 % analysis time; off by default)
  --color, --no-color  force or disable the coloured heatmap of --format text
  -h, --help         this help

compare: scores FILE with two models. --model (default: the bundled model) is the base P, the
reference; --against is Q. One tokenizer: per token KL(P||Q), KL(Q||P), JS, TV, acceptance, ΔNLL,
Δp, top-1 agreement, and llama.cpp's KL-divergence statistics. Different tokenizers: NLLs of the
segments cut where both tokenizations start a token, and bits per byte. Options: --model, --format,
--top-k, --window, --stride, --window-memory (both models together), --variant (the base
model's), --against-variant, --max-bytes, --color.

Exit codes: 0 ok, 2 bad input, 1 internal error.
`;

const VALUE_FLAGS = new Set(['--model', '--against', '--against-variant', '--format', '--top-k', '--window', '--stride', '--window-memory', '--variant', '--max-bytes', '--kernel', '--side', '--eigen', '--seed', '--deep-surplus']);
const KERNELS: readonly KernelName[] = ['prototype', 'bhattacharyya', 'haochen'];
const SIDES: readonly KernelSide[] = ['model', 'data'];

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
  if (command !== 'analyze' && command !== 'compare') throw usage(`unknown command "${command}"`);
  const values = new Map<string, string>();
  const positional: string[] = [];
  let geometry = false;
  let color: boolean | undefined;
  let contextAblation = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (VALUE_FLAGS.has(flag)) {
      const value = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : rest[++i];
      if (value === undefined) throw usage(`${flag}: needs a value`);
      values.set(flag, value);
    } else if (arg === '--geometry') geometry = true;
    else if (arg === '--context-ablation') contextAblation = true;
    else if (arg === '--color') color = true;
    else if (arg === '--no-color') color = false;
    else if (arg.startsWith('-') && arg !== '-') throw usage(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if (positional.length !== 1) throw usage(positional.length === 0 ? `${command}: no FILE given` : `${command}: one file at a time, got ${positional.length}`);
  const format = values.get('--format') ?? 'text';
  if (format !== 'json' && format !== 'csv' && format !== 'text') throw usage(`--format: expected json, csv or text, got "${format}"`);
  const num = (flag: string): number | undefined => (values.has(flag) ? integer(flag, values.get(flag)!) : undefined);
  if (command === 'compare') return compareArgs(positional[0], values, format, num, { geometry, contextAblation, color });
  for (const flag of ['--against', '--against-variant']) if (values.has(flag)) throw usage(`${flag}: only meaningful with compare`);
  const kernel = values.get('--kernel') as KernelName | undefined;
  const side = values.get('--side') as KernelSide | undefined;
  if (kernel !== undefined && !KERNELS.includes(kernel)) throw usage(`--kernel: expected ${KERNELS.join(', ')}, got "${kernel}"`);
  if (side !== undefined && !SIDES.includes(side)) throw usage(`--side: expected model or data, got "${side}"`);
  if (side === 'data' && kernel !== undefined && kernel !== 'prototype') throw usage(`--side data: only the prototype kernel is defined on the data side, got --kernel ${kernel}`);
  const eigen = num('--eigen');
  if (eigen !== undefined && (eigen < 1 || eigen > 256)) throw usage(`--eigen: expected 1 to 256, got ${eigen}`);
  const deepSurplus = num('--deep-surplus');
  if (deepSurplus !== undefined && deepSurplus > 4096) throw usage(`--deep-surplus: expected 0 to 4096 positions, got ${deepSurplus}`);
  const geometryFlag = ['--kernel', '--side', '--eigen', '--seed', '--deep-surplus'].find(f => values.has(f)) ?? (contextAblation ? '--context-ablation' : undefined);
  if (geometryFlag && !geometry) throw usage(`${geometryFlag}: only meaningful with --geometry`);
  return {
    command: 'analyze',
    file: positional[0],
    model: values.get('--model'),
    format,
    topK: num('--top-k'),
    window: num('--window'),
    windowMemoryMB: num('--window-memory'),
    stride: num('--stride'),
    geometry: geometry ? { kernel, side, eigenpairs: eigen, seed: num('--seed'), deepSurplus, contextAblation } : undefined,
    variant: values.get('--variant'),
    maxBytes: num('--max-bytes'),
    color,
  };
}

function compareArgs(file: string, values: Map<string, string>, format: OutputFormat, num: (flag: string) => number | undefined,
  flags: { geometry: boolean; contextAblation: boolean; color: boolean | undefined }): CompareArgs {
  const against = values.get('--against');
  if (against === undefined) throw usage('compare: --against DIR (the model to compare with) is required');
  const geometryFlag = flags.geometry ? '--geometry' : flags.contextAblation ? '--context-ablation' : ['--kernel', '--side', '--eigen', '--seed', '--deep-surplus'].find(f => values.has(f));
  if (geometryFlag) throw usage(`${geometryFlag}: not available with compare`);
  return {
    command: 'compare', file, model: values.get('--model'), against, format,
    topK: num('--top-k'), window: num('--window'), stride: num('--stride'), windowMemoryMB: num('--window-memory'),
    variant: values.get('--variant'), againstVariant: values.get('--against-variant'), maxBytes: num('--max-bytes'), color: flags.color,
  };
}
