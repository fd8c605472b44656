// Runs a causal-LM graph in onnxruntime-node over windows of ids and writes every logits row.
// Usage: node tools/lib/run_logits.js <model.onnx> <plan.json> <out.bin> [extra output names...]
//   plan.json: { "windows": [[ids...], ...], "chunk": C }
// Each window starts from an empty past and is fed in chunks of C tokens through the KV cache
// (present.* fed back as past_key_values.*), so the cache path is what is measured. out.bin holds
// the logits rows of all windows in order as little-endian float64 (float16 outputs decoded);
// extra outputs (e.g. hidden states exposed by surgery) follow, each window's rows in order, one
// block per name. Prints {"rows", "vocab", "logitsType", "extra": {name: width}} as JSON.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const ort = require(path.join(__dirname, '../../node_modules/onnxruntime-node'));

const { toFloats, emptyPast } = require('./ort_helpers');

async function main() {
  const [modelPath, planPath, outPath, ...extra] = process.argv.slice(2);
  const plan = JSON.parse(fs.readFileSync(planPath, 'utf8'));
  const session = await ort.InferenceSession.create(path.resolve(modelPath), {
    logSeverityLevel: 3, intraOpNumThreads: 1, interOpNumThreads: 1,
  });
  const int64 = (values, dims) => new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), dims);
  const logitsBlocks = [];
  const extraBlocks = Object.fromEntries(extra.map((name) => [name, []]));
  const extraWidth = {};
  let vocab = 0;
  let logitsType = '';
  for (const ids of plan.windows) {
    let past = emptyPast(session);
    for (let from = 0; from < ids.length; from += plan.chunk) {
      const chunk = ids.slice(from, from + plan.chunk);
      const feeds = { ...past, input_ids: int64(chunk, [1, chunk.length]) };
      feeds.attention_mask = int64(new Array(from + chunk.length).fill(1), [1, from + chunk.length]);
      if (session.inputNames.includes('position_ids')) {
        feeds.position_ids = int64(chunk.map((_, i) => from + i), [1, chunk.length]);
      }
      const out = await session.run(feeds);
      vocab = out.logits.dims[2];
      logitsType = out.logits.type;
      logitsBlocks.push(toFloats(out.logits));
      for (const name of extra) {
        extraWidth[name] = out[name].dims[out[name].dims.length - 1];
        extraBlocks[name].push(toFloats(out[name]));
      }
      past = {};
      for (const name of session.inputNames) {
        if (name.startsWith('past_key_values.')) past[name] = out[name.replace('past_key_values', 'present')];
      }
    }
  }
  const blocks = [...logitsBlocks, ...extra.flatMap((name) => extraBlocks[name])];
  const total = blocks.reduce((n, b) => n + b.length, 0);
  const all = new Float64Array(total);
  let at = 0;
  for (const block of blocks) { all.set(block, at); at += block.length; }
  fs.writeFileSync(outPath, Buffer.from(all.buffer));
  const rows = logitsBlocks.reduce((n, b) => n + b.length, 0) / vocab;
  console.log(JSON.stringify({ rows, vocab, logitsType, extra: extraWidth }));
}

main().catch((error) => { console.error(error); process.exit(1); });
