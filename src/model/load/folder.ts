/**
 * Finds the ONNX graph in a model folder: the Optimum layout (`model.onnx` at the root) or the
 * transformers.js layout (`onnx/model{_variant}.onnx`), plus the legacy decoder file names.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '../../core/errors';
import { isRegularFile } from './modelFile';

export interface ModelFiles {
  dir: string;
  onnxPath: string;
  tokenizerPath: string;
}

/** File name for a transformers.js variant: '' -> model.onnx, 'fp16' -> model_fp16.onnx. */
export function variantFileName(variant: string | undefined): string {
  const v = (variant ?? '').replace(/^_/, '').replace(/\.onnx$/, '');
  if (v === '' || v === 'model' || v === 'fp32') return 'model.onnx';
  return v.startsWith('model') ? `${v}.onnx` : `model_${v}.onnx`;
}

const LEGACY_NAMES = ['decoder_model_merged.onnx', 'decoder_model.onnx'];

export function resolveModelFiles(dir: string, variant?: string): ModelFiles {
  if (!existsSync(dir)) throw new InputError(`${dir}: model folder not found`, 'model-missing', dir);
  if (!statSync(dir).isDirectory()) throw new InputError(`${dir}: is not a folder (point at the model folder)`, 'model-missing', dir);
  const onnxPath = findGraph(dir, variant);
  const tokenizerPath = join(dir, 'tokenizer.json');
  if (!existsSync(tokenizerPath)) {
    throw new InputError(`${tokenizerPath}: not found (the model folder needs its tokenizer.json)`, 'tokenizer-missing', tokenizerPath);
  }
  return { dir, onnxPath, tokenizerPath };
}

function findGraph(dir: string, variant: string | undefined): string {
  const wanted = variantFileName(variant);
  const sub = join(dir, 'onnx');
  const hasSub = existsSync(sub) && statSync(sub).isDirectory();
  const explicit = variant !== undefined && variant !== '';
  // transformers.js layout first when the user named a variant; otherwise the root model.onnx.
  const candidates = explicit
    ? [join(sub, wanted), join(dir, wanted)]
    : [join(dir, 'model.onnx'), join(sub, 'model.onnx'), ...LEGACY_NAMES.flatMap(n => [join(dir, n), join(sub, n)])];
  for (const c of candidates) if (existsSync(c) && statSync(c).isFile()) return c;
  const available = [...onnxFiles(dir), ...(hasSub ? onnxFiles(sub).map(f => `onnx/${f}`) : [])];
  if (explicit) {
    const detail = available.length ? `available: ${available.join(', ')}` : 'the folder has no .onnx file';
    throw new InputError(`${dir}: no ${wanted} for variant "${variant}" (${detail})`, 'model-no-onnx', dir);
  }
  if (available.length === 1) return join(dir, available[0]);
  if (available.length === 0) throw new InputError(`${dir}: no .onnx model file in the folder (expected model.onnx or onnx/model.onnx)`, 'model-no-onnx', dir);
  throw new InputError(`${dir}: several .onnx files and no model.onnx (${available.join(', ')}); choose one with the variant setting`, 'model-no-onnx', dir);
}

function onnxFiles(dir: string): string[] {
  // Regular files only: a folder or pipe named *.onnx is not a graph (and a pipe would block a read).
  return readdirSync(dir).filter(f => f.endsWith('.onnx') && isRegularFile(join(dir, f))).sort();
}

/** The graph's display name: the folder name (or the parent's for the onnx/ subfolder). */
export function modelName(files: ModelFiles): string {
  return basename(files.dir.replace(/[\\/]+$/, '')) || files.dir;
}
