import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isInputError } from '../../../src/core/errors';
import { describeWindowCap, planWindows, resolveWindowSettings } from '../../../src/core/windows';

test('every document token is scored once, with its predecessor in the window', () => {
  for (const total of [1, 2, 3, 5, 10, 33, 100]) {
    for (const [L, S] of [[4, 4], [4, 2], [4, 1], [8, 3], [2, 1], [2, 2], [16, 8]]) {
      const scored = new Array<number>(total).fill(0);
      let previousEnd = 0;
      for (const w of planWindows(total, L, S)) {
        assert.ok(w.end - w.start <= L);
        assert.equal(w.firstTarget, previousEnd + 1);
        assert.ok(w.start <= w.firstTarget - 1, 'the first target needs its predecessor fed');
        for (let m = w.firstTarget; m <= w.lastTarget; m++) scored[m]++;
        previousEnd = w.end;
      }
      assert.equal(scored[0], 0, 'the prefix is never scored');
      for (let m = 1; m < total; m++) assert.equal(scored[m], 1, `N=${total} L=${L} S=${S} m=${m}`);
    }
  }
});

test('matches the formula e_k = min(L + kS, N-1), s_k = max(0, e_k - L)', () => {
  const ws = planWindows(11, 4, 2);
  assert.deepEqual(ws.map(w => [w.start, w.end, w.firstTarget]), [[0, 4, 1], [2, 6, 5], [4, 8, 7], [6, 10, 9]]);
});

test('context after the first window is at least L - S + 1', () => {
  for (const w of planWindows(50, 8, 3).slice(1)) assert.ok(w.firstTarget - w.start >= 8 - 3 + 1);
});

test('an empty document has no windows', () => {
  assert.deepEqual(planWindows(1, 8, 4), []);
});

test('defaults: window = min(context, 1024), stride = window / 2', () => {
  // The default is the model's own context (issue 15): its numbers are then the model's true conditionals.
  assert.deepEqual(resolveWindowSettings({}, 2048, 'llama'), { window: 2048, stride: 1024 });
  assert.deepEqual(resolveWindowSettings({}, 128, 'gpt2'), { window: 128, stride: 64 });
  assert.deepEqual(resolveWindowSettings({ window: 10 }, 128, 'gpt2'), { window: 10, stride: 5 });
});

test('bad settings are InputErrors naming the setting', () => {
  const cases: Array<[{ window?: number; stride?: number }, string]> = [
    [{ window: 1 }, 'window'],
    [{ window: 200 }, 'window'], // gpt2 learned positions, context 128
    [{ window: 10, stride: 11 }, 'stride'],
    [{ window: 10, stride: 0 }, 'stride'],
    [{ window: 2.5 }, 'window'],
  ];
  for (const [req, subject] of cases) {
    assert.throws(() => resolveWindowSettings(req, 128, 'gpt2'), (e: unknown) => isInputError(e) && e.subject === subject && e.code === 'settings-invalid');
  }
  // Relative positions: a longer window still runs.
  assert.equal(resolveWindowSettings({ window: 200 }, 128, 'llama').window, 200);
});

test('the default window is capped only when a window of the whole context would not fit the memory budget, and says so', () => {
  const perToken = 1_000_000; // 1 MB a token
  const memory = { bytes: (t: number) => t * perToken, budgetBytes: 4096 * perToken };
  assert.deepEqual(resolveWindowSettings({}, 4096, 'llama', memory), { window: 4096, stride: 2048 });
  const capped = resolveWindowSettings({}, 131072, 'llama', memory);
  assert.equal(capped.window, 4096);
  assert.equal(capped.stride, 2048);
  assert.deepEqual(capped.cap, { contextLength: 131072, neededBytes: 131072 * perToken, budgetBytes: 4096 * perToken });
  assert.match(describeWindowCap(capped.window, capped.cap!), /^window capped at 4096 tokens: a window of the model's full context \(131072 tokens\) needs about 131\.1 GB, above the 4\.1 GB memory budget$/);
  // A quadratic cost (a graph without a cache) is capped where it crosses the budget.
  const quadratic = resolveWindowSettings({}, 8192, 'llama', { bytes: t => t * t, budgetBytes: 1_000_000 });
  assert.equal(quadratic.window, 1000);
  // An explicit window is the user's choice: never capped.
  assert.deepEqual(resolveWindowSettings({ window: 100_000 }, 131072, 'llama', memory), { window: 100_000, stride: 50_000 });
});
