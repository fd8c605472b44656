/**
 * External-data references of an ONNX model and the checks to run before ONNX Runtime opens it:
 * every tensor's (location, offset, length), found by a scan that reads only message headers and
 * skips tensor payloads by length (the file is read through a small window, never whole); and a
 * path-safety check that rejects absolute locations and ones escaping the model folder by `..` or
 * a symlink, plus a size check against the largest offset + length (a truncated download or a
 * Git-LFS pointer file otherwise surfaces as ORT's "out of bounds" message; pitfall 21).
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep, win32 } from 'node:path';
import { InputError } from '../../../core/errors';
import { elementCount, elementSize } from './scan';
import { ByteSource, Field, fields, readInts, readString, WIRE_BYTES, WIRE_VARINT } from './wire';

export interface ExternalDataEntry {
  tensor: string;
  location: string;
  offset: number;
  length: number;
  /** False when the model omits `length` and it was computed from dims × element size. */
  lengthDeclared: boolean;
  /** Where the tensor sits: 'graph', 'graph/node:<name>', 'function:<name>', ... */
  scope: string;
}

/** Lists the external-data entries of every tensor in the model, subgraphs and functions included. */
export function listExternalData(model: ByteSource): ExternalDataEntry[] {
  const out: ExternalDataEntry[] = [];
  for (const f of fields(model, 0, model.length)) {
    if (f.wire !== WIRE_BYTES) continue;
    if (f.number === 7) walkGraph(model, f, 'graph', out);
    else if (f.number === 25) walkFunction(model, f, out);
  }
  return out;
}

/** The same, reading the file through a window (payloads are skipped, not read). */
export function listExternalDataInFile(onnxPath: string, windowBytes = 1 << 20): ExternalDataEntry[] {
  const file = new WindowedFile(onnxPath, windowBytes);
  try {
    return listExternalData(file);
  } finally {
    file.close();
  }
}

function walkGraph(src: ByteSource, graph: Field, scope: string, out: ExternalDataEntry[]): void {
  for (const f of fields(src, graph.start, graph.end)) {
    if (f.wire !== WIRE_BYTES) continue;
    if (f.number === 1) walkNode(src, f, scope, out);
    else if (f.number === 5) tensorEntry(src, f, scope, out);
    else if (f.number === 15) walkSparse(src, f, scope, out);
  }
}

/** FunctionProto: name=1, node=7. */
function walkFunction(src: ByteSource, fn: Field, out: ExternalDataEntry[]): void {
  let name = '';
  for (const f of fields(src, fn.start, fn.end)) {
    if (f.number === 1 && f.wire === WIRE_BYTES) name = readString(src, f);
    else if (f.number === 7 && f.wire === WIRE_BYTES) walkNode(src, f, `function:${name}`, out);
  }
}

/** NodeProto attribute=5 → AttributeProto t=5, g=6, tensors=10, graphs=11, sparse_tensor=22, sparse_tensors=23. */
function walkNode(src: ByteSource, node: Field, scope: string, out: ExternalDataEntry[]): void {
  let name = '';
  for (const f of fields(src, node.start, node.end)) {
    if (f.number === 3 && f.wire === WIRE_BYTES) name = readString(src, f);
    if (f.number !== 5 || f.wire !== WIRE_BYTES) continue;
    const inner = `${scope}/node:${name}`;
    for (const a of fields(src, f.start, f.end)) {
      if (a.wire !== WIRE_BYTES) continue;
      if (a.number === 5 || a.number === 10) tensorEntry(src, a, inner, out);
      else if (a.number === 6 || a.number === 11) walkGraph(src, a, inner, out);
      else if (a.number === 22 || a.number === 23) walkSparse(src, a, inner, out);
    }
  }
}

/** SparseTensorProto: values=1, indices=2 (both TensorProto). */
function walkSparse(src: ByteSource, sparse: Field, scope: string, out: ExternalDataEntry[]): void {
  for (const f of fields(src, sparse.start, sparse.end)) if ((f.number === 1 || f.number === 2) && f.wire === WIRE_BYTES) tensorEntry(src, f, scope, out);
}

function tensorEntry(src: ByteSource, tensor: Field, scope: string, out: ExternalDataEntry[]): void {
  const dims: number[] = [];
  let dataType = 0;
  let name = '';
  const external: Record<string, string> = {};
  for (const f of fields(src, tensor.start, tensor.end)) {
    if (f.number === 1) readInts(src, f, dims);
    else if (f.number === 2 && f.wire === WIRE_VARINT) dataType = f.value;
    else if (f.number === 8 && f.wire === WIRE_BYTES) name = readString(src, f);
    else if (f.number === 13 && f.wire === WIRE_BYTES) {
      let key = '';
      let value = '';
      for (const kv of fields(src, f.start, f.end)) {
        if (kv.number === 1 && kv.wire === WIRE_BYTES) key = readString(src, kv);
        else if (kv.number === 2 && kv.wire === WIRE_BYTES) value = readString(src, kv);
      }
      external[key] = value;
    }
  }
  if (external.location === undefined) return;
  const declared = external.length !== undefined;
  out.push({
    tensor: name, location: external.location, scope,
    offset: Number(external.offset ?? 0),
    length: declared ? Number(external.length) : elementCount(dims) * elementSize(dataType),
    lengthDeclared: declared,
  });
}

export interface ExternalDataFile {
  location: string;
  path: string;
  size: number;
  /** Largest offset + length any tensor needs from this file. */
  required: number;
}

/**
 * Checks every location is a plain relative path inside the model's folder (symlinks resolved),
 * exists, and is long enough. Throws InputError('model-external-data') naming the file otherwise.
 */
export function checkExternalDataFiles(onnxPath: string, entries = listExternalDataInFile(onnxPath)): ExternalDataFile[] {
  const folder = realpathSync(dirname(resolve(onnxPath)));
  const files = new Map<string, ExternalDataFile>();
  const fail = (message: string, subject: string): never => {
    throw new InputError(`${onnxPath}: ${message}`, 'model-external-data', subject);
  };
  for (const e of entries) {
    const { location } = e;
    if (!location || location.includes('\0')) fail(`tensor ${e.tensor} has an empty or invalid external data location`, onnxPath);
    if (isAbsolute(location) || win32.isAbsolute(location) || /^[A-Za-z]:/.test(location)) {
      fail(`tensor ${e.tensor} names an absolute external data path (${location}); only files next to the model are allowed`, location);
    }
    const target = resolve(folder, location);
    if (escapes(folder, target)) fail(`tensor ${e.tensor} names external data outside the model folder (${location})`, location);
    if (!Number.isSafeInteger(e.offset) || !Number.isSafeInteger(e.length) || e.offset < 0 || e.length < 0) {
      fail(`tensor ${e.tensor} has an invalid external data offset/length (${e.offset}, ${e.length})`, location);
    }
    let file = files.get(location);
    if (!file) {
      if (!existsSync(target)) fail(`its external data file ${location} is missing (expected at ${target})`, target);
      const real = realpathSync(target);
      if (escapes(folder, real)) fail(`external data ${location} is a link to a file outside the model folder (${real})`, target);
      const stat = statSync(real);
      if (!stat.isFile()) fail(`external data ${location} is not a regular file`, target);
      file = { location, path: real, size: stat.size, required: 0 };
      files.set(location, file);
    }
    file.required = Math.max(file.required, e.offset + e.length);
  }
  for (const f of files.values()) {
    if (f.size < f.required) {
      fail(`external data file ${f.location} is ${f.size} bytes but the model needs ${f.required} (truncated download or a Git LFS pointer?)`, f.path);
    }
  }
  return [...files.values()];
}

function escapes(folder: string, target: string): boolean {
  const rel = relative(folder, target);
  return rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
}

/** A read-only file seen through a 1 MiB window: random access without reading the whole file. */
class WindowedFile implements ByteSource {
  private readonly fd: number;
  readonly length: number;
  private window = new Uint8Array(0);
  private windowStart = 0;

  constructor(path: string, private readonly windowSize = 1 << 20) {
    this.fd = openSync(path, 'r');
    this.length = fstatSync(this.fd).size;
  }

  at(index: number): number | undefined {
    if (index < 0 || index >= this.length) return undefined;
    if (index < this.windowStart || index >= this.windowStart + this.window.length) this.load(index, this.windowSize);
    return this.window[index - this.windowStart];
  }

  subarray(start: number, end: number): Uint8Array {
    if (start < this.windowStart || end > this.windowStart + this.window.length) this.load(start, Math.max(this.windowSize, end - start));
    return this.window.subarray(start - this.windowStart, end - this.windowStart);
  }

  close(): void {
    closeSync(this.fd);
  }

  private load(start: number, size: number): void {
    const length = Math.min(size, this.length - start);
    const buf = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, buf, done, length - done, start + done);
      if (n <= 0) break;
      done += n;
    }
    this.window = buf.subarray(0, done);
    this.windowStart = start;
  }
}
