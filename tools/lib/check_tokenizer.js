// Checks that @huggingface/tokenizers encodes texts to the ids the Python encoder produced.
// Usage: node tools/lib/check_tokenizer.js <tokenizer.json> <cases.json>
//   cases.json: [{ "text": "...", "ids": [...] }, ...]
// Special-token strings are plain text (the project's document tokenizer removes special
// entries from added_tokens), and no special tokens are added.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { Tokenizer } = require(path.join(__dirname, '../../node_modules/@huggingface/tokenizers'));

function documentTokenizer(tokenizerPath) {
  const json = JSON.parse(fs.readFileSync(tokenizerPath, 'utf8'));
  json.added_tokens = (json.added_tokens || []).filter((t) => !t.special);
  return new Tokenizer(json, {});
}

function main() {
  const [tokenizerPath, casesPath] = process.argv.slice(2);
  const tokenizer = documentTokenizer(tokenizerPath);
  const cases = JSON.parse(fs.readFileSync(casesPath, 'utf8'));
  let failures = 0;
  for (const { text, ids } of cases) {
    const got = tokenizer.encode(text, { add_special_tokens: false }).ids;
    const same = got.length === ids.length && got.every((id, i) => id === ids[i]);
    if (!same) {
      failures += 1;
      const at = got.findIndex((id, i) => id !== ids[i]);
      console.log(`MISMATCH ${JSON.stringify(text.slice(0, 60))}: first difference at ${at}`);
      console.log(`  js: ${JSON.stringify(got.slice(Math.max(0, at - 3), at + 5))}`);
      console.log(`  py: ${JSON.stringify(ids.slice(Math.max(0, at - 3), at + 5))}`);
    }
  }
  console.log(`${cases.length - failures}/${cases.length} texts tokenize identically`);
  process.exit(failures === 0 ? 0 : 1);
}

main();
