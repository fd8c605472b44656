import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addABt, addABtScalar, crossProductT, gramT, productT, rowsOf, shiftedCrossProductsT, shiftedCrossProducts32, transpose } from '../../../src/core/geometry/blocked';
import { reserveWasm } from '../../../src/core/geometry/wasmKernel';
import { seededRandom } from '../../../src/core/geometry/random';

function randomMatrix(n: number, m: number, seed: number): Float64Array {
  const random = seededRandom(seed);
  return Float64Array.from({ length: n * m }, () => random() - 0.5);
}

/** Plain float64 A·Bᵀ, the reference. */
function naiveABt(a: Float64Array, aRows: number, b: Float64Array, bRows: number, L: number): Float64Array {
  const out = new Float64Array(aRows * bRows);
  for (let i = 0; i < aRows; i++) for (let k = 0; k < bRows; k++) {
    let s = 0;
    for (let l = 0; l < L; l++) s += a[i * L + l] * b[k * L + l];
    out[i * bRows + k] = s;
  }
  return out;
}

function assertClose(actual: Float64Array, expected: Float64Array, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= 1e-12 * (1 + Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

test('wasm SIMD kernel is available in Node (else the geometry runs on the slower JavaScript kernel)', () => {
  assert.ok(reserveWasm(16), 'WebAssembly SIMD did not load');
});

test('A·Bᵀ: wasm and JavaScript kernels equal the float64 reference, odd shapes and lengths across chunks', () => {
  for (const [aRows, bRows, L] of [[1, 1, 1], [3, 5, 7], [7, 9, 301], [32, 130, 513], [2, 4, 256], [5, 3, 1000]]) {
    const a = randomMatrix(aRows, L, aRows + 1);
    const b = randomMatrix(bRows, L, bRows + 100);
    const expected = naiveABt(a, aRows, b, bRows, L);
    for (const [name, kernel] of [['addABt', addABt], ['addABtScalar', addABtScalar]] as const) {
      const out = new Float64Array(aRows * bRows).fill(1);
      kernel(rowsOf(a, aRows, L), rowsOf(b, bRows, L), L, out, bRows);
      assertClose(out, expected.map(x => x + 1), `${name} ${aRows}×${bRows}×${L} accumulates`);
    }
  }
});

test('crossProductT, productT and gramT match the plain products', () => {
  const T = 333, m = 19, r = 10;
  const x = randomMatrix(T, m, 1);
  const y = randomMatrix(T, r, 2);
  const xT = transpose(x, T, m);
  assertClose(crossProductT(xT, m, transpose(y, T, r), r, T), naiveABt(xT, m, transpose(y, T, r), r, T), 'XᵀY');
  const g = gramT(xT, m, T);
  assertClose(g, naiveABt(xT, m, xT, m, T), 'XᵀX (mirrored upper)');
  const w = randomMatrix(m, r, 3);
  assertClose(productT(x, T, m, transpose(w, m, r), r), naiveABt(x, T, transpose(w, m, r), r, m), 'XW');
});

test('shifted cross products equal Uᵀ roll(Q, s) for every kind of shift', () => {
  const T = 517, K = 6, r = 9;
  const u = randomMatrix(T, K, 4);
  const q = randomMatrix(T, r, 5);
  const shifts = [0, 1, 7, 258, T - 1, T, -3, 2 * T + 5];
  const seen: Float64Array[] = [];
  shiftedCrossProductsT(transpose(u, T, K), K, transpose(q, T, r), r, T, shifts, c => seen.push(Float64Array.from(c)));
  assert.equal(seen.length, shifts.length);
  shifts.forEach((shift, n) => {
    const expected = new Float64Array(K * r);
    for (let t = 0; t < T; t++) {
      const source = (((t - shift) % T) + T) % T;
      for (let j = 0; j < K; j++) for (let c = 0; c < r; c++) expected[j * r + c] += u[t * K + j] * q[source * r + c];
    }
    assertClose(seen[n], expected, `shift ${shift}`);
  });
});

/** Plain float64 Uᵀ roll(Q, s) from the row-major U (T×K) and Q (T×r). */
function naiveShifted(u: Float64Array, K: number, q: Float64Array, r: number, T: number, shift: number): Float64Array {
  const expected = new Float64Array(K * r);
  for (let t = 0; t < T; t++) {
    const source = (((t - shift) % T) + T) % T;
    for (let j = 0; j < K; j++) for (let c = 0; c < r; c++) expected[j * r + c] += u[t * K + j] * q[source * r + c];
  }
  return expected;
}

/** Largest |actual − expected| relative to the largest |expected| entry of the same matrix. */
function relativeError(actual: Float64Array, expected: Float64Array): number {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) { scale = Math.max(scale, Math.abs(expected[i])); worst = Math.max(worst, Math.abs(actual[i] - expected[i])); }
  return worst / scale;
}

test('float32 shifted cross products: within 1e-5 of the float64 kernel and a dense float64 loop, wasm and scalar paths', () => {
  // T not a multiple of 256 (chunk tails), K and r odd (edges outside the 4×8 blocks), and whole blocks.
  for (const [T, K, r] of [[1031, 7, 13], [517, 33, 129], [3, 1, 1], [600, 4, 8]]) {
    // Unit-norm-ish columns like the eigenvectors and basis the null uses, plus a mean offset so
    // entries do not all cancel to ~0 (the error bound is relative to the matrix scale).
    const random = seededRandom(T + K);
    const u = Float64Array.from({ length: T * K }, () => (random() - 0.3) / Math.sqrt(T));
    const q = Float64Array.from({ length: T * r }, () => (random() - 0.4) / Math.sqrt(T));
    const uT = transpose(u, T, K);
    const qT = transpose(q, T, r);
    const shifts = [0, 1, 5, 256, Math.floor(T / 2), T - 1, -7];
    const f64: Float64Array[] = [];
    shiftedCrossProductsT(uT, K, qT, r, T, shifts, c => f64.push(Float64Array.from(c)));
    const paths = [true, false].map(useWasm => {
      const seen: Float64Array[] = [];
      shiftedCrossProducts32(u, K, q, r, T, shifts, (c, index) => { assert.equal(index, seen.length); seen.push(Float64Array.from(c)); }, undefined, useWasm);
      assert.equal(seen.length, shifts.length);
      return seen;
    });
    shifts.forEach((shift, n) => {
      const dense = naiveShifted(u, K, q, r, T, shift);
      const what = `T=${T} K=${K} r=${r} shift ${shift}`;
      const [wasm, scalar] = paths.map(seen => seen[n]);
      for (const [name, c] of [['wasm', wasm], ['scalar', scalar]] as const) {
        assert.ok(relativeError(c, dense) <= 1e-5, `${name} ${what} vs dense: ${relativeError(c, dense)}`);
        assert.ok(relativeError(c, f64[n]) <= 1e-5, `${name} ${what} vs f64 kernel: ${relativeError(c, f64[n])}`);
      }
      assert.ok(relativeError(wasm, scalar) <= 1e-5, `${what} wasm vs scalar: ${relativeError(wasm, scalar)}`);
      // The wasm path really is float32 (not silently the float64 one) when the shapes have whole blocks.
      if (K >= 4 && r >= 8 && T >= 256) assert.ok(relativeError(wasm, dense) > 1e-12, `${what} looks float64`);
    });
  }
});
