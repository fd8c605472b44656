/** Command-line parsing for `markov-lens analyze FILE [options]`. Bad usage is an InputError. */
import { DEFAULT_MAX_BYTES, DEFAULT_TOP_K, DEFAULT_WINDOW_MEMORY_MB } from '../core/defaults';
import { GEOMETRY_DEFAULTS, type GeometryOptions, type KernelName, type KernelSide } from '../core/geometry';
import { integer, splitFlags, usage } from './flags';
import { parseMergeArgs, parseScanArgs, type MergeArgs, type ScanArgs } from './scan/args';

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
  /** Add per-word surprisal (`words`) to the output. */
  words?: boolean;
  /** --layers: the layer lens for every token. */
  layers?: boolean;
  /** --range START:END (with --layers, text format): the tokens the layers view shows. */
  range?: { from: number; to?: number };
  /** --threads N: ONNX Runtime's intra-op threads (undefined: by the model's size). */
  threads?: number;
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
  threads?: number;
}

export type CliArgs = AnalyzeArgs | CompareArgs | ScanArgs | MergeArgs | { command: 'help'; topic?: 'scan' | 'merge' } | { command: 'version' };

export const USAGE = `Usage: markov-lens analyze FILE [options]
       markov-lens scan PATH... [options]      (markov-lens scan --help)
       markov-lens merge FILE.jsonl... [options]
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
  --threads N        ONNX Runtime intra-op threads (default: every core for models of 100 MB or
                     more, half the cores for smaller ones, whose logits a second thread reduces)
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
  --words            add per-word surprisal (Unicode word boundaries): span, bits, tokens
  --layers           add the layer lens: what the residual stream after the embedding and after each
                     block predicts, decoded with the model's own final norm and head (per layer and
                     token: nll, entropy, rank, top-1, KL to the final layer; per token: the depth at
                     which the prediction settles). JSON: a "layers" block; CSV: a row per token and
                     layer; text: a layers x tokens view of --range
  --range S:E        with --layers --format text: the tokens [S, E) the view shows (default 0:16)
  --color, --no-color  force or disable the coloured heatmap of --format text
  -h, --help         this help

compare: scores FILE with two models. --model (default: the bundled model) is the base P, the
reference; --against is Q. One tokenizer: per token KL(P||Q), KL(Q||P), JS, TV, acceptance, ΔNLL,
Δp, top-1 agreement, and llama.cpp's KL-divergence statistics. Different tokenizers: NLLs of the
segments cut where both tokenizations start a token, and bits per byte. Options: --model, --format,
--top-k, --window, --stride, --window-memory (both models together), --variant (the base
model's), --against-variant, --max-bytes, --threads, --color.

Exit codes: 0 ok, 2 bad input, 1 internal error.
`;

const VALUE_FLAGS = new Set(['--model', '--against', '--against-variant', '--format', '--top-k', '--window', '--stride', '--window-memory', '--variant', '--max-bytes', '--kernel', '--side', '--eigen', '--seed', '--deep-surplus', '--range', '--threads']);
const KERNELS: readonly KernelName[] = ['prototype', 'bhattacharyya', 'haochen'];
const SIDES: readonly KernelSide[] = ['model', 'data'];


export function parseArgs(argv: readonly string[]): CliArgs {
  if (argv[0] === 'scan' || argv[0] === 'merge') {
    if (argv.includes('-h') || argv.includes('--help')) return { command: 'help', topic: argv[0] };
    return argv[0] === 'scan' ? parseScanArgs(argv.slice(1)) : parseMergeArgs(argv.slice(1));
  }
  if (argv.length === 0 || argv.includes('-h') || argv.includes('--help')) return { command: 'help' };
  if (argv.includes('--version')) return { command: 'version' };
  const [command, ...rest] = argv;
  if (command !== 'analyze' && command !== 'compare') throw usage(`unknown command "${command}"`);
  const split = splitFlags(rest, VALUE_FLAGS, new Set(['--geometry', '--context-ablation', '--words', '--layers', '--color', '--no-color']));
  const values = new Map([...split.values].map(([flag, given]) => [flag, given.at(-1)!]));
  const { positional, switches } = split;
  const geometry = switches.has('--geometry');
  const contextAblation = switches.has('--context-ablation');
  const words = switches.has('--words');
  const layers = switches.has('--layers');
  // The last of --color / --no-color wins.
  const colorAt = rest.lastIndexOf('--color');
  const noColorAt = rest.lastIndexOf('--no-color');
  const color = colorAt < 0 && noColorAt < 0 ? undefined : colorAt > noColorAt;
  if (positional.length !== 1) throw usage(positional.length === 0 ? `${command}: no FILE given` : `${command}: one file at a time, got ${positional.length}`);
  const format = values.get('--format') ?? 'text';
  if (format !== 'json' && format !== 'csv' && format !== 'text') throw usage(`--format: expected json, csv or text, got "${format}"`);
  const num = (flag: string): number | undefined => (values.has(flag) ? integer(flag, values.get(flag)!) : undefined);
  const threads = num('--threads');
  if (threads !== undefined && (threads < 1 || threads > 256)) throw usage(`--threads: expected 1 to 256, got ${threads}`);
  if (command === 'compare') {
    if (words || layers) throw usage(`${words ? '--words' : '--layers'}: not available with compare`);
    return compareArgs(positional[0], values, format, num, { geometry, contextAblation, color, threads });
    if (values.has('--range')) throw usage('--range: only meaningful with --layers --format text');
  }
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
  if (words && format === 'text') throw usage('--words: with --format json or csv');
  const range = values.has('--range') ? parseRange(values.get('--range')!) : undefined;
  if (range && (!layers || format !== 'text')) throw usage('--range: only meaningful with --layers --format text');
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
    ...(words ? { words } : {}),
    ...(layers ? { layers } : {}),
    ...(range ? { range } : {}),
    ...(threads !== undefined ? { threads } : {}),
  };
}

function compareArgs(file: string, values: Map<string, string>, format: OutputFormat, num: (flag: string) => number | undefined,
  flags: { geometry: boolean; contextAblation: boolean; color: boolean | undefined; threads: number | undefined }): CompareArgs {
  const against = values.get('--against');
  if (against === undefined) throw usage('compare: --against DIR (the model to compare with) is required');
  const geometryFlag = flags.geometry ? '--geometry' : flags.contextAblation ? '--context-ablation' : ['--kernel', '--side', '--eigen', '--seed', '--deep-surplus'].find(f => values.has(f));
  if (geometryFlag) throw usage(`${geometryFlag}: not available with compare`);
  return {
    command: 'compare', file, model: values.get('--model'), against, format,
    topK: num('--top-k'), window: num('--window'), stride: num('--stride'), windowMemoryMB: num('--window-memory'),
    variant: values.get('--variant'), againstVariant: values.get('--against-variant'), maxBytes: num('--max-bytes'), color: flags.color,
    ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
  };
}

function parseRange(value: string): { from: number; to?: number } {
  const m = /^(\d*):(\d*)$/.exec(value);
  if (!m || (m[1] === '' && m[2] === '')) throw usage(`--range: expected START:END token indices (e.g. 0:16), got "${value}"`);
  const from = m[1] === '' ? 0 : Number(m[1]);
  const to = m[2] === '' ? undefined : Number(m[2]);
  if (to !== undefined && to <= from) throw usage(`--range: END must be greater than START, got "${value}"`);
  return { from, ...(to !== undefined ? { to } : {}) };
}
