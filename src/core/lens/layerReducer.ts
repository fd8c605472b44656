/**
 * The layer lens's chunk reducer: the wasm SIMD kernel where WebAssembly SIMD exists (every Node this
 * project supports), else the scalar row reduction; both give the metrics of reduceLayers.ts.
 */
import { RowReducer } from '../reduce';
import { reduceLayerChunk, type LayerChunkMetrics } from './reduceLayers';
import { WasmLayerReducer } from './wasmReduce';

export interface LayerChunkReducer {
  readonly k: number;
  /** Which arithmetic runs (for logs and tests). */
  readonly kind: 'wasm' | 'scalar';
  reduce(logits: Float32Array, layers: number, width: number, targets: Int32Array): LayerChunkMetrics;
}

export function layerChunkReducer(k: number, allowWasm = true): LayerChunkReducer {
  const wasm = allowWasm ? WasmLayerReducer.create(k) : null;
  if (wasm) return { k, kind: 'wasm', reduce: (logits, layers, width, targets) => wasm.reduce(logits, layers, width, targets) };
  const row = new RowReducer(k);
  return { k, kind: 'scalar', reduce: (logits, layers, width, targets) => reduceLayerChunk(row, logits, layers, width, targets) };
}
