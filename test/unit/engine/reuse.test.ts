/**
 * core/reuse.ts: which windows a live re-analysis skips and how far the first window scored again
 * may keep the previous records (the bound for a KV-checkpoint resume). Window 8, stride 4 over
 * prefix + document positions; document token i is position i + 1.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resumeLimit, reusableWindows, type ReuseHint } from '../../../src/core/reuse';
import { planWindows } from '../../../src/core/windows';

const settings = { window: 8, stride: 4 };

/** n tokens of one character each (id 10 + i), token `changed` (if any) given another id. */
function tokens(n: number, changed = -1) {
  return {
    ids: Int32Array.from({ length: n }, (_, i) => (i === changed ? 500 : 10 + i)),
    starts: Uint32Array.from({ length: n }, (_, i) => i),
    ends: Uint32Array.from({ length: n }, (_, i) => i + 1),
  };
}

const hintOf = (doc: ReturnType<typeof tokens>, topK = 5): ReuseHint => ({ ...doc, ...settings, topK });

function plan(doc: ReturnType<typeof tokens>, hint: ReuseHint | undefined, topK = 5) {
  const windows = planWindows(doc.ids.length + 1, settings.window, settings.stride);
  const skipped = reusableWindows(windows, doc, settings, topK, hint);
  return { windows, skipped, limit: resumeLimit(windows, skipped, doc, settings, topK, hint) };
}

test('an edit inside a middle window: windows before it skipped, records kept up to the changed token', () => {
  // 30 tokens, ends 8, 12, 16, 20, 24, 28, 30; token 17 (position 18) changes.
  const { windows, skipped, limit } = plan(tokens(30, 17), hintOf(tokens(30)));
  assert.equal(skipped, 3);
  assert.deepEqual(windows[skipped], { start: 12, end: 20, firstTarget: 17, lastTarget: 20 });
  assert.equal(limit, 17, 'targets up to position 17 (document token 16) are unchanged');
});

test('the bound is also below the window end and within the previous window', () => {
  const unchanged = plan(tokens(30), hintOf(tokens(30)));
  assert.equal(unchanged.skipped, unchanged.windows.length, 'nothing to score');
  assert.equal(unchanged.limit, 0);
  // The end deleted inside one window [0, 8) -> [0, 7): every fed token unchanged, but the window
  // is not the previous one; it keeps targets up to 6 and feeds at least its last chunk.
  const cut = plan(tokens(7), hintOf(tokens(8)));
  assert.equal(cut.skipped, 0);
  assert.equal(cut.limit, 6, 'at most end - 1');
  // Previous text ended at token 18 (last window [11, 19)); the new one is longer: another start.
  const appended = plan(tokens(30), hintOf(tokens(18)));
  assert.equal(appended.windows[appended.skipped].start, 12);
  assert.equal(appended.limit, 0, 'the previous window at that index started elsewhere');
});

test('a single short window (start 0 in both plans) keeps records up to the change', () => {
  assert.equal(plan(tokens(7, 5), hintOf(tokens(6))).limit, 5);
  assert.equal(plan(tokens(7), hintOf(tokens(6))).limit, 6, 'appending: the whole previous text');
});

test('no hint, other settings or top-k: nothing kept', () => {
  assert.equal(plan(tokens(30, 17), undefined).limit, 0);
  assert.equal(plan(tokens(30, 17), hintOf(tokens(30), 3)).limit, 0);
  assert.equal(plan(tokens(30, 17), { ...hintOf(tokens(30)), stride: 2 }).limit, 0);
  const moved = tokens(30);
  moved.ends[10] = 12; // same ids, another span: the record's offsets differ
  moved.starts[11] = 12;
  assert.equal(plan(moved, hintOf(tokens(30))).limit, 10);
});
