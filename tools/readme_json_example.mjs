// Prints the README's `--format json` example from a real run of the CLI on the bundled model: the
// header blocks, the first two token records and the summary, numbers rounded to 4 places.
// Usage: node tools/readme_json_example.mjs   (after npm run build)
import { spawnSync } from 'node:child_process';

const file = 'models/default/heldout/python-textwrap.py';
const args = ['analyze', file, '--format', 'json', '--top-k', '3'];
const r = spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
if (r.status !== 0) throw new Error(r.stderr);
const out = JSON.parse(r.stdout);

const round = value => JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toFixed(4)) : v)));
const line = value => JSON.stringify(round(value)).replace(/,"/g, ', "').replace(/":/g, '": ').replace(/\],\[/g, '], [');
const model = { ...out.model, path: '…/models/default' };
const shown = out.tokens.slice(0, 2);
console.log('```');
console.log(`$ node dist/cli.js ${args.join(' ')}`);
console.log(`{ "schema": ${JSON.stringify(out.schema)},`);
console.log(`  "model": ${line(model)},`);
console.log(`  "input": ${line(out.input)},`);
console.log(`  "scoring": ${line(out.scoring)},`);
console.log('  "tokens": [');
for (const t of shown) console.log(`    ${line(t)},`);
console.log(`    … ${out.tokens.length - shown.length} more ],`);
console.log(`  "summary": ${line(out.summary)} }`);
console.log('```');
