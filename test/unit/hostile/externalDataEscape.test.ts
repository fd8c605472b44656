/**
 * Crafted graphs whose external data points outside the model folder, end to end through openModel,
 * the CLI and the hidden-state (geometry) reader. The graphs are llama-metaspace's with the location
 * string `model.onnx_data` rewritten in place to another 15-byte path, and the target holds the real
 * weights: without the check ONNX Runtime would load them, so a refusal is the check working.
 */
import assert from 'node:assert/strict';
import { renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { main } from '../../../src/cli/main';
import { openModel } from '../../../src/model/client/openModel';
import { externalReaderFor } from '../../../src/model/onnx/graph';
import { graph, model, node, valueInfo } from '../onnx/builder';
import { assertInputError, faultyCopy, FIXTURES, removeScratch, replaceBytes, scratch } from './hostileFixtures';

const LOCATION = 'model.onnx_data';
const ABSOLUTE = `/tmp/mlAbs.data`;
const OPTIONS = { intraOpThreads: 1 };

after(() => {
  rmSync(ABSOLUTE, { force: true });
  removeScratch();
});

/** llama-metaspace with its external data moved to `location` (placed by `place`, given the folder). */
function relocated(location: string, place: (dir: string, data: string) => void): string {
  return faultyCopy('llama-metaspace', dir => {
    replaceBytes(join(dir, 'model.onnx'), LOCATION, location);
    place(dir, join(dir, LOCATION));
  });
}

const escapes: Array<[string, () => string, RegExp]> = [
  ['an absolute path', () => relocated(ABSOLUTE, (_, data) => renameSync(data, ABSOLUTE)), /absolute external data path/],
  ['a .. escape', () => relocated('../outside.data', (dir, data) => renameSync(data, join(dirname(dir), 'outside.data'))), /outside the model folder/],
  ['a symlink out of the folder', () => relocated('linked_dat.data', (dir, data) => {
    const outside = join(scratch('secret'), 'weights.bin');
    renameSync(data, outside);
    symlinkSync(outside, join(dir, 'linked_dat.data'));
  }), /link to a file outside the model folder/],
];

test('control: the same rewrite to a name inside the folder loads (the crafting keeps graphs valid)', async () => {
  const dir = relocated('weights_00.data', (d, data) => renameSync(data, join(d, 'weights_00.data')));
  const engine = await openModel(dir, OPTIONS);
  try {
    const a = await engine.analyze({ text: 'Inside the folder is fine.' });
    assert.ok(a.tokens.length > 0 && a.tokens.every(t => t.nll !== null));
  } finally {
    await engine.dispose();
  }
});

for (const [name, make, problem] of escapes) {
  test(`external data through ${name}: refused by openModel, the CLI and the hidden-state reader`, async () => {
    const dir = make();
    const onnx = join(dir, 'model.onnx');
    await assert.rejects(openModel(dir, OPTIONS), e => assertInputError(e, 'model-external-data', onnx, problem));
    const doc = join(scratch('doc'), 'doc.txt');
    writeFileSync(doc, 'Any text.');
    let stderr = '';
    const code = await main(['analyze', doc, '--model', dir], { stdout: { write: () => true }, stderr: { write: s => (stderr += s) }, env: {} }, OPTIONS);
    assert.equal(code, 2, stderr);
    assert.match(stderr, problem);
    assert.ok(stderr.includes(onnx) && stderr.trim().split('\n').length === 1, stderr);
    // The geometry path (spliced hidden-state session) reads head weights only through this reader.
    assert.throws(() => externalReaderFor(onnx), e => assertInputError(e, 'model-external-data', onnx, problem));
  });
}

test('a graph using an operator from a custom domain is refused with a message (custom-op libraries are never loaded)', async () => {
  const dir = faultyCopy('gpt2-bytelevel', d => {
    const evil = model(graph({
      nodes: [node('LoadMyLibrary', ['input_ids'], ['logits'], 'evil', [], 'com.evil')],
      initializers: [], inputs: [valueInfo('input_ids', 7, [1, 'seq'])], outputs: [valueInfo('logits', 1, [1, 'seq', 512])],
    }));
    writeFileSync(join(d, 'model.onnx'), evil);
  });
  await assert.rejects(openModel(dir, OPTIONS), e => assertInputError(e, 'model-corrupt', join(dir, 'model.onnx'), /operator|domain|not a valid/));
});

test('after the refusals the real external-data fixture still loads', async () => {
  const engine = await openModel(join(FIXTURES, 'llama-metaspace'), OPTIONS);
  assert.equal(engine.info.modelType, 'llama');
  await engine.dispose();
});
