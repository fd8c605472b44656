// `npm test`: installs what the tests need on a fresh machine, builds, then runs every suite
// (lint, unit, in-host, browser end-to-end) and ends with one line: `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { npmDepsFresh } from './ensureDeps.mjs';

const STAGE_TIMEOUT_MS = 25 * 60 * 1000;
const stages = [];
let passed = 0;
let failed = 0;

function run(name, cmd, args, { count = false, env = {} } = {}) {
  process.stdout.write(`\n=== ${name}: ${[cmd, ...args].join(' ')}\n`);
  const started = Date.now();
  // A stage that hangs is stopped so CI ends with a readable summary instead of a time-out.
  const r = spawnSync(cmd, args, {
    encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 28, timeout: STAGE_TIMEOUT_MS, killSignal: 'SIGKILL',
  });
  if (r.error) process.stdout.write(`${name}: ${r.error.message}\n`);
  process.stdout.write(r.stdout ?? '');
  process.stderr.write(r.stderr ?? '');
  const ok = r.status === 0;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (count) {
    const counts = parseCounts(`${r.stdout}\n${r.stderr}`);
    passed += counts.passed;
    failed += counts.failed;
    if (!ok && counts.failed === 0) failed++; // a crashed runner counts as a failure
  } else if (!ok) {
    failed++;
  }
  stages.push(`${name}: ${ok ? 'ok' : 'FAILED'} (${seconds}s)`);
  return ok;
}

/** Reads node's test-runner summary (`ℹ pass N`) or a plain `N passed, N failed` line. */
function parseCounts(text) {
  const pass = [...text.matchAll(/^[ℹ#] pass (\d+)$/gm)].map(m => +m[1]);
  const fail = [...text.matchAll(/^[ℹ#] fail (\d+)$/gm)].map(m => +m[1]);
  if (pass.length) return { passed: pass.at(-1), failed: fail.at(-1) ?? 0 };
  const plain = [...text.matchAll(/(\d+) passed, (\d+) failed/g)].at(-1);
  return plain ? { passed: +plain[1], failed: +plain[2] } : { passed: 0, failed: 0 };
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const skipHost = process.env.MARKOV_LENS_SKIP_HOST === '1';

if (!npmDepsFresh() && !run('install npm packages', npm, ['ci', '--no-audit', '--no-fund'], { env: { ONNXRUNTIME_NODE_INSTALL: 'skip' } })) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}
run('build', npm, ['run', 'build']);
run('typecheck', npm, ['run', 'typecheck']);
run('lint', npm, ['run', 'lint']);
run('compile tests', npm, ['run', 'compile-tests']);
run('unit tests', process.execPath, ['scripts/runUnitTests.mjs'], { count: true });
if (!skipHost && existsSync('scripts/installTestHost.sh')) {
  if (run('install VS Code test host', 'bash', ['scripts/installTestHost.sh'])) {
    if (existsSync('scripts/runHostTests.mjs')) run('in-host tests', process.execPath, ['scripts/runHostTests.mjs'], { count: true });
    if (existsSync('scripts/runE2ETests.mjs')) run('browser end-to-end tests', process.execPath, ['scripts/runE2ETests.mjs'], { count: true });
  }
}

console.log('\n' + stages.join('\n'));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
