/**
 * Float16 tensors from onnxruntime-node arrive as raw IEEE-754 half bits in a Uint16Array (Node 20)
 * or as a native Float16Array where the runtime has one. Both become Float32Array here; the decode
 * is exact (every half value is representable in float32). No global polyfill is ever installed:
 * that breaks the binding ("Tensor.data must be a typed array").
 */

let table: Float32Array | undefined;

/** The 65536-entry half -> float32 table, built once on first use. */
function halfTable(): Float32Array {
  if (table) return table;
  table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) table[h] = halfBitsToNumber(h);
  return table;
}

/** Exact value of one half-precision bit pattern. */
export function halfBitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** Float32 view of float32 or float16 tensor data. float32 data is returned as is (no copy). */
export function toFloat32(data: unknown, out?: Float32Array): Float32Array {
  if (data instanceof Float32Array) return data;
  const length = (data as ArrayLike<number>).length;
  const target = out && out.length >= length ? out.subarray(0, length) : new Float32Array(length);
  if (data instanceof Uint16Array) {
    const t = halfTable();
    for (let i = 0; i < length; i++) target[i] = t[data[i]];
    return target;
  }
  // A native Float16Array (or any other numeric typed array): its elements already read as numbers.
  const values = data as ArrayLike<number>;
  for (let i = 0; i < length; i++) target[i] = values[i];
  return target;
}
