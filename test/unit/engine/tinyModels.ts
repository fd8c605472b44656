/**
 * Loads hand-written tiny models (tinyOnnx.ts) with the character tokenizer for a test file:
 * registers the before/after hooks (temp folder, tokenizer factory, disposal) and returns `load`,
 * the models loaded so far, and `path` for folders a test writes itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { disposeModel, loadModel, type LoadedModel } from '../../../src/model/load/loader';
import { setTokenizerFactory } from '../../../src/model/load/tokenizerSource';
import { charTokenizer } from './charTokenizer';
import { writeTinyModelFolder, type TinySpec } from './tinyOnnx';

export interface TinyModels {
  load(name: string, spec: TinySpec): Promise<LoadedModel>;
  models: LoadedModel[];
  path(name: string): string;
}

export function tinyModelLoader(prefix: string, vocab: number): TinyModels {
  let root = '';
  const models: LoadedModel[] = [];
  before(() => {
    root = mkdtempSync(join(tmpdir(), prefix));
    setTokenizerFactory(() => charTokenizer(vocab));
  });
  after(async () => {
    for (const m of models) await disposeModel(m);
    setTokenizerFactory(undefined);
    rmSync(root, { recursive: true, force: true });
  });
  const path = (name: string) => join(root, name);
  return {
    models,
    path,
    async load(name, spec) {
      const m = await loadModel(writeTinyModelFolder(path(name), spec), { intraOpThreads: 1 });
      models.push(m);
      return m;
    },
  };
}
