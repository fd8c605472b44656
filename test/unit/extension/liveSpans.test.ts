import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiveSpans } from '../../../src/extension/liveSpans';

// Tokens of "ab cd ef" as [0,2) [2,5) [5,8).
const tokens = () => new LiveSpans([0, 2, 5], [2, 5, 8]);

test('an insertion inside a token drops it and shifts the tokens after it', () => {
  const s = tokens();
  assert.equal(s.applyEdits([{ offset: 3, removed: 0, inserted: 4 }]), 1);
  assert.deepEqual([...s.alive], [1, 0, 1]);
  assert.deepEqual([...s.starts], [0, 3, 9]);
  assert.deepEqual([...s.ends], [2, 3, 12]);
  assert.equal(s.liveCount, 2);
});

test('an insertion exactly at a token boundary keeps both neighbours', () => {
  const s = tokens();
  assert.equal(s.applyEdits([{ offset: 2, removed: 0, inserted: 1 }]), 0);
  assert.deepEqual([...s.starts], [0, 3, 6]);
  assert.deepEqual([...s.ends], [2, 6, 9]);
});

test('a deletion spanning two tokens drops both', () => {
  const s = tokens();
  assert.equal(s.applyEdits([{ offset: 1, removed: 3, inserted: 0 }]), 2);
  assert.deepEqual([...s.alive], [0, 0, 1]);
  assert.deepEqual([...s.starts.slice(2)], [2]);
  assert.deepEqual([...s.ends.slice(2)], [5]);
});

test('several edits of one event apply in the coordinates before the event', () => {
  const s = tokens();
  // Replace "a" (offset 0) with "xyz" and append "!" at the end (offset 8), as one event.
  s.applyEdits([{ offset: 0, removed: 1, inserted: 3 }, { offset: 8, removed: 0, inserted: 1 }]);
  assert.deepEqual([...s.alive], [0, 1, 1]);
  assert.deepEqual([...s.starts.slice(1)], [4, 7]);
  assert.deepEqual([...s.ends.slice(1)], [7, 10]);
});

test('tokenAt finds the live token under an offset and nothing on edited text', () => {
  const s = tokens();
  assert.equal(s.tokenAt(0), 0);
  assert.equal(s.tokenAt(4), 1);
  assert.equal(s.tokenAt(7), 2);
  assert.equal(s.tokenAt(8), -1);
  s.applyEdits([{ offset: 3, removed: 1, inserted: 1 }]);
  assert.equal(s.tokenAt(3), -1);
  assert.equal(s.tokenAt(6), 2);
});

test('starts stay sorted after many random edits (binary search stays valid)', () => {
  let seed = 7;
  const rand = (n: number) => (seed = (seed * 16807) % 2147483647) % n;
  const starts = Array.from({ length: 200 }, (_, i) => i * 3);
  const s = new LiveSpans(starts, starts.map(x => x + 3));
  let length = 600;
  for (let k = 0; k < 300; k++) {
    const offset = rand(length + 1);
    const removed = rand(Math.min(5, length - offset) + 1);
    const inserted = rand(6);
    s.applyEdits([{ offset, removed, inserted }]);
    length += inserted - removed;
    for (let i = 1; i < s.length; i++) assert.ok(s.starts[i] >= s.ends[i - 1], `order at ${i} after edit ${k}`);
    for (let i = 0; i < s.length; i++) assert.ok(s.ends[i] <= length);
  }
});
