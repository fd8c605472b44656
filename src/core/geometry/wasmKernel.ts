/**
 * The f64x2 (wasm SIMD) version of the A·Bᵀ block kernel (wasm/abt.wat): the same float64
 * multiply-adds two lanes at a time, so the same results up to summation order. Also `cross32`,
 * Uᵀ Q on float32 rows with f32x4 lanes (float32 sums within a short chunk, float64 out): an
 * approximation, used only where float32 products are precise enough (the shift null). Operands
 * live in the module's memory, which grows on demand and is kept for the next call (its size
 * follows the largest product, O(T·(k + d)) here). Null when WebAssembly or SIMD is unavailable:
 * callers then use the plain JavaScript kernel.
 */
import { ABT_WASM_BASE64 } from './wasm/simdKernel';

export interface WasmAbt {
  /** The memory as float64s; valid until the next `reserve`. */
  heap: Float64Array;
  /** The same memory as float32s (for cross32's operands). */
  heap32: Float32Array;
  /** Byte addresses and strides; n in elements; whole 2×4 blocks only (see blocked.ts for the edges). */
  abt(a: number, aRows: number, aStride: number, b: number, bRows: number, bStride: number, n: number, out: number, outStride: number, upper: number): void;
  /**
   * out (K×r float64) += Uᵀ Q over n rows of row-major float32 U (K wide) and Q (r wide); byte
   * addresses and strides; whole 4×8 blocks only. Each entry sums its n products in float32: keep n ≤ 256.
   */
  cross32(u: number, uStride: number, q: number, qStride: number, n: number, K: number, r: number, out: number, outStride: number): void;
}

interface Exports {
  memory: WebAssembly.Memory;
  abt: WasmAbt['abt'];
  cross32: WasmAbt['cross32'];
}

let loaded: Exports | null | undefined;

function load(): Exports | null {
  if (loaded !== undefined) return loaded;
  try {
    const bytes = Uint8Array.from(atob(ABT_WASM_BASE64), ch => ch.charCodeAt(0));
    loaded = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as Exports;
  } catch {
    loaded = null;
  }
  return loaded;
}

/** The kernel with at least `doubles` float64s of memory, or null without wasm SIMD. */
export function reserveWasm(doubles: number): WasmAbt | null {
  const k = load();
  if (!k) return null;
  const have = k.memory.buffer.byteLength;
  const need = doubles * 8;
  if (need > have) k.memory.grow(Math.ceil((need - have) / 65536));
  return { heap: new Float64Array(k.memory.buffer), heap32: new Float32Array(k.memory.buffer), abt: k.abt, cross32: k.cross32 };
}
