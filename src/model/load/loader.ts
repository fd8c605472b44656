/**
 * Loads a model folder inside the engine: files, config, the graph with the tensors observers may
 * read exposed as extra outputs (graph.ts), the one session, signature, tokenizer, then the cache
 * self-test and the tokenizer-vs-logits width check. Everything a user can get wrong ends as a
 * one-line InputError naming the file.
 */
import { statSync } from 'node:fs';
import type { ModelInfo } from '../../core/analysis';
import { InputError } from '../../core/errors';
import type { LoadOptions } from '../api';
import { releaseSession, type InferenceSession } from '../onnx/runtime';
import { detectSignature, type ModelSignature } from '../onnx/signature';
import { createChunkReducer, type ChunkReducer } from '../run/reducers';
import { LogitsShapeError, WindowScorer } from '../run/scorer';
import { runCacheSelfTest, SELF_TEST_TOLERANCE, selfTestIds, selfTestText } from '../run/selfTest';
import type { DocumentTokenizer } from '../tokenizer/types';
import { readModelConfig, type ModelConfig } from './config';
import { checkExternalData } from './externalData';
import { modelName, resolveModelFiles, type ModelFiles } from './folder';
import { openModelGraph, type ModelGraph } from './graph';
import { graphError, sessionOptions } from '../onnx/session';
import { automaticIntraOpThreads } from '../onnx/threads';
import { loadDocumentTokenizer } from './tokenizerSource';

/** Heuristic context length when config.json names none (most small causal LMs have at least this). */
const FALLBACK_CONTEXT = 1024;

export interface LoadedModel {
  files: ModelFiles;
  config: ModelConfig;
  session: InferenceSession;
  /** What the graph exposes beyond logits and cache (the LM head's input), or why it does not. */
  graph: ModelGraph;
  signature: ModelSignature;
  tokenizer: DocumentTokenizer;
  info: ModelInfo;
  /** The logits width (may exceed the tokenizer's vocabulary: padding rows). */
  logitsWidth: number;
  selfTestDelta: number | null;
  /** Where logits rows are reduced (a second thread when a core is free). */
  reducer: ChunkReducer;
  /** The options the session was created with (companion sessions use the same). */
  options: LoadOptions;
}

/** Frees the session and the reduction thread. */
export async function disposeModel(model: LoadedModel): Promise<void> {
  await model.reducer.close();
  await releaseSession(model.session);
}

export async function loadModel(modelDir: string, requested: LoadOptions): Promise<LoadedModel> {
  const files = resolveModelFiles(modelDir, requested.variant);
  const config = readModelConfig(files.dir);
  const tokenizer = loadDocumentTokenizer(files, config);
  const weightBytes = statSync(files.onnxPath).size + checkExternalData(files.onnxPath);
  const options: LoadOptions = { ...requested, intraOpThreads: requested.intraOpThreads ?? automaticIntraOpThreads(weightBytes) };
  const { session, graph } = await openModelGraph(files.onnxPath, options, config.layers);
  try {
    const signature = detectSignature(graph.withoutExtraOutputs(session), files.onnxPath, { kvHeads: config.kvHeads, headDim: config.headDim });
    const hasFp16 = signature.logitsType === 'float16' || signature.past.some(p => p.type === 'float16');
    const scorer = new WindowScorer(session, signature);
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
    const tolerance = graph.quantization?.activationsPerRun ? SELF_TEST_TOLERANCE.activationsPerRun : hasFp16 ? SELF_TEST_TOLERANCE.float16 : SELF_TEST_TOLERANCE.float32;
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
      ...(graph.quantization?.label ? { quantization: graph.quantization.label } : {}),
    };
    const reducer = createChunkReducer(sessionOptions(options).intraOpNumThreads ?? 1);
    return { files, config, session, graph: graph.checkedAgainst(signature), signature, tokenizer, info, logitsWidth, selfTestDelta, reducer, options };
  } catch (e) {
    await releaseSession(session).catch(() => undefined);
    // Whatever ORT (or the feeds built from the graph's own metadata) throws while probing and
    // self-testing a freshly loaded graph is that graph's fault.
    throw graphError(files.onnxPath, e, 'cannot run this graph');
  }
}
