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
  | 'tokenizer-missing'
  | 'tokenizer-invalid'
  | 'tokenizer-too-wide'
  | 'document-binary'
  | 'document-encoding'
  | 'document-too-large'
  | 'document-missing'
  | 'settings-invalid'
  | 'cancelled';

export function isInputError(e: unknown): e is InputError {
  return e instanceof Error && e.name === 'InputError';
}
