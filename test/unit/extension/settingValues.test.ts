import assert from 'node:assert/strict';
import { test } from 'node:test';
import { booleanSetting, wholeNumberSetting } from '../../../src/extension/settingValues';

test('whole-number settings: wrong types and out-of-range numbers are replaced and named, never silently', () => {
  const problems: string[] = [];
  assert.equal(wholeNumberSetting('topK', 10, 10, 1, 100, problems), 10);
  assert.equal(wholeNumberSetting('window', 512, 0, 0, 1 << 20, problems), 512);
  assert.deepEqual(problems, [], 'valid values raise nothing');

  assert.equal(wholeNumberSetting('topK', 1e6, 10, 1, 100, problems), 100);
  assert.equal(wholeNumberSetting('topK', 0, 10, 1, 100, problems), 1);
  assert.equal(wholeNumberSetting('maxFileSizeKB', 'huge', 1024, 1, 1 << 22, problems), 1024, 'a wrong type falls back to the default, not the minimum');
  assert.equal(wholeNumberSetting('stride', 2.5, 0, 0, 1 << 20, problems), 3);
  assert.equal(wholeNumberSetting('window', null, 0, 0, 1 << 20, problems), 0);
  assert.equal(wholeNumberSetting('topK', Number.NaN, 10, 1, 100, problems), 10);
  assert.deepEqual(problems, [
    'markovLens.topK: 1000000 is not a whole number from 1 to 100; using 100',
    'markovLens.topK: 0 is not a whole number from 1 to 100; using 1',
    'markovLens.maxFileSizeKB: "huge" is not a number; using 1024',
    'markovLens.stride: 2.5 is not a whole number from 0 to 1048576; using 3',
    'markovLens.window: null is not a number; using 0',
    'markovLens.topK: NaN is not a number; using 10',
  ]);
});

test('boolean settings: only true and false are taken; anything else falls back to the default and is named', () => {
  const problems: string[] = [];
  assert.equal(booleanSetting('geometry.contextAblation', true, false, problems), true);
  assert.equal(booleanSetting('geometry.contextAblation', false, true, problems), false);
  assert.deepEqual(problems, [], 'valid values raise nothing');
  assert.equal(booleanSetting('geometry.contextAblation', 'true', false, problems), false, 'a string is not coerced');
  assert.equal(booleanSetting('geometry.contextAblation', 1, false, problems), false);
  assert.equal(booleanSetting('geometry.contextAblation', undefined, false, problems), false);
  assert.deepEqual(problems, [
    'markovLens.geometry.contextAblation: "true" is not true or false; using false',
    'markovLens.geometry.contextAblation: 1 is not true or false; using false',
    'markovLens.geometry.contextAblation: undefined is not true or false; using false',
  ]);
});
