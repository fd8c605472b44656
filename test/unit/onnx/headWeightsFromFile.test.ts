/**
 * W read by byte ranges from the graph file (what the engine does, so the whole file is never held)
 * equals W read from the file's bytes, value for value, for every storage the fixtures hold: inline
 * float32, float16, bfloat16, external data, transformers.js layout; and lands in the allocator's
 * memory (shared, as the geometry thread needs).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { externalReaderFor, fileRanges, findHead, readHeadWeights, scanModel } from '../../../src/model/onnx/graph';

const root = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'models');
const graphs = ['gpt2-bytelevel/model.onnx', 'gpt2-fp16/model.onnx', 'bf16/model.onnx', 'llama-metaspace/model.onnx', 'gpt2-tjs/onnx/model.onnx', 'default-fp16/model.onnx'];

for (const graph of graphs) {
  const path = join(root, graph);
  test(`W by byte ranges equals W from the whole file: ${graph}`, { skip: existsSync(path) ? false : `${path} is not built` }, () => {
    const bytes = readFileSync(path);
    const scan = scanModel(bytes);
    const logits = scan.outputs.includes('logits') ? 'logits' : scan.outputs[0];
    const head = findHead(scan, logits);
    assert.ok(head.weight, `${graph}: a head weight (${JSON.stringify(head.issues)})`);
    const reader = externalReaderFor(path);
    const whole = readHeadWeights(bytes, scan, head, reader);
    let shared: Float32Array | undefined;
    const ranged = readHeadWeights(fileRanges(path), scan, head, reader, n => (shared = new Float32Array(new SharedArrayBuffer(n * 4))));
    assert.equal(ranged.weight, shared, 'W is the allocator\'s array');
    assert.ok(ranged.weight.buffer instanceof SharedArrayBuffer);
    assert.equal(ranged.weight.length, whole.vocab * whole.hidden);
    assert.deepEqual(ranged.weight, whole.weight);
    assert.deepEqual(ranged.bias, whole.bias);
    assert.equal(ranged.maxRowNormSq, whole.maxRowNormSq);
  });
}

test('a raw tensor shorter than its shape is refused by name, reading by ranges too', () => {
  const path = join(root, 'gpt2-bytelevel', 'model.onnx');
  const bytes = readFileSync(path);
  const scan = scanModel(bytes);
  const head = findHead(scan, 'logits');
  const t = scan.initializers.get(head.weight!.initializer)!;
  const short = { ...scan, initializers: new Map(scan.initializers).set(t.name, { ...t, raw: { start: t.raw!.start, end: t.raw!.end - 4 } }) };
  assert.throws(() => readHeadWeights(fileRanges(path), short, head), new RegExp(`tensor ${t.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\d+ bytes for \\d+ values`));
});
