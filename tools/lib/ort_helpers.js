// What the Node-side fixture checks share: float16 bits to numbers, and an empty first-step cache
// built from a session's own input metadata.
'use strict';
const path = require('node:path');
const ort = require(path.join(__dirname, '../../node_modules/onnxruntime-node'));

function halfToFloat(bits) {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function toFloats(tensor) {
  if (tensor.type === 'float16' && tensor.data instanceof Uint16Array) {
    return Float64Array.from(tensor.data, halfToFloat);
  }
  return Float64Array.from(tensor.data);
}

function emptyPast(session) {
  const feeds = {};
  for (const meta of session.inputMetadata) {
    if (!meta.name.startsWith('past_key_values.')) continue;
    const dims = meta.shape.map((d, axis) => (typeof d === 'number' ? d : axis === 0 ? 1 : 0));
    const data = meta.type === 'float16' ? new Uint16Array(0) : new Float32Array(0);
    feeds[meta.name] = new ort.Tensor(meta.type, data, dims);
  }
  return feeds;
}

module.exports = { halfToFloat, toFloats, emptyPast };
