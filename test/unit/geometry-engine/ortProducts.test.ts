/**
 * ONNX Runtime's GEMM as the geometry's products (src/model/geometry/ortProducts.ts): every
 * transpose and odd shape equals the float64 reference to rounding, operands in shared memory are
 * accepted, and small products stay on the JavaScript kernel.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { gram, runLinalgAsync } from '../../../src/core/geometry/products';
import { OrtProducts } from '../../../src/model/geometry/ortProducts';
import { assertProductClose, naiveProduct, PRODUCT_SHAPES, randomMatrix } from '../geometry/reference';

const every = new OrtProducts(2, 0);
after(() => every.close());

test('ONNX Runtime Gemm: op(A)·op(B) equals the float64 reference for every transpose and odd shapes', async () => {
  for (const [m, k, n] of PRODUCT_SHAPES) for (const transA of [false, true]) for (const transB of [false, true]) {
    const a = transA ? randomMatrix(k, m, m + 1) : randomMatrix(m, k, m + 1);
    const b = transB ? randomMatrix(n, k, n + 100) : randomMatrix(k, n, n + 100);
    assertProductClose(await every.gemm({ a, transA, b, transB }), naiveProduct(a, transA, b, transB), `${m}×${k}×${n} ${transA} ${transB}`);
  }
  assert.equal(every.handedOver, PRODUCT_SHAPES.length * 4);
});

test('operands longer than their shape, or in shared memory, multiply as their first rows·cols values', async () => {
  const a = randomMatrix(40, 30, 1);
  const b = randomMatrix(30, 20, 2);
  const longer = { ...a, data: Float64Array.from([...a.data, 9, 9, 9]) };
  const shared = new Float64Array(new SharedArrayBuffer(b.data.byteLength));
  shared.set(b.data);
  assertProductClose(await every.gemm({ a: longer, transA: false, b: { ...b, data: shared }, transB: false }), naiveProduct(a, false, b, false), 'shared');
  const g = await runLinalgAsync(gram(a, true), every);
  for (let i = 0; i < 30; i++) for (let j = 0; j < 30; j++) assert.equal(g[i * 30 + j], g[j * 30 + i], 'the Gram is mirrored exactly');
});

test('products under the threshold stay on the JavaScript kernel', async () => {
  const products = new OrtProducts(1, 1000);
  try {
    const a = randomMatrix(5, 10, 3);
    const b = randomMatrix(10, 5, 4);
    const small = products.gemm({ a, transA: false, b, transB: false });
    assert.ok(small instanceof Float64Array, 'answered synchronously');
    assert.equal(products.handedOver, 0);
    const big = randomMatrix(20, 10, 5);
    assertProductClose(await products.gemm({ a: big, transA: true, b: big, transB: false }), naiveProduct(big, true, big, false), 'over');
    assert.equal(products.handedOver, 1);
  } finally {
    await products.close();
  }
});
