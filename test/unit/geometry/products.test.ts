import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gemm, gram, jsProducts, runLinalg, transpose } from '../../../src/core/geometry/products';
import { assertProductClose as assertClose, naiveProduct, PRODUCT_SHAPES as SHAPES, randomMatrix } from './reference';

test('the JavaScript kernel: op(A)·op(B) equals the float64 reference for every transpose and odd shapes', () => {
  for (const [m, k, n] of SHAPES) for (const transA of [false, true]) for (const transB of [false, true]) {
    const a = transA ? randomMatrix(k, m, m + 1) : randomMatrix(m, k, m + 1);
    const b = transB ? randomMatrix(n, k, n + 100) : randomMatrix(k, n, n + 100);
    assertClose(jsProducts.gemm({ a, transA, b, transB }), naiveProduct(a, transA, b, transB), `${m}×${k}×${n} ${transA} ${transB}`);
  }
});

test('a Gram (AᵀA, AAᵀ) is the reference and exactly symmetric; gemm and gram run as steps', () => {
  const a = randomMatrix(333, 19, 1);
  for (const transA of [true, false]) {
    const g = runLinalg(gram(a, transA));
    const n = transA ? a.cols : a.rows;
    assertClose(g, naiveProduct(a, transA, a, !transA), `gram ${transA}`);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.equal(g[i * n + j], g[j * n + i]);
  }
  const b = randomMatrix(19, 4, 2);
  // The driver gets the request and sends C back.
  const steps = gemm(a, false, b, false);
  const step = steps.next();
  assert.ok(!step.done && step.value.gemm.a === a && step.value.gemm.b === b);
  const sent = new Float64Array(333 * 4).fill(7);
  assert.equal(steps.next(sent).value, sent);
  assert.throws(() => runLinalg(gemm(a, true, b, false)), /gemm: 19×333 times 19×4/);
});

test('transpose of tall and wide matrices', () => {
  for (const [n, m] of [[70, 3], [3, 70], [64, 64]]) {
    const a = randomMatrix(n, m, n * m);
    const t = transpose(a.data, n, m);
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) assert.equal(t[j * n + i], a.data[i * m + j]);
  }
});
