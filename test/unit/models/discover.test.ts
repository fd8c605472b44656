import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, mock, test } from 'node:test';
import { describeModel, formatBytes } from '../../../src/core/models/summary';
import { findHubModels, hubCacheDir } from '../../../src/model/load/hubCache';
import { inspectModelFolder } from '../../../src/model/load/inspect';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const realFs = require('node:fs') as typeof import('node:fs');

const root = mkdtempSync(join(tmpdir(), 'ml-discover-'));
after(() => rmSync(root, { recursive: true, force: true }));

const CONFIG = { model_type: 'gpt2', n_layer: 4, n_embd: 192, vocab_size: 8192, n_positions: 1024 };

/** A repository in the hub layout: files in snapshots/<rev>/ link to ../../blobs/<name>. */
function hubRepo(hub: string, repo: string, revision: string, files: Record<string, string | number>, ref?: string): string {
  const repoDir = join(hub, `models--${repo.replace('/', '--')}`);
  const snap = join(repoDir, 'snapshots', revision);
  mkdirSync(join(repoDir, 'blobs'), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    const blob = join(repoDir, 'blobs', `${revision}-${name.replace(/\W/g, '_')}`);
    if (typeof content === 'number') {
      writeFileSync(blob, '');
      truncateSync(blob, content); // sparse: a large "weight" nobody may read
    } else writeFileSync(blob, content);
    mkdirSync(join(snap, name, '..'), { recursive: true });
    symlinkSync(blob, join(snap, name));
  }
  if (ref) {
    mkdirSync(join(repoDir, 'refs'), { recursive: true });
    writeFileSync(join(repoDir, 'refs', ref), revision);
  }
  return snap;
}

test('the hub folder follows huggingface_hub: HF_HUB_CACHE, HF_HOME/hub, XDG_CACHE_HOME, ~/.cache', () => {
  assert.equal(hubCacheDir({ HF_HUB_CACHE: '/a', HF_HOME: '/b' }, '/home/u'), '/a');
  assert.equal(hubCacheDir({ HF_HOME: '/b', XDG_CACHE_HOME: '/c' }, '/home/u'), '/b/hub');
  assert.equal(hubCacheDir({ XDG_CACHE_HOME: '/c' }, '/home/u'), '/c/huggingface/hub');
  assert.equal(hubCacheDir({}, '/home/u'), '/home/u/.cache/huggingface/hub');
});

test('cached snapshots with a graph and tokenizer.json are found, without reading any weight', () => {
  const hub = join(root, 'hub');
  const weights = 3_000_000_000;
  const good = hubRepo(hub, 'onnx-community/tiny-gpt2', 'aaaaaaa111', {
    'config.json': JSON.stringify(CONFIG), 'tokenizer.json': '{}', 'onnx/model.onnx': 1000, 'onnx/model.onnx_data': weights,
  }, 'main');
  hubRepo(hub, 'onnx-community/tiny-gpt2', 'bbbbbbb222', { 'config.json': '{}', 'tokenizer.json': '{}', 'model.onnx': 10 }); // not the ref
  hubRepo(hub, 'org/no-tokenizer', 'ccccccc333', { 'config.json': '{}', 'model.onnx': 10 });
  hubRepo(hub, 'org/pytorch-only', 'ddddddd444', { 'config.json': '{}', 'tokenizer.json': '{}', 'model.safetensors': 10 });
  const root2 = hubRepo(hub, 'org/root-layout', 'eeeeeee555', { 'config.json': JSON.stringify({ model_type: 'llama' }), 'tokenizer.json': '{}', 'model.onnx': 10 });
  mkdirSync(join(hub, 'datasets--org--data'), { recursive: true });

  // The module object the code under test calls through (not a namespace copy), watched as it runs.
  const watched = (['readFileSync', 'openSync', 'createReadStream'] as const).map(name => mock.method(realFs, name));
  let found;
  let info;
  try {
    found = findHubModels(hub);
    info = inspectModelFolder(found[0].dir);
  } finally {
    for (const m of watched) m.mock.restore();
  }
  const opened = watched.flatMap(m => m.mock.calls.map(c => String(c.arguments[0])));
  assert.deepEqual(found.map(f => [f.repo, f.revision, f.ref]), [
    ['onnx-community/tiny-gpt2', 'aaaaaaa111', 'main'],
    ['org/root-layout', 'eeeeeee555', undefined],
  ]);
  assert.equal(found[0].dir, good);
  assert.equal(found[1].dir, root2);
  assert.ok(opened.length > 0, 'the watch saw the refs and config.json being read');
  assert.deepEqual(opened.filter(p => /\.onnx|model_onnx|blobs\/[^/]*onnx/.test(p)), [], `no graph or weight file opened: ${opened.join(', ')}`);
  assert.ok(info.usable);
  assert.deepEqual(info.shape, { modelType: 'gpt2', layers: 4, hiddenSize: 192, vocabSize: 8192, contextLength: 1024 });
  assert.equal(info.sizeBytes, weights + 1000 + 2 + JSON.stringify(CONFIG).length, 'size on disk follows the links');
  assert.equal(info.description, 'gpt2 · 4 layers × 192 · vocab 8,192 · context 1,024 · 3.00 GB');
});

test('a missing or empty cache finds nothing', () => {
  assert.deepEqual(findHubModels(join(root, 'nope')), []);
  mkdirSync(join(root, 'empty'));
  assert.deepEqual(findHubModels(join(root, 'empty')), []);
});

test('a folder that is not a usable model carries the engine\'s reason', () => {
  const dir = join(root, 'no-tokenizer');
  mkdirSync(dir);
  writeFileSync(join(dir, 'model.onnx'), 'x');
  const info = inspectModelFolder(dir);
  assert.equal(info.usable, false);
  assert.match(info.reason!, /tokenizer\.json: not found/);
  const bad = join(root, 'bad-config');
  mkdirSync(bad);
  for (const f of ['model.onnx', 'tokenizer.json']) writeFileSync(join(bad, f), '{}');
  writeFileSync(join(bad, 'config.json'), '{oops');
  assert.match(inspectModelFolder(bad).reason!, /config\.json: is not a valid JSON object/);
  assert.match(inspectModelFolder(join(root, 'absent')).reason!, /model folder not found/);
});

test('the summary line names what config.json gives and leaves out what it does not', () => {
  assert.equal(describeModel({ modelType: 'llama', layers: 32, hiddenSize: 4096, vocabSize: 128256, contextLength: 131072 }, 16_060_000_000),
    'llama · 32 layers × 4,096 · vocab 128,256 · context 131,072 · 16.1 GB');
  assert.equal(describeModel({ modelType: '', layers: undefined, hiddenSize: 64, vocabSize: undefined, contextLength: undefined }),
    'unknown family · width 64');
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatBytes(14_700_000), '14.7 MB');
  assert.equal(formatBytes(123_456_789), '123 MB');
});
