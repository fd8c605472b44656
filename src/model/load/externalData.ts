/**
 * Checks, before ONNX Runtime opens the graph, that every external data file it names exists next
 * to it and is long enough for the largest offset + length (ORT's own message for a missing or
 * short file is obscure), and that none lies outside the model folder. The protobuf scan is
 * src/model/onnx/externalData.ts.
 */
import { InputError, isInputError } from '../../core/errors';
import { checkExternalDataFiles } from '../onnx/graph/externalData';

/** Returns the bytes of the external data files (0 when the weights are inside the graph file). */
export function checkExternalData(onnxPath: string): number {
  try {
    return checkExternalDataFiles(onnxPath).reduce((sum, f) => sum + f.size, 0);
  } catch (e) {
    // Fail closed: a graph whose external-data references cannot be listed is never handed to ORT
    // (it could name files outside the folder that the scanner did not get to see).
    if (isInputError(e)) throw e;
    throw new InputError(`${onnxPath}: is not a valid ONNX model (truncated or corrupt): ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, 'model-corrupt', onnxPath);
  }
}
