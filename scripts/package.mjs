// `npm run package`: one platform-specific .vsix per target that the installed onnxruntime-node ships
// CPU binaries for (scripts/platforms.json), markov-lens-<target>.vsix, each holding only its own
// platform's runtime files, the bundled model and the built code. `.vscodeignore` is the whitelist
// for linux-x64; for another target its ONNX Runtime line is swapped for that target's files in a
// temporary ignore file (vsce --ignoreFile).
//   --target T   only this target (repeatable), e.g. `npm run package -- --target linux-x64`
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const BIN = 'node_modules/onnxruntime-node/bin/napi-v6';
const LINUX_X64_LINE = `!${BIN}/linux/x64/**`;
const { targets } = JSON.parse(readFileSync(join(root, 'scripts/platforms.json'), 'utf8'));

const args = process.argv.slice(2);
const wanted = args.flatMap((a, i) => (a === '--target' ? [args[i + 1]] : []));
for (const t of wanted) if (!targets[t]) fail(`unknown target ${t}; known: ${Object.keys(targets).join(', ')}`);

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

function run(cmd, cmdArgs) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) fail(`${[cmd, ...cmdArgs].join(' ')} failed`);
}

/** Targets whose runtime files the installed onnxruntime-node has (a platform it lacks is named and skipped). */
function available() {
  const present = [];
  for (const [target, { dir, files }] of Object.entries(targets)) {
    if (wanted.length && !wanted.includes(target)) continue;
    const missing = files.filter(f => !existsSync(join(root, BIN, dir, f)));
    if (missing.length === files.length) { console.warn(`package: skipping ${target}: onnxruntime-node has no ${BIN}/${dir}`); continue; }
    if (missing.length) fail(`${BIN}/${dir} lacks ${missing.join(', ')}`);
    present.push(target);
  }
  // Platforms the runtime ships that no target names (a new onnxruntime-node version): say so.
  for (const os of readdirSync(join(root, BIN))) {
    for (const arch of readdirSync(join(root, BIN, os))) {
      if (!Object.values(targets).some(t => t.dir === `${os}/${arch}`)) console.warn(`package: onnxruntime-node ships ${os}/${arch}, which scripts/platforms.json does not package`);
    }
  }
  return present;
}

const chosen = available();
if (chosen.length === 0) fail('no target to package');
const whitelist = readFileSync(join(root, '.vscodeignore'), 'utf8');
if (!whitelist.split('\n').includes(LINUX_X64_LINE)) fail(`.vscodeignore has no line ${LINUX_X64_LINE} to swap per target`);

run('node', ['scripts/build.mjs', '--production']);
const work = mkdtempSync(join(tmpdir(), 'markov-lens-package-'));
try {
  for (const target of chosen) {
    const { dir, files } = targets[target];
    const ignoreFile = join(work, `${target}.vscodeignore`);
    writeFileSync(ignoreFile, whitelist.replace(LINUX_X64_LINE, files.map(f => `!${BIN}/${dir}/${f}`).join('\n')));
    const out = `markov-lens-${target}.vsix`;
    run('npx', ['vsce', 'package', '--allow-missing-repository', '--no-rewrite-relative-links', '--target', target, '--ignoreFile', ignoreFile, '--out', out]);
    console.log(`package: ${out} (${(statSync(join(root, out)).size / 1e6).toFixed(1)} MB)`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
