/**
 * The fixture model folders against their reference token ids (test/fixtures/reference/*.json,
 * written by the recipe that built each folder's tokenizer): our ids must equal the reference ids
 * for every reference text, the prefix token must match, and the spans must tile exactly.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadTokenizerSync } from '../../../src/model/tokenizer';
import { assertTiles, FIXTURES } from './tokenizerFixtures';

interface Reference {
  model: string;
  prefixTokenId: number;
  cases: Array<{ name: string; text: string; ids: number[] }>;
}

const referenceDir = join(FIXTURES, 'reference');
const files = existsSync(referenceDir) ? readdirSync(referenceDir).filter((f) => f.endsWith('.json')).sort() : [];

test('reference id files exist', { skip: files.length === 0 ? `no ${referenceDir} yet` : false }, () => {
  assert.ok(files.length > 0);
});

for (const file of files) {
  const ref = JSON.parse(readFileSync(join(referenceDir, file), 'utf8')) as Reference;
  const modelDir = join(FIXTURES, 'models', ref.model);
  test(`${ref.model}: ids, prefix token and spans match the reference (${file})`, () => {
    const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')) as Record<string, unknown>;
    const tok = loadTokenizerSync(modelDir, config);
    assert.equal(tok.prefixTokenId, ref.prefixTokenId, 'prefix token');
    assert.ok(ref.cases.length > 0);
    for (const c of ref.cases) {
      const doc = tok.encodeDetailed(c.text);
      assert.deepEqual(Array.from(doc.ids), c.ids, `${c.name}: ids`);
      assertTiles(doc, c.text, c.name);
      assert.equal(doc.exact, true, `${c.name}: spans exact`);
    }
  });
}
