import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { referenceLogits, tinyModelBytes } from './tinyOnnx';

test('the hand-written tiny model runs in ONNX Runtime and matches its float64 reference', async () => {
  const spec = { vocab: 11, dim: 4, positions: 16 };
  const session = await InferenceSession.create(tinyModelBytes(spec));
  const ids = [0, 3, 5, 7];
  const outputs = await session.run({
    input_ids: new Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, 4]),
    attention_mask: new Tensor('int64', BigInt64Array.from([1n, 1n, 1n, 1n]), [1, 4]),
    position_ids: new Tensor('int64', BigInt64Array.from([0n, 1n, 2n, 3n]), [1, 4]),
    'past_key_values.0.key': new Tensor('float32', new Float32Array(0), [1, 1, 0, 4]),
    'past_key_values.0.value': new Tensor('float32', new Float32Array(0), [1, 1, 0, 4]),
  });
  const logits = outputs.logits.data as Float32Array;
  const ref = referenceLogits(spec, ids);
  for (let j = 0; j < 4; j++) for (let v = 0; v < 11; v++) assert.ok(Math.abs(logits[j * 11 + v] - ref[j][v]) < 1e-4);
  assert.deepEqual(outputs['present.0.key'].dims, [1, 1, 4, 4]);
  await session.release();
});
