/** ONNX protobuf reading and editing without onnxruntime: scan, head finding, splicing, weights, external data. */
export { scanModel } from './scan';
export type { ModelScan, NodeInfo, TensorInfo } from './scan';
export { findHead } from './head';
export type { HeadInfo, HeadIssue, HeadWeightRef } from './head';
export { addGraphOutputs } from './splice';
export { readHeadWeights, readTensorFloat32, halfToFloat } from './weights';
export type { ExternalReader, Float32Allocator, HeadWeights, ModelBytes } from './weights';
export { listExternalData, listExternalDataInFile, checkExternalDataFiles } from './externalData';
export type { ExternalDataEntry, ExternalDataFile } from './externalData';
export { exposeHiddenState, externalReaderFor, fileRanges, headWeightsOf } from './hiddenState';
export type { HiddenStateModel } from './hiddenState';
export { graphQuantization } from './quantization';
export type { GraphQuantization } from './quantization';
export { gemmModel } from './gemmGraph';
export { findResidualStream } from './residual';
export type { ResidualStream, ResidualResult } from './residual';
export { planDecoder, buildDecoderModel } from './decoder';
export type { DecoderPlan, DecoderInputType } from './decoder';
