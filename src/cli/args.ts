/** Command-line parsing for `markov-lens analyze FILE [options]`. Bad usage is an InputError. */
import { DEFAULT_MAX_BYTES, DEFAULT_TOP_K } from '../core/defaults';
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
  /** With --geometry: the options its flags set (undefined: no geometry). */
  geometry?: GeometryOptions;
  variant?: string;
  maxBytes?: number;
  /** true: force colour; false: never; undefined: when stdout is a terminal. */
  color?: boolean;
  /** --layers: the layer lens for every token. */
  layers?: boolean;
  /** --range START:END (with --layers, text format): the tokens the layers view shows. */
  range?: { from: number; to?: number };
}

export type CliArgs = AnalyzeArgs | { command: 'help' } | { command: 'version' };

export const USAGE = `Usage: markov-lens analyze FILE [options]

Scores every token of FILE (- for standard input) with a causal language model (ONNX) and prints
per-token NLL, entropy, rank and top-k predictions.

Options:
  --model DIR        model folder (default: the bundled model)
  --format F         json | csv | text (default: text)
  --top-k N          top predictions kept per token (default ${DEFAULT_TOP_K})
  --window N         tokens per window (default: context length, at most 1024)
  --stride N         tokens a window advances by (default: window / 2)
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
  --layers           add the layer lens: what the residual stream after the embedding and after each
                     block predicts, decoded with the model's own final norm and head (per layer and
                     token: nll, entropy, rank, top-1, KL to the final layer; per token: the depth at
                     which the prediction settles). JSON: a "layers" block; CSV: a row per token and
                     layer; text: a layers x tokens view of --range
  --range S:E        with --layers --format text: the tokens [S, E) the view shows (default 0:16)
  --color, --no-color  force or disable the coloured heatmap of --format text
  -h, --help         this help

Exit codes: 0 ok, 2 bad input, 1 internal error.
`;

const VALUE_FLAGS = new Set(['--model', '--format', '--top-k', '--window', '--stride', '--variant', '--max-bytes', '--kernel', '--side', '--eigen', '--seed', '--deep-surplus', '--range']);
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
  if (command !== 'analyze') throw usage(`unknown command "${command}"`);
  const values = new Map<string, string>();
  const positional: string[] = [];
  let geometry = false;
  let color: boolean | undefined;
  let contextAblation = false;
  let layers = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (VALUE_FLAGS.has(flag)) {
      const value = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : rest[++i];
      if (value === undefined) throw usage(`${flag}: needs a value`);
      values.set(flag, value);
    } else if (arg === '--geometry') geometry = true;
    else if (arg === '--layers') layers = true;
    else if (arg === '--context-ablation') contextAblation = true;
    else if (arg === '--color') color = true;
    else if (arg === '--no-color') color = false;
    else if (arg.startsWith('-') && arg !== '-') throw usage(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if (positional.length !== 1) throw usage(positional.length === 0 ? 'analyze: no FILE given' : `analyze: one file at a time, got ${positional.length}`);
  const format = values.get('--format') ?? 'text';
  if (format !== 'json' && format !== 'csv' && format !== 'text') throw usage(`--format: expected json, csv or text, got "${format}"`);
  const num = (flag: string): number | undefined => (values.has(flag) ? integer(flag, values.get(flag)!) : undefined);
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
  const range = values.has('--range') ? parseRange(values.get('--range')!) : undefined;
  if (range && (!layers || format !== 'text')) throw usage('--range: only meaningful with --layers --format text');
  return {
    command: 'analyze',
    file: positional[0],
    model: values.get('--model'),
    format,
    topK: num('--top-k'),
    window: num('--window'),
    stride: num('--stride'),
    geometry: geometry ? { kernel, side, eigenpairs: eigen, seed: num('--seed'), deepSurplus, contextAblation } : undefined,
    variant: values.get('--variant'),
    maxBytes: num('--max-bytes'),
    color,
    ...(layers ? { layers } : {}),
    ...(range ? { range } : {}),
  };
}

/** START:END, START: or :END in token indices, END exclusive. */
function parseRange(value: string): { from: number; to?: number } {
  const m = /^(\d*):(\d*)$/.exec(value);
  if (!m || (m[1] === '' && m[2] === '')) throw usage(`--range: expected START:END token indices (e.g. 0:16), got "${value}"`);
  const from = m[1] === '' ? 0 : Number(m[1]);
  const to = m[2] === '' ? undefined : Number(m[2]);
  if (to !== undefined && to <= from) throw usage(`--range: END must be greater than START, got "${value}"`);
  return { from, ...(to !== undefined ? { to } : {}) };
}
