/**
 * The boundary between the engine and its reduction thread: one chunk's logits rows
 * (targets.length x width) sit in shared slot `slot`, whose buffer is sent once, when it is
 * (re)allocated, or come moved with the message (ONNX Runtime's own buffer, when no one reads it
 * after). The metrics come back with their buffers moved, not copied.
 */
import type { JointChunkMetrics } from '../core/compare/jointChunk';
import type { LayerChunkMetrics } from '../core/lens/reduceLayers';
import type { ChunkMetrics } from '../core/reduceChunk';

export interface ReduceChunkParams {
  /** The shared slot holding the rows (−1 when they are `moved`). */
  slot: number;
  shared?: Float32Array;
  /** The rows themselves, their buffer moved with the message. */
  moved?: Float32Array;
  width: number;
  targets: Int32Array;
  k: number;
  /** Geometry's extras: per row the id after the target (−1: none); see reduceChunk. */
  afterNext?: Int32Array;
}

/**
 * Two models' rows at the same positions (a comparison): the slot holds targets.length x
 * widthBase floats of the base model, then targets.length x widthOther of the other.
 */
export interface ReduceJointParams {
  slot: number;
  shared?: Float32Array;
  widthBase: number;
  widthOther: number;
  targets: Int32Array;
  k: number;
}

/** The layer lens's chunk: `layers` × targets.length rows of logits, moved with the message. */
export interface ReduceLayersParams {
  logits: Float32Array;
  layers: number;
  width: number;
  targets: Int32Array;
  k: number;
}

export interface ReducerThreadMethods {
  [method: string]: { params: unknown; result: unknown; event?: unknown };
  reduce: { params: ReduceChunkParams; result: ChunkMetrics };
  reduceJoint: { params: ReduceJointParams; result: JointChunkMetrics };
  reduceLayers: { params: ReduceLayersParams; result: LayerChunkMetrics };
}
