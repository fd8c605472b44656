// Installs the npm packages from the lockfile when node_modules is missing or older than it, so
// `npm test` and `npm start` both work on a fresh clone. ONNX Runtime's GPU download is skipped
// (also set in .npmrc): these machines reach only the npm registry.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

export function npmDepsFresh() {
  const marker = 'node_modules/.package-lock.json';
  return existsSync(marker) && statSync(marker).mtimeMs >= statSync('package-lock.json').mtimeMs;
}

/** Runs `npm ci` when needed; returns true when the packages are in place. */
export function ensureNpmDeps({ stdio = 'inherit' } = {}) {
  if (npmDepsFresh()) return true;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], {
    stdio, env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  return r.status === 0;
}
