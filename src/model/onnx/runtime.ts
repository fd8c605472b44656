/**
 * The adapter to ONNX Runtime: the only module that makes its values (sessions and tensors) and the
 * one place a session runs. Everything else imports its types only.
 */
import { InferenceSession, Tensor } from 'onnxruntime-node';

export type { InferenceSession, Tensor };
export type TensorMap = Record<string, Tensor>;
export type SessionOptions = InferenceSession.SessionOptions;

export function makeTensor(type: Tensor.Type, data: Tensor.DataType, dims: readonly number[]): Tensor {
  return new Tensor(type, data as never, dims);
}

/** Opens a session from a file path or from the model's bytes (a spliced graph). */
export function openSession(source: string | Uint8Array, options: SessionOptions): Promise<InferenceSession> {
  return typeof source === 'string' ? InferenceSession.create(source, options) : InferenceSession.create(source, options);
}

/** Runs a session: every forward pass of the engine comes through here. `fetches`: only these outputs. */
export async function runSession(session: InferenceSession, feeds: TensorMap, fetches?: readonly string[]): Promise<TensorMap> {
  return await session.run(feeds, fetches ? [...fetches] : [...session.outputNames]) as TensorMap;
}

export async function releaseSession(session: InferenceSession): Promise<void> {
  await session.release();
}
