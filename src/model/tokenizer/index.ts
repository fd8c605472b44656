/** The tokenizer module: model folder -> DocumentTokenizer (ids, exact UTF-16 spans, prefix token). */
export { loadTokenizer, loadTokenizerSync } from './loadTokenizer';
export { HfDocumentTokenizer } from './documentTokenizer';
export type { DetailedTokenization } from './documentTokenizer';
export type { DocumentTokenizer, TokenizedDocument } from './types';
