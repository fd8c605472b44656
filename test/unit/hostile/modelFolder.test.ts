/**
 * Hostile model folders, each opened through the real engine (worker + ONNX Runtime): every fault
 * must end as a one-line InputError naming the file, with no worker left behind and the next
 * healthy model loading and analysing normally.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { InputErrorCode } from '../../../src/core/errors';
import { openModel } from '../../../src/model/client/openModel';
import { describeFsError, fsInputError, readModelTextFile } from '../../../src/model/load/modelFile';
import { assertInputError, editJson, faultyCopy, FIXTURES, removeScratch, scratch } from './hostileFixtures';

after(removeScratch);

const GOOD = 'gpt2-bytelevel';
const OPTIONS = { intraOpThreads: 1 };
/** A blocked read (a FIFO) must fail the test, not hang the suite. */
const LIMIT = { timeout: 30_000 };

async function refuses(dir: string, code: InputErrorCode, subject: string, problem: RegExp): Promise<void> {
  await assert.rejects(openModel(dir, OPTIONS), e => assertInputError(e, code, subject, problem));
}

const cases: Array<[string, () => string, InputErrorCode, (dir: string) => string, RegExp]> = [
  ['model folder missing', () => join(scratch(), 'nope'), 'model-missing', d => d, /not found/],
  ['model folder empty', () => scratch('empty'), 'model-no-onnx', d => d, /no \.onnx model file/],
  ['a file given where the folder is expected', () => join(FIXTURES, GOOD, 'config.json'), 'model-missing', d => d, /not a folder/],
  ['a path through a non-folder', () => join(FIXTURES, GOOD, 'config.json', 'sub'), 'model-missing', d => d, /not found/],
  ['no ONNX graph (fixture no-onnx)', () => join(FIXTURES, 'no-onnx'), 'model-no-onnx', d => d, /no \.onnx/],
  ['model.onnx is a folder', () => faultyCopy(GOOD, d => { rmSync(join(d, 'model.onnx')); mkdirSync(join(d, 'model.onnx')); }), 'model-no-onnx', d => d, /no \.onnx model file/],
  ['model.onnx is a FIFO', () => faultyCopy(GOOD, d => { rmSync(join(d, 'model.onnx')); execFileSync('mkfifo', [join(d, 'model.onnx')]); }), 'model-no-onnx', d => d, /no \.onnx model file/],
  ['model.onnx empty', () => faultyCopy(GOOD, d => writeFileSync(join(d, 'model.onnx'), '')), 'model-corrupt', d => join(d, 'model.onnx'), /empty/],
  ['model.onnx truncated to half', () => faultyCopy(GOOD, d => truncateSync(join(d, 'model.onnx'), readFileSync(join(d, 'model.onnx')).length >> 1)), 'model-corrupt', d => join(d, 'model.onnx'), /not a valid ONNX model/],
  ['model.onnx with flipped bytes', () => faultyCopy(GOOD, d => {
    const b = readFileSync(join(d, 'model.onnx'));
    for (let i = 200; i < b.length; i += 97) b[i] ^= 0xff;
    writeFileSync(join(d, 'model.onnx'), b);
  }), 'model-corrupt', d => join(d, 'model.onnx'), /not a valid ONNX model/],
  ['model.onnx is random bytes', () => faultyCopy(GOOD, d => writeFileSync(join(d, 'model.onnx'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 0xff)))), 'model-corrupt', d => join(d, 'model.onnx'), /not a valid ONNX model/],
  ['model.onnx is a Git LFS pointer', () => faultyCopy(GOOD, d => writeFileSync(join(d, 'model.onnx'), 'version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 123\n')), 'model-corrupt', d => join(d, 'model.onnx'), /LFS|not a valid ONNX/],
  ['wrong signature (fixture not-causal-lm)', () => join(FIXTURES, 'not-causal-lm'), 'model-not-causal-lm', d => join(d, 'model.onnx'), /causal|logits|input_ids/i],
  ['bfloat16 logits (fixture bf16)', () => join(FIXTURES, 'bf16'), 'model-unsupported-dtype', d => join(d, 'model.onnx'), /bfloat16/],
  ['external data missing (fixture)', () => join(FIXTURES, 'missing-external-data'), 'model-external-data', d => join(d, 'model.onnx'), /missing/],
  ['external data truncated', () => faultyCopy('llama-metaspace', d => truncateSync(join(d, 'model.onnx_data'), 1000)), 'model-external-data', d => join(d, 'model.onnx'), /1000 bytes but the model needs/],
  ['external data is a folder', () => faultyCopy('llama-metaspace', d => { rmSync(join(d, 'model.onnx_data')); mkdirSync(join(d, 'model.onnx_data')); }), 'model-external-data', d => join(d, 'model.onnx'), /not a regular file/],
  ['tokenizer.json missing', () => faultyCopy(GOOD, d => rmSync(join(d, 'tokenizer.json'))), 'tokenizer-missing', d => join(d, 'tokenizer.json'), /not found/],
  ['tokenizer.json invalid JSON (fixture bad-tokenizer)', () => join(FIXTURES, 'bad-tokenizer'), 'tokenizer-invalid', d => join(d, 'tokenizer.json'), /JSON/],
  ['tokenizer.json is a JSON array', () => faultyCopy(GOOD, d => writeFileSync(join(d, 'tokenizer.json'), '[1,2,3]')), 'tokenizer-invalid', d => join(d, 'tokenizer.json'), /object/],
  ['tokenizer model type unknown', () => faultyCopy(GOOD, d => editJson(join(d, 'tokenizer.json'), j => { (j.model as Record<string, unknown>).type = 'Quantum'; })), 'tokenizer-invalid', d => join(d, 'tokenizer.json'), /unsupported tokenizer model type "Quantum"/],
  ['tokenizer without a model section', () => faultyCopy(GOOD, d => editJson(join(d, 'tokenizer.json'), j => { delete j.model; })), 'tokenizer-invalid', d => join(d, 'tokenizer.json'), /no "model" section/],
  ['tokenizer.json is a folder', () => faultyCopy(GOOD, d => { rmSync(join(d, 'tokenizer.json')); mkdirSync(join(d, 'tokenizer.json')); }), 'tokenizer-invalid', d => join(d, 'tokenizer.json'), /not a regular file/],
  ['tokenizer.json is a FIFO', () => faultyCopy(GOOD, d => { rmSync(join(d, 'tokenizer.json')); execFileSync('mkfifo', [join(d, 'tokenizer.json')]); }), 'tokenizer-invalid', d => join(d, 'tokenizer.json'), /not a regular file/],
  ['tokenizer_config.json invalid JSON', () => faultyCopy(GOOD, d => writeFileSync(join(d, 'tokenizer_config.json'), '{"bos_token": ')), 'tokenizer-invalid', d => join(d, 'tokenizer_config.json'), /JSON/],
  ['tokenizer wider than the logits (fixture)', () => join(FIXTURES, 'tokenizer-too-wide'), 'tokenizer-too-wide', d => join(d, 'tokenizer.json'), /512 ids .* 256/],
  ['config.json invalid JSON', () => faultyCopy(GOOD, d => writeFileSync(join(d, 'config.json'), '{"model_type": "gpt2",')), 'model-config', d => join(d, 'config.json'), /not a valid JSON object/],
  ['config.json is a JSON string', () => faultyCopy(GOOD, d => writeFileSync(join(d, 'config.json'), '"gpt2"')), 'model-config', d => join(d, 'config.json'), /not a valid JSON object/],
  ['config.json is a folder', () => faultyCopy(GOOD, d => { rmSync(join(d, 'config.json')); mkdirSync(join(d, 'config.json')); }), 'model-config', d => join(d, 'config.json'), /not a regular file/],
  ['config.json is a FIFO', () => faultyCopy(GOOD, d => { rmSync(join(d, 'config.json')); execFileSync('mkfifo', [join(d, 'config.json')]); }), 'model-config', d => join(d, 'config.json'), /not a regular file/],
];

for (const [name, make, code, subject, problem] of cases) {
  test(`model folder: ${name}`, LIMIT, async () => {
    const dir = make();
    await refuses(dir, code, subject(dir), problem);
  });
}

test('model folder: config.json without a context length loads; a window past the graph\'s positions is a clear error', LIMIT, async () => {
  const dir = faultyCopy(GOOD, d => writeFileSync(join(d, 'config.json'), '{"n_positions": "lots", "vocab_size": -5}'));
  const engine = await openModel(dir, OPTIONS);
  try {
    const long = 'Wrong types in config.json must not turn into a crash. '.repeat(8);
    await assert.rejects(engine.analyze({ text: long }), e => assertInputError(e, 'model-config', join(dir, 'config.json'), /no context length/));
    // A window inside the graph's 64 positions works, and the worker survived the failed run.
    const ok = await engine.analyze({ text: long, window: 64, stride: 32 });
    assert.ok(ok.tokens.length > 64 && ok.tokens.every(t => t.nll !== null && Number.isFinite(t.nll)));
  } finally {
    await engine.dispose();
  }
});

test('unreadable files: EACCES and friends map to a message naming the file (tests run as root, so chmod 000 cannot block a read)', () => {
  const eacces = Object.assign(new Error('EACCES: permission denied, open'), { code: 'EACCES' });
  const e = fsInputError('/m/config.json', eacces, 'model-config');
  assertInputError(e, 'model-config', '/m/config.json', /permission denied/);
  assert.equal(describeFsError(Object.assign(new Error('x'), { code: 'ENOTDIR' })), 'a part of the path is not a folder');
  assert.equal(describeFsError(Object.assign(new Error('x'), { code: 'ELOOP' })), 'is a symbolic link loop');
  // A symlink loop is a real, root-proof unreadable file.
  const dir = scratch('loop');
  execFileSync('ln', ['-s', 'config.json', join(dir, 'config.json')]);
  assert.throws(() => readModelTextFile(join(dir, 'config.json'), 'model-config'), err => assertInputError(err, 'model-config', join(dir, 'config.json'), /symbolic link loop/));
  if (process.getuid?.() !== 0) {
    const locked = join(scratch('locked'), 'config.json');
    writeFileSync(locked, '{}', { mode: 0 });
    assert.throws(() => readModelTextFile(locked, 'model-config'), err => assertInputError(err, 'model-config', locked, /permission denied/));
  }
});

test('after every refusal a healthy model still loads and analyses', LIMIT, async () => {
  const engine = await openModel(join(FIXTURES, GOOD), OPTIONS);
  try {
    const a = await engine.analyze({ text: 'Healthy after the hostile catalogue.', topK: 3 });
    assert.ok(a.tokens.length > 5 && a.tokens.every(t => t.nll !== null && t.top.length === 3));
  } finally {
    await engine.dispose();
  }
});
