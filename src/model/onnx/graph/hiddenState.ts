/**
 * Hidden states from an ordinary export: find the LM head, expose its data input as an extra graph
 * output by splicing bytes, and read W and b for the geometry views. Load the result with
 * `InferenceSession.create(bytes, { extra: { session: { model_external_initializers_file_folder_path:
 * <model folder> } } })` so external data still resolves next to the original model
 * (onnx-signatures.md §3), after `checkExternalDataFiles` has vetted the files.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkExternalDataFiles } from './externalData';
import { findHead, HeadInfo } from './head';
import { scanModel, ModelScan } from './scan';
import { addGraphOutputs } from './splice';
import { ExternalReader, HeadWeights, ModelBytes, readHeadWeights } from './weights';

export interface HiddenStateModel {
  /** The spliced model (the input unchanged when no head was found). */
  model: Uint8Array;
  head: HeadInfo;
  /** Name of the added output, or null when the hidden state could not be exposed. */
  hiddenOutput: string | null;
  scan: ModelScan;
}

export function exposeHiddenState(model: Uint8Array, logits = 'logits'): HiddenStateModel {
  const scan = scanModel(model);
  const head = findHead(scan, logits);
  if (!head.hidden) return { model, head, hiddenOutput: null, scan };
  return { model: addGraphOutputs(model, [head.hidden]), head, hiddenOutput: head.hidden, scan };
}

/** Reads external tensors from files next to the model, after checking the paths are safe. */
export function externalReaderFor(onnxPath: string): ExternalReader {
  const files = new Map(checkExternalDataFiles(onnxPath).map(f => [f.location, f.path]));
  return (location, offset, length, into) => {
    const path = files.get(location);
    if (!path) throw new Error(`external data ${location} was not vetted for ${resolve(onnxPath)}`);
    return readFileRange(path, offset, length, into, `external data ${location}`);
  };
}

/**
 * The model file as byte ranges read on demand (`[start, end)`, into `into` when given), so W can be
 * read without holding the whole graph file (500 MB at GPT-2-small size) in memory.
 */
export function fileRanges(path: string): ModelBytes {
  return (start, end, into) => readFileRange(path, start, end - start, into, path);
}

function readFileRange(path: string, offset: number, length: number, into: Uint8Array | undefined, what: string): Uint8Array {
  const out = into ?? new Uint8Array(length);
  const fd = openSync(path, 'r');
  try {
    let done = 0;
    while (done < length) {
      const n = readSync(fd, out, done, length - done, offset + done);
      if (n <= 0) throw new Error(`${what} ended at ${offset + done}, before ${offset + length}`);
      done += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/** W (V×d float32) and b of the head found in `exposed`, or null when the head is not readable. */
export function headWeightsOf(exposed: HiddenStateModel, original: Uint8Array, reader?: ExternalReader): HeadWeights | null {
  if (!exposed.head.weight) return null;
  return readHeadWeights(original, exposed.scan, exposed.head, reader);
}
