/**
 * What a model folder is, without loading it: the engine's own first checks (the graph and
 * tokenizer.json are where the loader looks, config.json parses), its shape from config.json, and its
 * size on disk (file sizes, links followed; no weight is read). A folder that fails a check carries
 * the engine's message as the reason it cannot be used.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describeModel, type ModelShape } from '../../core/models/summary';
import { readModelConfig } from './config';
import { resolveModelFiles } from './folder';

export interface ModelFolderInfo {
  dir: string;
  usable: boolean;
  /** The engine's message when the folder cannot be used. */
  reason?: string;
  shape?: ModelShape;
  sizeBytes?: number;
  /** describeModel's line (shape and size), or the reason. */
  description: string;
}

export function inspectModelFolder(dir: string, variant?: string): ModelFolderInfo {
  try {
    resolveModelFiles(dir, variant);
    const c = readModelConfig(dir);
    const shape: ModelShape = { modelType: c.modelType, layers: c.layers, hiddenSize: c.hiddenSize, vocabSize: c.vocabSize, contextLength: c.contextLength };
    const sizeBytes = folderSize(dir);
    return { dir, usable: true, shape, sizeBytes, description: describeModel(shape, sizeBytes) };
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return { dir, usable: false, reason, description: reason };
  }
}

/** Sum of the sizes of the files under `dir` (links followed, `depth` folder levels down). */
export function folderSize(dir: string, depth = 3): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    try {
      const path = join(dir, name);
      const s = statSync(path);
      if (s.isFile()) total += s.size;
      else if (s.isDirectory() && depth > 0 && name !== '.git') total += folderSize(path, depth - 1);
    } catch {
      // a dangling link or an unreadable entry adds nothing
    }
  }
  return total;
}
