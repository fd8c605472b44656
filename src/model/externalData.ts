/**
 * Checks, before ONNX Runtime opens the graph, that the external data files it names exist next to
 * it. (ORT's own message for a missing or short file is obscure.)
 *
 * Heuristic scan until the ONNX protobuf scanner (src/model/onnx/) is wired in: it looks for the
 * exact wire bytes of an external_data entry with key "location" (field 1, 8 bytes, then field 2),
 * which finds every referenced file name but not the offsets, so sizes are not checked yet.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from '../core/errors';

const LOCATION_KEY = Buffer.from([0x0a, 0x08, ...Buffer.from('location', 'latin1'), 0x12]);
/** Graphs larger than this hold their weights inline; scanning them would only cost memory. */
const MAX_SCAN_BYTES = 256 * 1024 * 1024;

export function referencedDataFiles(graph: Buffer): string[] {
  const names = new Set<string>();
  for (let at = graph.indexOf(LOCATION_KEY); at >= 0; at = graph.indexOf(LOCATION_KEY, at + 1)) {
    const lengthAt = at + LOCATION_KEY.length;
    const length = graph[lengthAt]; // file names are short: a one-byte varint
    if (length === undefined || length >= 0x80) continue;
    names.add(graph.toString('utf8', lengthAt + 1, lengthAt + 1 + length));
  }
  return [...names];
}

export function checkExternalData(onnxPath: string): void {
  if (statSync(onnxPath).size > MAX_SCAN_BYTES) return;
  const graph = readFileSync(onnxPath);
  for (const name of referencedDataFiles(graph)) {
    const path = join(dirname(onnxPath), name);
    if (!existsSync(path)) {
      throw new InputError(`${onnxPath}: its external data file ${name} is missing (expected at ${path})`, 'model-external-data', path);
    }
  }
}
