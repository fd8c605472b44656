/**
 * The TypeScript residual walk (src/model/onnx/graph/residual.ts) against tools/lens_chain.py's
 * walk of every fixture graph (test/fixtures/reference/lens/chains.json): the same layer tensors
 * wherever Python reaches the embedding, and the lens off, with a reason, wherever it does not.
 * Also: a walk that does not depend on node names, and the decoder plan's refusals.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';
import { findHead, findResidualStream, planDecoder, scanModel, type ModelScan } from '../../../src/model/onnx/graph';

interface ChainRef { ok: boolean; numLayers?: number; layers?: string[] | null; error?: string; embedding?: { kind: string; reason?: string }; finalNormInput?: string; head?: { hidden: string } }

const fixtures = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures');
const chains = (JSON.parse(readFileSync(join(fixtures, 'reference', 'lens', 'chains.json'), 'utf8')) as { graphs: Record<string, ChainRef> }).graphs;

function layersOf(path: string): number | undefined {
  const folder = basename(dirname(path)) === 'onnx' ? dirname(dirname(path)) : dirname(path);
  const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as Record<string, number>;
  return config.n_layer ?? config.num_hidden_layers;
}

function walk(scan: ModelScan, layers: number | undefined) {
  const logits = scan.outputs.includes('logits') ? 'logits' : scan.outputs[0];
  const head = findHead(scan, logits);
  const stream = findResidualStream(scan, head, layers);
  if (!stream.ok) return { ok: false as const, reason: stream.reason };
  const plan = planDecoder(scan, stream.stream.finalNormInput, head.logits, head.hidden!);
  return plan.ok ? { ok: true as const, stream: stream.stream, head, plan: plan.plan } : { ok: false as const, reason: plan.reason };
}

test('chains.json covers the fixture graphs', () => {
  assert.ok(Object.keys(chains).length >= 30, `${Object.keys(chains).length} graphs`);
  assert.ok(Object.values(chains).filter(c => c.ok).length >= 25);
});

for (const [graph, ref] of Object.entries(chains)) {
  test(`${graph}: the residual walk agrees with tools/lens_chain.py`, () => {
    const path = join(fixtures, 'models', graph);
    const got = walk(scanModel(readFileSync(path)), layersOf(path));
    if (ref.ok) {
      assert.ok(got.ok, `the walk failed: ${got.ok ? '' : got.reason}`);
      assert.deepEqual(got.stream.layers, ref.layers);
      assert.equal(got.stream.finalNormInput, ref.finalNormInput);
      assert.equal(got.head.hidden, ref.head?.hidden);
      assert.equal(got.stream.layers.length, (ref.numLayers ?? 0) + 1);
      assert.equal(got.plan.input, ref.finalNormInput);
    } else {
      // Python stops earlier on some (it cannot find a head behind a Where); either way the lens is off, with a reason.
      assert.equal(got.ok, false, `the lens should be off for ${graph}`);
      assert.ok(got.reason.length > 20, got.reason);
      if (ref.embedding?.kind === 'ambiguous') assert.match(got.reason, /ambiguous.*neither of its inputs/);
    }
  });
}

test('the walk reads the graph, not node names: renaming every node changes nothing', () => {
  const bytes = readFileSync(join(fixtures, 'models', 'llama-metaspace', 'model.onnx'));
  const scan = scanModel(bytes);
  const renamed: ModelScan = { ...scan, nodes: scan.nodes.map((n, i) => ({ ...n, name: `node${(i * 7919) % 1000}` })) };
  const a = walk(scan, 2);
  const b = walk(renamed, 2);
  assert.ok(a.ok && b.ok);
  assert.deepEqual(b.stream.layers, a.stream.layers);
  assert.deepEqual(b.plan.nodes, a.plan.nodes);
});

test('a wrong layer count turns the lens off with the counts in the message', () => {
  const scan = scanModel(readFileSync(join(fixtures, 'models', 'gpt2-bytelevel', 'model.onnx')));
  const got = walk(scan, 3);
  assert.equal(got.ok, false);
  if (!got.ok) assert.match(got.reason, /found 4 residual Adds .* for 3 layers/);
  const unknown = walk(scan, undefined);
  assert.equal(unknown.ok, false);
  if (!unknown.ok) assert.match(unknown.reason, /names no layer count/);
});

test('a head that reads another graph input besides the stream cannot be cut out (nan-logits: a Where on input_ids)', () => {
  const scan = scanModel(readFileSync(join(fixtures, 'models', 'nan-logits', 'model.onnx')));
  const got = walk(scan, 2);
  assert.equal(got.ok, false);
  if (!got.ok) assert.match(got.reason, /read graph input input_ids besides the residual stream/);
});
