/**
 * Where the engine gets its DocumentTokenizer: the project's loader in src/model/tokenizer/
 * (another module's job). Tests may inject a factory instead.
 */
import type { ModelConfig } from './config';
import type { ModelFiles } from './folder';
import type { DocumentTokenizer } from './tokenizer/types';

export type TokenizerFactory = (files: ModelFiles, config: ModelConfig) => DocumentTokenizer;

let injected: TokenizerFactory | undefined;

/** Replaces the tokenizer loader (tests only, until the real loader is present). */
export function setTokenizerFactory(factory: TokenizerFactory | undefined): void {
  injected = factory;
}

export function loadDocumentTokenizer(files: ModelFiles, config: ModelConfig): DocumentTokenizer {
  if (injected) return injected(files, config);
  // INTERIM: resolved at run time until src/model/tokenizer/index.ts lands; then a static import.
  const modulePath = ['.', 'tokenizer', 'index'].join('/');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(modulePath) as { loadTokenizer(dir: string, config: unknown): DocumentTokenizer };
  return mod.loadTokenizer(files.dir, config.raw);
}
