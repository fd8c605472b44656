/**
 * Loads a model folder inside the worker: files, config, session, signature, tokenizer, then the
 * cache self-test and the tokenizer-vs-logits width check. Everything a user can get wrong ends
 * as a one-line InputError naming the file.
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { ModelInfo } from '../core/analysis';
import { InputError } from '../core/errors';
import type { LoadOptions } from './api';
import { readModelConfig, type ModelConfig } from './config';
import { checkExternalData } from './externalData';
import { modelName, resolveModelFiles, type ModelFiles } from './folder';
import { LogitsShapeError, WindowScorer } from './scorer';
import { createChunkReducer, type ChunkReducer } from './reducers';
import { createSession, sessionOptions } from './session';
import { detectSignature, type ModelSignature } from './signature';
import { runCacheSelfTest, SELF_TEST_TOLERANCE, selfTestIds, selfTestText } from './selftest';
import { loadDocumentTokenizer } from './tokenizerSource';
import type { DocumentTokenizer } from './tokenizer/types';

/** Heuristic context length when config.json names none (most small causal LMs have at least this). */
const FALLBACK_CONTEXT = 1024;

export interface LoadedModel {
  files: ModelFiles;
  config: ModelConfig;
  session: InferenceSession;
  signature: ModelSignature;
  tokenizer: DocumentTokenizer;
  info: ModelInfo;
  /** The logits width (may exceed the tokenizer's vocabulary: padding rows). */
  logitsWidth: number;
  selfTestDelta: number | null;
  /** Where logits rows are reduced (a second thread when a core is free). */
  reducer: ChunkReducer;
}

/** Frees the session and the reduction thread. */
export async function disposeModel(model: LoadedModel): Promise<void> {
  await model.reducer.close();
  await model.session.release();
}

export async function loadModel(modelDir: string, options: LoadOptions): Promise<LoadedModel> {
  const files = resolveModelFiles(modelDir, options.variant);
  const config = readModelConfig(files.dir);
  const tokenizer = loadDocumentTokenizer(files, config);
  checkExternalData(files.onnxPath);
  const session = await createSession(files.onnxPath, options);
  try {
    const signature = detectSignature(session, files.onnxPath, { kvHeads: config.kvHeads, headDim: config.headDim });
    const hasFp16 = signature.logitsType === 'float16' || signature.past.some(p => p.type === 'float16');
    const scorer = new WindowScorer(session, signature, 1);
    // The width must be known before any tokenizer id reaches the graph: from the metadata, else
    // from a one-token probe with id 0 (valid in every vocabulary).
    const logitsWidth = signature.logitsWidth ?? (await scorer.step(Int32Array.of(0), 0, 1)).width;
    if (tokenizer.vocabSize > logitsWidth) {
      throw new InputError(
        `${files.tokenizerPath}: the tokenizer has ${tokenizer.vocabSize} ids but the model's logits cover only ${logitsWidth}; tokenizer and model do not match`,
        'tokenizer-too-wide',
        files.tokenizerPath,
      );
    }
    const ids = selfTestIds(tokenizer.prefixTokenId, tokenizer.encode(selfTestText()).ids);
    const tolerance = hasFp16 ? SELF_TEST_TOLERANCE.float16 : SELF_TEST_TOLERANCE.float32;
    const selfTestDelta = await runCacheSelfTest(scorer, ids, signature.past.length > 0, tolerance, files.onnxPath).catch((e: unknown) => {
      // e.g. genai prune_lm_head: logits for the last position only, useless for scoring.
      if (e instanceof LogitsShapeError) throw new InputError(`${files.onnxPath}: ${e.message}`, 'model-not-causal-lm', files.onnxPath);
      throw e;
    });
    const info: ModelInfo = {
      path: files.dir,
      name: modelName(files),
      modelType: config.modelType,
      vocabSize: logitsWidth,
      hiddenSize: config.hiddenSize ?? 0,
      layers: config.layers ?? signature.past.filter(p => !p.pastName.endsWith('.value')).length,
      contextLength: config.contextLength ?? FALLBACK_CONTEXT,
      dtype: signature.logitsType,
    };
    const reducer = createChunkReducer(sessionOptions(options).intraOpNumThreads ?? 1);
    return { files, config, session, signature, tokenizer, info, logitsWidth, selfTestDelta, reducer };
  } catch (e) {
    await session.release().catch(() => undefined);
    throw e;
  }
}
