/**
 * Creates the ONNX Runtime session with the options an editor needs (no spinning threads, half the
 * cores, quiet logs) and turns ORT's load failures into one-line InputErrors naming the file.
 */
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { openSession, type InferenceSession, type SessionOptions } from './runtime';
import { InputError, isInputError } from '../../core/errors';
import type { LoadOptions } from '../api';

export function sessionOptions(options: LoadOptions): SessionOptions {
  return {
    executionProviders: options.executionProviders ?? ['cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: options.intraOpThreads ?? Math.max(1, Math.floor(availableParallelism() / 2)),
    interOpNumThreads: 1,
    logSeverityLevel: 3,
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

export async function createSession(onnxPath: string, options: LoadOptions): Promise<InferenceSession> {
  refuseLfsPointer(onnxPath);
  try {
    return await openSession(onnxPath, sessionOptions(options));
  } catch (e) {
    throw classifyLoadError(onnxPath, e);
  }
}

/** A Git-LFS pointer or an empty file instead of the graph gives ORT's least helpful message. */
export function refuseLfsPointer(onnxPath: string): void {
  const size = statSync(onnxPath).size;
  if (size === 0) throw new InputError(`${onnxPath}: the model file is empty`, 'model-corrupt', onnxPath);
  const fd = openSync(onnxPath, 'r');
  try {
    const head = Buffer.alloc(Math.min(64, size));
    readSync(fd, head, 0, head.length, 0);
    if (head.toString('latin1').startsWith('version https://git-lfs')) {
      throw new InputError(`${onnxPath}: is a Git LFS pointer, not the model (run git lfs pull)`, 'model-corrupt', onnxPath);
    }
  } finally {
    closeSync(fd);
  }
}

/** Maps ORT's load error text to the user-input error it stands for; unknown failures stay internal. */
export function classifyLoadError(onnxPath: string, e: unknown): Error {
  const message = e instanceof Error ? e.message : String(e);
  const first = message.split('\n')[0].slice(0, 300);
  if (/Unsupported data type: 16|bfloat16/i.test(message)) {
    return new InputError(`${onnxPath}: bfloat16 graphs are not supported by ONNX Runtime for Node; use an fp32 or fp16 export`, 'model-unsupported-dtype', onnxPath);
  }
  if (/external data|external_data|out of bounds|onnx_data|onnx\.data/i.test(message)) {
    return new InputError(`${onnxPath}: its external data file is missing or too short (${first})`, 'model-external-data', onnxPath);
  }
  if (/protobuf parsing failed|Load model .* failed|ModelProto|INVALID_PROTOBUF|INVALID_GRAPH|No graph|Invalid model|corrupt/i.test(message)) {
    return new InputError(`${onnxPath}: is not a valid ONNX model (truncated or corrupt): ${first}`, 'model-corrupt', onnxPath);
  }
  return graphError(onnxPath, e, 'cannot load this graph');
}

/**
 * ONNX Runtime's failures while loading or running a graph (a shape it rejects, an initializer whose
 * data does not match its dims, an attribute out of range) are the model's, not a bug here: an
 * InputError naming the file, with ORT's first line.
 */
export function graphError(onnxPath: string, e: unknown, what: string): Error {
  if (isInputError(e)) return e;
  const message = (e instanceof Error ? e.message : String(e)).split('\n')[0].replace(/\s+/g, ' ').trim().slice(0, 300);
  return new InputError(`${onnxPath}: ONNX Runtime ${what}: ${message}`, 'model-invalid', onnxPath);
}

/** Whether an error thrown by a session run is ONNX Runtime refusing the graph or its inputs. */
export function isRuntimeRefusal(e: unknown): boolean {
  const message = e instanceof Error ? e.message : String(e);
  return /Non-zero status code returned|ShapeInferenceError|Got invalid dimensions|ONNXRuntimeError|Tensor\.dims|out of bounds/i.test(message);
}
