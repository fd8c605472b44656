// Runs an exported model.onnx in onnxruntime-node and compares its logits with PyTorch's.
// Usage: node tools/lib/check_onnx.js <model.onnx> <expected.json> [tolerance]
//   expected.json: { "ids": [...], "logits": [[...vocab] per position], "split": k }
// Checks two ways: (a) all ids in one pass with an empty past (length 0); (b) ids[0..k) with an
// empty past, then ids[k..) fed with the returned present.* as past. Reads dtypes from metadata.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const ort = require(path.join(__dirname, '../../node_modules/onnxruntime-node'));

const { toFloats, emptyPast } = require('./ort_helpers');

async function runChunk(session, ids, pastLen, past) {
  const int64 = (values, dims) => new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), dims);
  const feeds = { ...past, input_ids: int64(ids, [1, ids.length]) };
  feeds.attention_mask = int64(new Array(pastLen + ids.length).fill(1), [1, pastLen + ids.length]);
  if (session.inputNames.includes('position_ids')) {
    feeds.position_ids = int64(ids.map((_, i) => pastLen + i), [1, ids.length]);
  }
  const out = await session.run(feeds);
  const next = {};
  for (const name of session.inputNames) {
    if (name.startsWith('past_key_values.')) next[name] = out[name.replace('past_key_values', 'present')];
  }
  return { logits: toFloats(out.logits), dims: out.logits.dims, past: next };
}

function maxDiff(flat, expected, offset) {
  const vocab = expected[0].length;
  let worst = 0;
  for (let row = 0; row < flat.length / vocab; row += 1) {
    for (let v = 0; v < vocab; v += 1) {
      worst = Math.max(worst, Math.abs(flat[row * vocab + v] - expected[offset + row][v]));
    }
  }
  return worst;
}

async function main() {
  const [modelPath, expectedPath, tolArg] = process.argv.slice(2);
  const tolerance = Number(tolArg ?? 1e-4);
  const expected = JSON.parse(fs.readFileSync(expectedPath, 'utf8'));
  const session = await ort.InferenceSession.create(path.resolve(modelPath), { logSeverityLevel: 3 });
  const { ids, logits, split } = expected;
  const whole = await runChunk(session, ids, 0, emptyPast(session));
  const first = await runChunk(session, ids.slice(0, split), 0, emptyPast(session));
  const second = await runChunk(session, ids.slice(split), split, first.past);
  const diffs = {
    onePass: maxDiff(whole.logits, logits, 0),
    cachedFirst: maxDiff(first.logits, logits, 0),
    cachedSecond: maxDiff(second.logits, logits, split),
  };
  const types = session.outputMetadata.map((m) => `${m.name}:${m.type}`).slice(0, 2).join(' ');
  console.log(`${modelPath}: ${types} max|diff| ${JSON.stringify(diffs)} (tolerance ${tolerance})`);
  const ok = Object.values(diffs).every((d) => d <= tolerance);
  process.exit(ok ? 0 : 1);
}

main().catch((error) => { console.error(error); process.exit(1); });
