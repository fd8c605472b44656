/**
 * An error caused by the user's input (a model folder, a document, a setting), not by a bug.
 * The message is one line that names the file or setting and says what is wrong; the CLI exits 2
 * on it and the extension shows it as is.
 */
export class InputError extends Error {
  constructor(
    message: string,
    /** Machine-readable category, stable across versions (for tests and telemetry-free logs). */
    readonly code: InputErrorCode,
    /** The file or setting the message is about, when there is one. */
    readonly subject?: string,
  ) {
    super(message);
    this.name = 'InputError';
  }
}

export type InputErrorCode =
  | 'model-missing'
  | 'model-no-onnx'
  | 'model-corrupt'
  | 'model-external-data'
  | 'model-not-causal-lm'
  | 'model-unsupported-dtype'
  | 'model-config'
  | 'model-invalid'
  | 'tokenizer-missing'
  | 'tokenizer-invalid'
  | 'tokenizer-too-wide'
  | 'document-binary'
  | 'document-encoding'
  | 'document-too-large'
  | 'document-missing'
  | 'settings-invalid'
  /** A geometry request named an analysis whose gathered input the engine no longer keeps. */
  | 'geometry-not-kept'
  | 'cancelled'
  | 'engine-halted';

export function isInputError(e: unknown): e is InputError {
  return e instanceof Error && e.name === 'InputError';
}

/**
 * The engine (a process or a thread) stopped under a request: killed, crashed, out of memory, or
 * closed. Carries the exit code and signal so the user can be told what happened.
 */
export class EngineStoppedError extends Error {
  constructor(message: string, readonly exitCode: number | null, readonly signal: string | null) {
    super(message);
    this.name = 'EngineStoppedError';
  }
}

export function isEngineStopped(e: unknown): e is EngineStoppedError {
  return e instanceof Error && e.name === 'EngineStoppedError';
}

/** An error as it crosses a process or thread boundary (structured clone keeps no classes). */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: InputErrorCode;
  subject?: string;
  exitCode?: number | null;
  signal?: string | null;
}

export function errorToWire(e: unknown): WireError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) };
  const wire: WireError = { name: e.name, message: e.message, stack: e.stack };
  if (isInputError(e)) Object.assign(wire, { code: e.code, subject: e.subject });
  if (isEngineStopped(e)) Object.assign(wire, { exitCode: e.exitCode, signal: e.signal });
  return wire;
}

/** The same kind of error on this side: InputError and EngineStoppedError keep their fields. */
export function errorFromWire(wire: WireError): Error {
  let e: Error;
  if (wire.name === 'InputError' && wire.code) e = new InputError(wire.message, wire.code, wire.subject);
  else if (wire.name === 'EngineStoppedError') e = new EngineStoppedError(wire.message, wire.exitCode ?? null, wire.signal ?? null);
  else {
    e = new Error(wire.message);
    e.name = wire.name;
  }
  if (wire.stack) e.stack = wire.stack;
  return e;
}
