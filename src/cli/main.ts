/**
 * `markov-lens analyze FILE` and `markov-lens compare FILE --against DIR`: reads and validates the
 * file, runs the engine (in this process), and prints JSON, CSV or a terminal heatmap. Exit 0 ok, 2
 * bad input (one line naming the file or model), 1 internal.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { checkDocumentSize, DEFAULT_MAX_BYTES, decodeDocument } from '../core/document';
import { InputError, isInputError } from '../core/errors';
import { formatCsv } from '../core/format/csv';
import { formatJson, geometryJsonBlock } from '../core/format/json';
import { formatLayersCsv, layersBlock } from '../core/format/layers';
import { formatLayersText } from '../core/format/layersText';
import { isLensOff, type LayerLens } from '../core/lens/types';
import type { LanguageModelEngine } from '../model/api';
import { formatText, type ColorMode } from '../core/format/text';
import { openModel, openModelPair, type OpenModelOptions } from '../model/client/openModel';
import { formatComparisonJson } from '../core/compare/comparison';
import { formatComparisonCsv } from '../core/compare/formatCsv';
import { formatComparisonText } from '../core/compare/formatText';
import { parseArgs, USAGE, type AnalyzeArgs, type CompareArgs } from './args';
import { formatGeometryTable } from './geometryTable';
import { wordsCsvHeader, wordsCsvRows } from '../core/format/wordsCsv';
import { wordSurprisals } from '../core/words';
import { SCAN_USAGE } from './scan/args';
import { runMerge } from './scan/merge';
import { runScan } from './scan/scan';

export interface CliIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
  /** Aborted on Ctrl+C / SIGTERM: a scan stops, keeping every complete line it wrote. */
  signal?: AbortSignal;
}

/** The folder holding package.json: dist/ -> .., out/src/cli/ -> ../../.. */
export function packageRoot(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return from;
  }
}

export function defaultModelDir(): string {
  return join(packageRoot(), 'models', 'default');
}

function colorMode(args: { color?: boolean }, io: CliIo): ColorMode {
  const wanted = args.color ?? (io.env.NO_COLOR ? false : io.stdout.isTTY === true || !!io.env.FORCE_COLOR);
  if (!wanted) return 'none';
  return /truecolor|24bit/i.test(io.env.COLORTERM ?? '') ? 'truecolor' : '256';
}

function readDocument(path: string, maxBytes: number): string {
  if (path === '-') return decodeDocument(readFileSync(0), '<stdin>', maxBytes);
  if (!existsSync(path)) throw new InputError(`${path}: file not found`, 'document-missing', path);
  const stat = statSync(path);
  if (stat.isDirectory()) throw new InputError(`${path}: is a folder, not a text file`, 'document-missing', path);
  // Refuse a huge file before reading it; decodeDocument checks the bytes it is given again.
  checkDocumentSize(stat.size, path, maxBytes);
  return decodeDocument(readFileSync(path), path, maxBytes);
}

/** The --model folder, or the bundled model (refused when it is not installed). */
function baseModelDir(model: string | undefined): string {
  const modelDir = model ? resolve(model) : defaultModelDir();
  if (!model && !existsSync(join(modelDir, 'config.json'))) {
    throw new InputError(`${modelDir}: the bundled default model is not installed; pass --model DIR`, 'model-missing', modelDir);
  }
  return modelDir;
}

async function analyze(args: AnalyzeArgs, io: CliIo, engineOptions: OpenModelOptions): Promise<void> {
  const text = readDocument(args.file, args.maxBytes ?? DEFAULT_MAX_BYTES);
  const modelDir = baseModelDir(args.model);
  const engine = await openModel(modelDir, { ...engineOptions, variant: args.variant, ...threadOption(args.threads) });
  try {
    // Progress on an interactive stderr only, so pipes and logs stay clean.
    const onProgress = io.stderr.isTTY ? (done: number, total: number) => io.stderr.write(`\rscoring ${done}/${total} tokens`) : undefined;
    const analysis = await engine.analyze({ text, topK: args.topK, window: args.window, stride: args.stride, windowMemoryMB: args.windowMemoryMB, onProgress, geometry: args.geometry, layers: args.layers });
    if (analysis.scoring.windowCapped) io.stderr.write(`markov-lens: note: ${analysis.scoring.windowCapped}; --window N chooses another, --window-memory MB raises the budget\n`);
    if (onProgress) io.stderr.write('\r\x1b[K');
    const lens = analysis.layers;
    if (lens && isLensOff(lens)) io.stderr.write(`markov-lens: ${modelDir}: ${lens.reason}\n`);
    if (args.format === 'json') {
      const { geometry: report, layers: _layers, ...rest } = analysis;
      const block = report && geometryJsonBlock(report, analysis.tokens, analysis.timings.geometryMs);
      const words = args.words ? wordSurprisals(text, analysis.tokens) : undefined;
      io.stdout.write(formatJson({ ...rest, inputPath: args.file, geometry: block, words, layers: lens && layersBlock(lens) }));
    } else if (args.format === 'csv' && args.words) {
      io.stdout.write(wordsCsvHeader(false) + wordsCsvRows(wordSurprisals(text, analysis.tokens)));
    } else if (args.format === 'csv') {
      io.stdout.write(lens && !isLensOff(lens) ? formatLayersCsv(analysis.tokens, lens, await topTexts(engine, lens)) : formatCsv(analysis.tokens));
    } else {
      const mode = colorMode(args, io);
      io.stdout.write(formatText(text, analysis.tokens, analysis.summary, mode));
      if (analysis.geometry) io.stdout.write(formatGeometryTable(analysis.geometry));
      if (lens) {
        const from = args.range?.from ?? 0;
        if (from >= analysis.tokens.length && analysis.tokens.length > 0) {
          throw new InputError(`${args.file}: --range starts at token ${from}, but the document has ${analysis.tokens.length} tokens`, 'settings-invalid', args.file);
        }
        const to = Math.min(args.range?.to ?? from + DEFAULT_LAYER_RANGE, analysis.tokens.length);
        const columns = (io.stdout as { columns?: number }).columns ?? 120;
        io.stdout.write(formatLayersText(analysis.tokens, lens, { from, to, mode, columns, topText: isLensOff(lens) ? String : await topTexts(engine, lens) }));
      }
    }
  } finally {
    await engine.dispose();
  }
}

/**
 * `compare FILE --against DIR`: both models in one engine, scored in step (one tokenizer) or one
 * after the other (two); the output is written only once everything succeeded.
 */
async function compare(args: CompareArgs, io: CliIo, engineOptions: OpenModelOptions): Promise<void> {
  const text = readDocument(args.file, args.maxBytes ?? DEFAULT_MAX_BYTES);
  const modelDir = baseModelDir(args.model);
  const pair = await openModelPair(modelDir, resolve(args.against), {
    ...engineOptions, variant: args.variant, againstVariant: args.againstVariant, ...threadOption(args.threads),
    labels: { model: `--model ${args.model ?? '(bundled)'}`, against: `--against ${args.against}` },
  });
  try {
    const onProgress = io.stderr.isTTY ? (done: number, total: number) => io.stderr.write(`\rscoring ${done}/${total} tokens`) : undefined;
    const comparison = await pair.model.compare!(pair.against, { text, topK: args.topK, window: args.window, stride: args.stride, windowMemoryMB: args.windowMemoryMB, onProgress });
    if (onProgress) io.stderr.write('\r\x1b[K');
    const capped = comparison.kind === 'same-tokenizer' ? comparison.scoring.windowCapped : comparison.scoring.model.windowCapped;
    if (capped) io.stderr.write(`markov-lens: note: ${capped}; --window N chooses another, --window-memory MB raises the budget\n`);
    const output = args.format === 'json' ? formatComparisonJson(comparison, args.file)
      : args.format === 'csv' ? formatComparisonCsv(text, comparison)
        : formatComparisonText(text, comparison, colorMode(args, io));
    io.stdout.write(output);
  } finally {
    await pair.dispose();
  }
}

/** Tokens the text view of the layer lens shows without --range. */
const DEFAULT_LAYER_RANGE = 16;

/** Text of every top-1 id the lens holds, from the engine's tokenizer. */
async function topTexts(engine: LanguageModelEngine, lens: LayerLens): Promise<(id: number) => string> {
  const ids = [...new Set(Array.from(lens.top1).filter(id => id >= 0))];
  const texts = engine.tokenTexts ? await engine.tokenTexts(ids) : ids.map(id => `#${id}`);
  const byId = new Map(ids.map((id, i) => [id, texts[i]]));
  return id => byId.get(id) ?? `#${id}`;
}

/** --threads N as the engine's option; without it the engine chooses by the model's size. */
function threadOption(threads: number | undefined): { intraOpThreads?: number } {
  return threads === undefined ? {} : { intraOpThreads: threads };
}

/** Runs the CLI and returns the exit code (never throws). */
export async function main(argv: readonly string[], io: CliIo, engineOptions: OpenModelOptions = {}): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args.command === 'help') {
      io.stdout.write(args.topic ? SCAN_USAGE : USAGE);
      return 0;
    }
    if (args.command === 'version') {
      const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
      io.stdout.write(`${pkg.version}\n`);
      return 0;
    }
    if (args.command === 'merge') {
      await runMerge(args, io.stdout);
      return 0;
    }
    if (args.command === 'scan') {
      await runScan(args, io, baseModelDir(args.model), engineOptions);
      return io.signal?.aborted ? 130 : 0;
    }
    if (args.command === 'compare') await compare(args, io, engineOptions);
    else await analyze(args, io, engineOptions);
    return 0;
  } catch (e) {
    if (io.signal?.aborted) {
      io.stderr.write('markov-lens: interrupted; the output is complete up to its last line\n');
      return 130;
    }
    if (isInputError(e)) {
      io.stderr.write(`markov-lens: ${e.message.replace(/\s*\n\s*/g, ' ')}\n`);
      return 2;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    io.stderr.write(`markov-lens: internal error: ${err.stack ?? err.message}\n`);
    return 1;
  }
}

if (require.main === module) {
  // A reader that stops early (`| head`) closes the pipe: that is the reader's choice, not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  // The first Ctrl+C (or a scheduler's SIGTERM) stops a scan cleanly; a second one ends the process.
  const interrupt = new AbortController();
  const stop = (signal: NodeJS.Signals): void => {
    if (interrupt.signal.aborted) process.exit(130);
    interrupt.abort(new Error(signal));
  };
  process.on('SIGINT', stop).on('SIGTERM', stop);
  void main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: interrupt.signal }).then(code => {
    process.exitCode = code;
  });
}
