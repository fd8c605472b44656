// Runs every compiled unit test (out/test/unit/**/*.test.js) with node's test runner.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) found.push(...find(p));
    else if (name.endsWith('.test.js')) found.push(p);
  }
  return found;
}

const files = find('out/test/unit').sort();
const filter = process.argv.slice(2);
const chosen = filter.length ? files.filter(f => filter.some(x => f.includes(x))) : files;
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...chosen], { stdio: 'inherit' });
process.exit(r.status ?? 1);
