import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkExternalDataFiles, listExternalData, listExternalDataInFile } from '../../../src/model/onnx/graph/externalData';
import { isInputError } from '../../../src/core/errors';
import { graph, model, node, tensor, valueInfo } from './builder';

/** A model whose initializers (and a Constant in an If branch) point at external files. */
function modelWith(locations: Array<{ location: string; offset: number; length: number }>): Uint8Array {
  const branch = graph({
    nodes: [node('Constant', [], ['k'], 'inner_const', [])],
    initializers: [tensor({ name: 'branch_w', dims: [2], dataType: 1, external: { location: 'branch.bin', offset: 0, length: 8 } })],
    inputs: [], outputs: [valueInfo('k', 1, [2])],
  });
  return model(graph({
    nodes: [node('If', ['c'], ['y'], 'if0', [{ name: 'then_branch', graph: branch }, { name: 'else_branch', graph: branch }])],
    initializers: [
      // A large inline payload that the scan must skip by length.
      tensor({ name: 'inline', dims: [50000], dataType: 1, raw: new Uint8Array(200000) }),
      ...locations.map((l, i) => tensor({ name: `w${i}`, dims: [l.length / 4], dataType: 1, external: l })),
    ],
    inputs: [valueInfo('c', 9, [1])], outputs: [valueInfo('y', 1, [2])],
  }));
}

function folderWith(bytes: Uint8Array, files: Record<string, number>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ml-ext-'));
  writeFileSync(join(dir, 'model.onnx'), bytes);
  for (const [name, size] of Object.entries(files)) writeFileSync(join(dir, name), new Uint8Array(size));
  return dir;
}

test('lists every external-data entry, subgraphs included, in memory and through the file window', () => {
  const bytes = modelWith([{ location: 'model.onnx_data', offset: 0, length: 64 }, { location: 'model.onnx_data', offset: 4096, length: 16 }]);
  const entries = listExternalData(bytes);
  assert.deepEqual(entries.map(e => [e.tensor, e.location, e.offset, e.length]), [
    ['branch_w', 'branch.bin', 0, 8], ['branch_w', 'branch.bin', 0, 8],
    ['w0', 'model.onnx_data', 0, 64], ['w1', 'model.onnx_data', 4096, 16],
  ]);
  assert.match(entries[0].scope, /node:if0/);
  const dir = folderWith(bytes, {});
  assert.deepEqual(listExternalDataInFile(join(dir, 'model.onnx')), entries);
  // A 4 KiB window cannot hold the 200 kB inline tensor: the scan must skip it by length.
  assert.deepEqual(listExternalDataInFile(join(dir, 'model.onnx'), 4096), entries);
});

test('accepts files next to the model that are long enough, and reports the required sizes', () => {
  const bytes = modelWith([{ location: 'model.onnx_data', offset: 4096, length: 16 }]);
  const dir = folderWith(bytes, { 'model.onnx_data': 4112, 'branch.bin': 8 });
  const files = checkExternalDataFiles(join(dir, 'model.onnx'));
  assert.deepEqual(files.map(f => [f.location, f.size, f.required]).sort(), [['branch.bin', 8, 8], ['model.onnx_data', 4112, 4112]]);
});

function rejects(bytes: Uint8Array, files: Record<string, number>, pattern: RegExp, setup?: (dir: string) => void): void {
  const dir = folderWith(bytes, files);
  setup?.(dir);
  assert.throws(() => checkExternalDataFiles(join(dir, 'model.onnx')), (e: unknown) => {
    assert.ok(isInputError(e), String(e));
    assert.equal((e as { code: string }).code, 'model-external-data');
    assert.match((e as Error).message, pattern);
    return true;
  });
}

test('rejects absolute locations, .. escapes, symlinks out of the folder, missing and truncated files', () => {
  rejects(modelWith([{ location: '/etc/passwd', offset: 0, length: 4 }]), { 'branch.bin': 8 }, /absolute/);
  rejects(modelWith([{ location: 'C:\\data\\w.bin', offset: 0, length: 4 }]), { 'branch.bin': 8 }, /absolute/);
  rejects(modelWith([{ location: '../outside.bin', offset: 0, length: 4 }]), { 'branch.bin': 8 }, /outside the model folder/);
  rejects(modelWith([{ location: 'sub/../../outside.bin', offset: 0, length: 4 }]), { 'branch.bin': 8 }, /outside the model folder/);
  rejects(modelWith([{ location: 'link.bin', offset: 0, length: 4 }]), { 'branch.bin': 8 }, /link to a file outside/, dir => {
    const outside = mkdtempSync(join(tmpdir(), 'ml-out-'));
    writeFileSync(join(outside, 'secret.bin'), new Uint8Array(16));
    symlinkSync(join(outside, 'secret.bin'), join(dir, 'link.bin'));
  });
  rejects(modelWith([{ location: 'model.onnx_data', offset: 0, length: 4 }]), { 'branch.bin': 8 }, /missing/);
  rejects(modelWith([{ location: 'model.onnx_data', offset: 4096, length: 64 }]), { 'model.onnx_data': 130, 'branch.bin': 8 }, /130 bytes but the model needs 4160 .*Git LFS/);
});

test('a symlink that stays inside the folder and a subfolder location are fine', () => {
  const bytes = modelWith([{ location: 'weights/part1.bin', offset: 0, length: 8 }, { location: 'alias.bin', offset: 0, length: 8 }]);
  const dir = folderWith(bytes, { 'branch.bin': 8 });
  mkdirSync(join(dir, 'weights'));
  writeFileSync(join(dir, 'weights', 'part1.bin'), new Uint8Array(8));
  symlinkSync(join(dir, 'weights', 'part1.bin'), join(dir, 'alias.bin'));
  assert.equal(checkExternalDataFiles(join(dir, 'model.onnx')).length, 3);
});
