/**
 * The joint reduction of two logits rows against a direct float64 computation from the definitions
 * (softmax, then Σ p log(p/q) and friends), for equal widths and for a padded vocabulary; identical
 * rows give exact zeros; a non-finite row gives null joint metrics and leaves the other intact.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reduceJointChunk } from '../../../src/core/compare/jointChunk';
import { RowReducer } from '../../../src/core/reduce';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

function logSoftmax(z: ArrayLike<number>, n: number): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, z[i]);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(z[i] - max);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = z[i] - max - Math.log(s);
  return out;
}

/** Float64 reference: both rows restricted to the shared ids and renormalised. */
function direct(zp: Float32Array, zq: Float32Array) {
  const n = Math.min(zp.length, zq.length);
  const fullP = logSoftmax(zp, zp.length);
  const fullQ = logSoftmax(zq, zq.length);
  const outside = (full: Float64Array) => { let m = 0; for (let i = n; i < full.length; i++) m += Math.exp(full[i]); return m; };
  const lp = logSoftmax(zp, n);
  const lq = logSoftmax(zq, n);
  let kl = 0; let klr = 0; let js = 0; let tv = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.exp(lp[i]);
    const q = Math.exp(lq[i]);
    const m = 0.5 * (p + q);
    kl += p * (lp[i] - lq[i]);
    klr += q * (lq[i] - lp[i]);
    js += 0.5 * (p * Math.log(p / m) + q * Math.log(q / m));
    tv += 0.5 * Math.abs(p - q);
  }
  return { kl, klr, js, tv, outsideP: outside(fullP), outsideQ: outside(fullQ) };
}

function rows(seed: number, width: number, count: number, scale: number): Float32Array {
  const r = random(seed);
  return Float32Array.from({ length: width * count }, () => (r() - 0.5) * scale);
}

for (const [widthP, widthQ] of [[300, 300], [300, 320], [320, 300]]) {
  test(`joint metrics equal the float64 definitions (widths ${widthP} / ${widthQ})`, () => {
    const count = 6;
    const zp = rows(1, widthP, count, 12);
    const zq = Float32Array.from(rows(2, widthQ, count, 3), (x, i) => x + (i % widthQ < widthP ? zp[Math.floor(i / widthQ) * widthP + (i % widthQ)] : -2));
    const targets = Int32Array.from({ length: count }, (_, r) => (r * 37) % 290);
    const out = reduceJointChunk(new RowReducer(5), new RowReducer(5), zp, widthP, zq, widthQ, targets);
    for (let r = 0; r < count; r++) {
      const d = direct(zp.subarray(r * widthP, (r + 1) * widthP), zq.subarray(r * widthQ, (r + 1) * widthQ));
      const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-10 + 1e-9 * Math.abs(b), `row ${r} ${what}: ${a} vs ${b}`);
      close(out.joint.kl[r], d.kl, 'kl');
      close(out.joint.klReverse[r], d.klr, 'klReverse');
      close(out.joint.js[r], d.js, 'js');
      close(out.joint.tv[r], d.tv, 'tv');
      close(out.joint.outsideBase[r], d.outsideP, 'outside base');
      close(out.joint.outsideOther[r], d.outsideQ, 'outside other');
      assert.ok(out.joint.kl[r] > 0 && out.joint.js[r] > 0 && out.joint.js[r] <= Math.LN2);
      // Each model's own metrics are its full-vocabulary ones (not the restricted distribution's).
      close(out.base.nll[r], -logSoftmax(zp.subarray(r * widthP, (r + 1) * widthP), widthP)[targets[r]], 'base nll');
      close(out.other.nll[r], -logSoftmax(zq.subarray(r * widthQ, (r + 1) * widthQ), widthQ)[targets[r]], 'other nll');
      const argmax = (z: Float32Array) => z.indexOf(Math.max(...z));
      assert.equal(out.joint.top1Base[r], argmax(zp.subarray(r * widthP, (r + 1) * widthP)));
      assert.equal(out.joint.top1Other[r], argmax(zq.subarray(r * widthQ, (r + 1) * widthQ)));
    }
  });
}

test('identical rows: KL, reverse KL, JS and TV are exactly 0 and the top-1 agrees', () => {
  const z = rows(3, 200, 4, 20);
  const out = reduceJointChunk(new RowReducer(3), new RowReducer(3), z, 200, Float32Array.from(z), 200, Int32Array.of(1, 2, 3, 4));
  for (let r = 0; r < 4; r++) {
    assert.equal(out.joint.kl[r], 0);
    assert.equal(out.joint.klReverse[r], 0);
    assert.equal(out.joint.js[r], 0);
    assert.equal(out.joint.tv[r], 0);
    assert.equal(out.joint.top1Base[r], out.joint.top1Other[r]);
    assert.equal(out.base.nll[r], out.other.nll[r]);
  }
});

test('nearly equal rows (a quantized twin): JS from its series equals the direct float64 value', () => {
  for (const scale of [1e-4, 1e-2, 0.2]) {
    const zp = rows(5, 400, 1, 16);
    const r = random(6);
    const zq = Float32Array.from(zp, x => x + (r() - 0.5) * scale);
    const lp = logSoftmax(zp, 400);
    const lq = logSoftmax(zq, 400);
    // Direct, with log1p so that near-equal p and q lose nothing: log(p/m) = log1p((p − q)/(p + q)).
    let js = 0;
    for (let i = 0; i < 400; i++) {
      const p = Math.exp(lp[i]);
      const q = Math.exp(lq[i]);
      js += 0.5 * (p * Math.log1p((p - q) / (p + q)) + q * Math.log1p((q - p) / (p + q)));
    }
    const out = reduceJointChunk(new RowReducer(1), new RowReducer(1), zp, 400, zq, 400, Int32Array.of(0));
    assert.ok(Math.abs(out.joint.js[0] - js) <= 1e-8 * js, `scale ${scale}: ${out.joint.js[0]} vs ${js}`);
  }
});

test('ties go to the lower id, as the reference does', () => {
  const z = new Float32Array(10).fill(0);
  z[7] = 3;
  z[4] = 3;
  for (const k of [0, 1, 3]) {
    const out = reduceJointChunk(new RowReducer(k), new RowReducer(k), z, 10, Float32Array.from(z), 10, Int32Array.of(0));
    assert.equal(out.joint.top1Base[0], 4, `k = ${k}`);
    assert.equal(out.joint.top1Other[0], 4, `k = ${k}`);
  }
});

test('a non-finite row in either model gives NaN joint metrics, and the other row keeps its own', () => {
  const zp = rows(4, 50, 2, 5);
  const zq = Float32Array.from(zp);
  zq[3] = NaN; // row 0 of the other model
  const out = reduceJointChunk(new RowReducer(2), new RowReducer(2), zp, 50, zq, 50, Int32Array.of(1, 2));
  assert.ok(Number.isNaN(out.joint.kl[0]) && Number.isNaN(out.joint.tv[0]));
  assert.equal(out.joint.top1Base[0], -1);
  assert.ok(Number.isFinite(out.base.nll[0]));
  assert.ok(Number.isNaN(out.other.nll[0]));
  assert.equal(out.joint.kl[1], 0);
});
