/**
 * The layer lens's chunk reduction on wasm SIMD (wasm/lensRows.wat): the same metrics as
 * reduceLayers.ts, four logits at a time. A decoded chunk holds (L + 1) × rows × V logits, five to
 * thirty times what the token reduction sees, and must be reduced while ONNX Runtime decodes the
 * next; the scalar loop is several times slower than the decoder, the f32x4 kernel about as fast.
 *
 * Arithmetic: the row's max and min, the rank count and the top k are exact on the float32 logits;
 * e = exp(z − max) is float32 (relative error ≤ 2e-7, the degree-6 polynomial and float32 rounding of
 * the argument), summed in float32 over 8 terms per lane and then in float64, so log Σ e, and with
 * it NLL, entropy and KL, are good to about 1e-6 nats (the reference tests hold them to 1e-4, and the
 * final layer to the model's own float64 reduction to 1e-5). Null when WebAssembly SIMD is missing:
 * the caller then uses reduceLayerChunk.
 */
import type { LayerChunkMetrics } from './reduceLayers';
import { LENS_WASM_BASE64 } from './wasm/lensKernel';

interface Kernel {
  memory: WebAssembly.Memory;
  reduce(row: number, final: number, n: number, target: number, k: number, out: number): void;
}

/** Padding after a row's last logit: below every real logit, finite, and exp(pad − max) = 0. */
const PAD = -1e30;
/** Bytes of one row's results (wat: f64 [0..48), top values at 64, ids at 128, k ≤ 16). */
const OUT_BYTES = 192;
export const WASM_MAX_K = 16;

let kernel: Kernel | null | undefined;

function load(): Kernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const bytes = Uint8Array.from(atob(LENS_WASM_BASE64), ch => ch.charCodeAt(0));
    kernel = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as Kernel;
  } catch {
    kernel = null;
  }
  return kernel;
}

export class WasmLayerReducer {
  private constructor(private readonly k: Kernel, readonly topK: number) {}

  /** Null without wasm SIMD (or for k outside 1..16). */
  static create(topK: number): WasmLayerReducer | null {
    const k = topK >= 1 && topK <= WASM_MAX_K ? load() : null;
    return k ? new WasmLayerReducer(k, topK) : null;
  }

  /** Same contract as reduceLayerChunk: `logits` is layers × rows × width, layer-major. */
  reduce(logits: Float32Array, layers: number, width: number, targets: Int32Array): LayerChunkMetrics {
    const rows = targets.length;
    const k = this.topK;
    if (logits.length < layers * rows * width) throw new Error(`wasm lens reduction: ${logits.length} logits for ${layers} x ${rows} x ${width}`);
    const stride = Math.ceil(width / 4) * 4;
    // One token's L + 1 rows, then the result blocks; 16-byte aligned.
    const outBase = layers * stride * 4;
    const need = outBase + layers * OUT_BYTES;
    const memory = this.k.memory;
    if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
    const heap32 = new Float32Array(memory.buffer);
    const heap64 = new Float64Array(memory.buffer);
    const heapI = new Int32Array(memory.buffer);
    for (let l = 0; l < layers; l++) heap32.fill(PAD, l * stride + width, (l + 1) * stride);
    const cells = layers * rows;
    const out: LayerChunkMetrics = {
      layers, rows, k,
      nll: new Float64Array(cells), entropy: new Float64Array(cells), klToFinal: new Float64Array(cells),
      rank: new Int32Array(cells), topIds: new Int32Array(cells * k), topProbs: new Float64Array(cells * k),
    };
    const last = layers - 1;
    const finalRow = last * stride * 4;
    for (let r = 0; r < rows; r++) {
      for (let l = 0; l < layers; l++) heap32.set(logits.subarray((l * rows + r) * width, (l * rows + r + 1) * width), l * stride);
      const target = targets[r];
      // The final layer first: the others' KL needs its log Z.
      this.k.reduce(finalRow, 0, stride, target, k, outBase + last * OUT_BYTES);
      const finalLogZ = this.store(out, last * rows + r, outBase + last * OUT_BYTES, heap32[last * stride + target], heap64, heap32, heapI, width, null);
      out.klToFinal[last * rows + r] = Number.isNaN(finalLogZ) ? NaN : 0;
      for (let l = 0; l < last; l++) {
        this.k.reduce(l * stride * 4, finalRow, stride, target, k, outBase + l * OUT_BYTES);
        this.store(out, l * rows + r, outBase + l * OUT_BYTES, heap32[l * stride + target], heap64, heap32, heapI, width, finalLogZ);
      }
    }
    return out;
  }

  /** Turns one row's sums into its metrics at `cell`; returns its log Z (NaN when not finite). */
  private store(out: LayerChunkMetrics, cell: number, at: number, zTarget: number, heap64: Float64Array, heap32: Float32Array, heapI: Int32Array,
    width: number, finalLogZ: number | null): number {
    const k = out.k;
    const f = at / 8;
    const max = heap64[f];
    const min = heap64[f + 1];
    if (!Number.isFinite(max) || !Number.isFinite(min)) {
      out.nll[cell] = NaN;
      out.entropy[cell] = NaN;
      out.klToFinal[cell] = NaN;
      out.rank[cell] = -1;
      out.topIds.fill(-1, cell * k, (cell + 1) * k);
      out.topProbs.fill(0, cell * k, (cell + 1) * k);
      return NaN;
    }
    const s0 = heap64[f + 3];
    const logS0 = Math.log(s0);
    const logZ = max + logS0;
    const entropy = logS0 - heap64[f + 4] / s0;
    out.nll[cell] = logZ - zTarget;
    out.entropy[cell] = entropy;
    out.rank[cell] = 1 + heap64[f + 2];
    if (finalLogZ !== null) {
      // KL(P_l || P_L) = −H_l − E_{p_l}[z_L] + log Z_L; never negative (rounding aside).
      out.klToFinal[cell] = Number.isNaN(finalLogZ) ? NaN : Math.max(0, -entropy - heap64[f + 5] / s0 + finalLogZ);
    }
    for (let j = 0; j < k; j++) {
      const id = heapI[at / 4 + 32 + j];
      const ok = id >= 0 && id < width;
      out.topIds[cell * k + j] = ok ? id : -1;
      out.topProbs[cell * k + j] = ok ? Math.exp(heap32[at / 4 + 16 + j] - logZ) : 0;
    }
    return logZ;
  }
}
