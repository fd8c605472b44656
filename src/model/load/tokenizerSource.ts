/**
 * Where the engine gets its DocumentTokenizer: the project's loader in src/model/tokenizer/
 * (another module's job). Tests may inject a factory instead.
 */
import type { ModelConfig } from './config';
import type { ModelFiles } from './folder';
import { loadTokenizerSync } from '../tokenizer';
import type { DocumentTokenizer } from '../tokenizer/types';

export type TokenizerFactory = (files: ModelFiles, config: ModelConfig) => DocumentTokenizer;

let injected: TokenizerFactory | undefined;

/** Replaces the tokenizer loader (tests with hand-written models only). */
export function setTokenizerFactory(factory: TokenizerFactory | undefined): void {
  injected = factory;
}

export function loadDocumentTokenizer(files: ModelFiles, config: ModelConfig): DocumentTokenizer {
  if (injected) return injected(files, config);
  return loadTokenizerSync(files.dir, config.raw);
}
