// A real VS Code for tests: code-server 4.100.3 (installed by scripts/installTestHost.sh) on 127.0.0.1,
// in a fresh run dir, in its own process group, driven by playwright-core in Debian's Chromium.
// Recipe and pitfalls: /work/shared/reference/vscode-host.md.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const codeServerBin = join(repoRoot, '.vscode-test/code-server/node_modules/.bin/code-server');
export const chromiumPath = '/usr/bin/chromium';

/** A fresh run dir holding every profile, cache and temp folder of one run. */
export function makeRunDir(name) {
  const dir = mkdtempSync(join(tmpdir(), `markov-lens-${name}-`));
  for (const d of ['ud/User', 'ext', 'xdg/config', 'xdg/data', 'xdg/cache', 'tmp', 'browser']) mkdirSync(join(dir, d), { recursive: true });
  return dir;
}

export function runEnv(runDir) {
  return {
    ...process.env,
    XDG_CONFIG_HOME: join(runDir, 'xdg/config'),
    XDG_DATA_HOME: join(runDir, 'xdg/data'),
    XDG_CACHE_HOME: join(runDir, 'xdg/cache'),
    TMPDIR: join(runDir, 'tmp'),
  };
}

export function writeUserSettings(runDir, settings) {
  const base = {
    'workbench.startupEditor': 'none',
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'chat.commandCenter.enabled': false,
    'window.commandCenter': false,
    // Run dirs may sit inside a git checkout (npm start): no "open the parent repository?" prompt.
    'git.openRepositoryInParentFolders': 'never',
  };
  writeFileSync(join(runDir, 'ud/User/settings.json'), JSON.stringify({ ...base, ...settings }, null, 2));
}

/**
 * Settings of the machine the extension host runs on ("Remote [127.0.0.1:PORT]" settings), where a
 * machine's model folder belongs. (Machine-scoped settings written to the browser-side user settings
 * are dropped by VS Code in a remote window after the first configuration change.)
 */
export function writeMachineSettings(runDir, settings) {
  mkdirSync(join(runDir, 'ud/Machine'), { recursive: true });
  writeFileSync(join(runDir, 'ud/Machine/settings.json'), JSON.stringify(settings, null, 2));
}

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

function codeServerArgs(runDir) {
  return ['--config', '/dev/null', '--user-data-dir', join(runDir, 'ud'), '--extensions-dir', join(runDir, 'ext')];
}

/** Installs a .vsix into the run's extensions dir with the code-server CLI. */
export function installVsix(runDir, vsix) {
  const r = spawnSync(codeServerBin, [...codeServerArgs(runDir), '--install-extension', vsix], { env: runEnv(runDir), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`installing ${vsix} failed: ${r.stderr || r.stdout}`);
}

/** Starts code-server on 127.0.0.1 (a free port unless given) in its own process group; waits for /healthz. */
export async function startServer(runDir, { trust = true, log = () => {}, port: wanted = 0 } = {}) {
  const port = wanted || await freePort();
  const args = [...codeServerArgs(runDir), '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override', '--ignore-last-opened'];
  if (!trust) args.push('--disable-workspace-trust');
  const child = spawn(codeServerBin, args, { env: runEnv(runDir), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  const keep = chunk => { for (const l of String(chunk).split('\n')) if (l.trim()) { lines.push(l); log(l); } };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited early (${child.exitCode}):\n${lines.join('\n')}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { child, port, url, lines };
    } catch { /* not up yet */ }
    await new Promise(r => setTimeout(r, 200));
  }
  await stopServer({ child }, runDir);
  throw new Error(`code-server did not answer /healthz within 30 s:\n${lines.join('\n')}`);
}

/** SIGTERM to the server's process group, SIGKILL after 5 s; then waits for stray children of the run. */
export async function stopServer(server, runDir) {
  const { child } = server;
  if (child.exitCode === null) {
    const exited = new Promise(r => child.once('exit', r));
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
    const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
    await exited;
    clearTimeout(timer);
  }
  // Extension-host and watcher children get reparented; they exit on their own within seconds.
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && processesUsing(runDir).length) await new Promise(r => setTimeout(r, 250));
  for (const pid of processesUsing(runDir)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
}

/** PIDs whose command line or environment mentions the run dir (children of this run only). */
function processesUsing(runDir) {
  const pids = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.includes(runDir)) pids.push(Number(name));
    } catch { /* exited */ }
  }
  return pids;
}

export async function launchBrowser(runDir) {
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(join(runDir, 'browser'), {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1400, height: 850 },
    // Copy Summary writes the clipboard through the page (headless Chromium otherwise leaves it pending).
    permissions: ['clipboard-read', 'clipboard-write'],
    env: runEnv(runDir),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Prints the result line scripts/test.mjs reads. */
export function printCounts(label, passed, failed) {
  console.log(`${label}: ${passed} passed, ${failed} failed`);
}
