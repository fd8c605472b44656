/**
 * Reads the small files of a model folder (config.json, tokenizer.json, ...) as untrusted input:
 * only a regular file is read (a FIFO would block the worker forever, a folder gives EISDIR), and
 * file-system errors become one-line InputErrors naming the file instead of internal errors.
 */
import { readFileSync, statSync } from 'node:fs';
import { InputError, type InputErrorCode } from '../../core/errors';

/** The user-facing reason for a file-system error code (EACCES when not running as root, ...). */
export function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT': return 'not found';
    case 'EACCES':
    case 'EPERM': return 'permission denied (cannot be read)';
    case 'EISDIR': return 'is a folder, not a file';
    case 'ENOTDIR': return 'a part of the path is not a folder';
    case 'ELOOP': return 'is a symbolic link loop';
    case 'ENAMETOOLONG': return 'the path is too long';
    default: return e instanceof Error ? e.message.split('\n')[0] : String(e);
  }
}

/** Throws the InputError for an fs error on `path`. */
export function fsInputError(path: string, e: unknown, code: InputErrorCode): InputError {
  return new InputError(`${path}: ${describeFsError(e)}`, code, path);
}

/**
 * The text of `path`, or undefined when it does not exist and `optional` is set. Anything else that
 * is not a readable regular file throws an InputError with `code`.
 */
export function readModelTextFile(path: string, code: InputErrorCode, optional = false): string | undefined {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (e) {
    if (optional && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fsInputError(path, e, code);
  }
  if (!isFile) throw new InputError(`${path}: is not a regular file (a folder, pipe or device); expected a file`, code, path);
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw fsInputError(path, e, code);
  }
}

/** True for an existing regular file (symlinks followed); false for folders, pipes and missing paths. */
export function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
