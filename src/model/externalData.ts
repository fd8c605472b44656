/**
 * Checks, before ONNX Runtime opens the graph, that every external data file it names exists next
 * to it and is long enough for the largest offset + length (ORT's own message for a missing or
 * short file is obscure). The protobuf scan is src/model/onnx/externalData.ts.
 */
import { isInputError } from '../core/errors';
import { checkExternalDataFiles } from './onnx/externalData';

export function checkExternalData(onnxPath: string): void {
  try {
    checkExternalDataFiles(onnxPath);
  } catch (e) {
    // A graph the scanner cannot parse is reported by ORT's loader as corrupt, with its own words.
    if (isInputError(e)) throw e;
  }
}
