/**
 * Scan output files on disk: read back line by line (a torn last line of an interrupted scan is not
 * a line), appended to one complete line per write, and rewritten atomically (temp file + rename).
 */
import { closeSync, createReadStream, existsSync, fstatSync, openSync, readSync, renameSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { InputError } from '../../core/errors';
import { parseLine, type ScanLine } from '../../core/scan/record';

/** Every complete scan@1 line of `path`, in order (blank and torn lines are passed over). */
export async function* readLines(path: string): AsyncGenerator<ScanLine> {
  if (!existsSync(path)) throw new InputError(`${path}: not found`, 'document-missing', path);
  if (!statSync(path).isFile()) throw new InputError(`${path}: is not a file`, 'document-missing', path);
  const reader = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let number = 0;
  for await (const text of reader) {
    number++;
    let line: ScanLine | null;
    try {
      line = parseLine(text);
    } catch (e) {
      throw new InputError(`${path}:${number}: ${(e as Error).message}`, 'settings-invalid', path);
    }
    if (line) yield line;
  }
}

/** Cuts a torn last line (no newline after it) so that appending starts on a fresh line. */
export function cutTornTail(path: string): void {
  if (!existsSync(path)) return;
  const size = statSync(path).size;
  if (size === 0) return;
  const fd = openSync(path, 'r');
  try {
    const block = Buffer.alloc(64 * 1024);
    for (let end = size; end > 0; end -= block.length) {
      const start = Math.max(0, end - block.length);
      const n = readSync(fd, block, 0, end - start, start);
      const nl = block.subarray(0, n).lastIndexOf(0x0a);
      if (nl >= 0) {
        if (start + nl + 1 < size) truncateSync(path, start + nl + 1);
        return;
      }
    }
    truncateSync(path, 0);
  } finally {
    closeSync(fd);
  }
}

/** Appends whole lines: one write per line, so a kill leaves at most one torn line at the end. */
export class LineAppender {
  private readonly fd: number;

  constructor(readonly path: string, header?: string) {
    cutTornTail(path);
    this.fd = openSync(path, 'a');
    if (header !== undefined && fstatSync(this.fd).size === 0) writeSync(this.fd, header);
  }

  write(text: string): void {
    writeSync(this.fd, text);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Replaces `path` with `text` in one rename (a reader sees the old file or the new, never half). */
export function writeAtomic(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}
