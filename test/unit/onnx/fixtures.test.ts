/**
 * The committed fixture models (test/fixtures/models/*): find the head, splice out the hidden state,
 * run the spliced graph in onnxruntime-node and check W h + b against the logits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InferenceSession } from 'onnxruntime-node';
import { checkLinearHead } from '../../../src/core/geometry/headCheck';
import { checkExternalDataFiles } from '../../../src/model/onnx/graph/externalData';
import { exposeHiddenState, externalReaderFor, headWeightsOf } from '../../../src/model/onnx/graph/hiddenState';
import { firstStepFeeds, toFloat32 } from './ortHelpers';

const root = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'models');

/**
 * fp32 graphs must match to 1e-4 (measured: 3e-6). fp16 graphs return logits rounded to half
 * precision (unit roundoff 2⁻¹¹ ≈ 4.9e-4 relative) from a half-precision product, so the check there
 * is relative to the logit scale: 2e-3, about four roundoffs (measured: 3.3e-4).
 */
const cases = [
  { name: 'gpt2-bytelevel', file: 'model.onnx', fp16: false, external: false },
  { name: 'gpt2-fp16', file: 'model.onnx', fp16: true, external: false },
  { name: 'llama-metaspace', file: 'model.onnx', fp16: false, external: true },
  { name: 'gpt2-tjs', file: 'onnx/model.onnx', fp16: false, external: false },
];

for (const c of cases) {
  const path = join(root, c.name, c.file);
  test(`fixture ${c.name}: head found, hidden state spliced out, W h + b reproduces the logits`, { skip: existsSync(path) ? false : `${path} not built yet` }, async () => {
    const config = JSON.parse(readFileSync(join(root, c.name, 'config.json'), 'utf8'));
    const hiddenSize = config.hidden_size ?? config.n_embd;
    const vocab = config.vocab_size;
    const files = checkExternalDataFiles(path);
    assert.equal(files.length > 0, c.external, 'external data as expected');
    const original = readFileSync(path);
    const exposed = exposeHiddenState(original);
    assert.ok(exposed.hiddenOutput, JSON.stringify(exposed.head.issues));
    assert.equal(exposed.head.linear, true, JSON.stringify(exposed.head.issues));
    const weights = headWeightsOf(exposed, original, c.external ? externalReaderFor(path) : undefined)!;
    assert.equal(weights.hidden, hiddenSize);
    assert.equal(weights.vocab, vocab);
    const session = await InferenceSession.create(exposed.model, {
      logSeverityLevel: 3,
      extra: { session: { model_external_initializers_file_folder_path: dirname(path) } },
    } as InferenceSession.SessionOptions);
    const ids = [1, 7, 42, 3, 99, 250, 5, 17, 64].map(i => i % vocab);
    const T = ids.length;
    const out = await session.run(firstStepFeeds(session, ids));
    const hidden = out[exposed.hiddenOutput];
    assert.deepEqual(hidden.dims, [1, T, hiddenSize]);
    const check = checkLinearHead({
      hidden: toFloat32(hidden), logits: toFloat32(out.logits), rows: T, d: hiddenSize, vocab,
      weight: weights.weight, bias: weights.bias ?? undefined,
    }, c.fp16 ? 2e-3 : 1e-6);
    if (c.fp16) assert.equal(check.verdict, 'linear', check.message);
    else assert.ok(check.maxAbsError < 1e-4, check.message);
  });
}

test('fixture nan-logits: the head is found behind the NaN-injecting tail and flagged not linear', { skip: existsSync(join(root, 'nan-logits', 'model.onnx')) ? false : 'fixture not built yet' }, () => {
  const exposed = exposeHiddenState(readFileSync(join(root, 'nan-logits', 'model.onnx')));
  assert.ok(exposed.hiddenOutput);
  assert.equal(exposed.head.linear, false);
  assert.ok(exposed.head.issues.some(i => i.kind === 'masked'));
});
