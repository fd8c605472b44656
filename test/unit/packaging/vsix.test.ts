/**
 * The platform-specific .vsix files of `npm run package` (scripts/package.mjs): each is opened as the
 * zip it is (yauzl reads its central directory) and its file list checked: its own platform's ONNX
 * Runtime files and no other native binary, the bundled model whole, the built code, no source maps,
 * sources, tests or other node_modules. Packages first when a .vsix is missing or older than the
 * build inputs it is checked against.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import * as yauzl from 'yauzl';

const root = join(__dirname, '../../../..');
const BIN = 'node_modules/onnxruntime-node/bin/napi-v6';
const platforms = JSON.parse(readFileSync(join(root, 'scripts/platforms.json'), 'utf8')) as { targets: Record<string, { dir: string; files: string[] }> };
/** The targets the installed onnxruntime-node has binaries for (what `npm run package` builds). */
const targets = Object.entries(platforms.targets).filter(([, t]) => existsSync(join(root, BIN, t.dir)));
const vsixOf = (target: string) => join(root, `markov-lens-${target}.vsix`);

/** Packages wanted at run time: node_modules entries may only come from these. */
const RUNTIME_PACKAGES = ['onnxruntime-node', 'onnxruntime-common', '@huggingface/tokenizers'];
const CODE = ['dist/extension.js', 'dist/engine.js', 'dist/cli.js', 'dist/webview.js', 'dist/spectrum.js', 'dist/folderScan.js', 'dist/layers.js', 'package.json'];

interface Entry { name: string; size: number }

function entries(file: string): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) { reject(err ?? new Error(`cannot open ${file}`)); return; }
      const found: Entry[] = [];
      zip.on('entry', (e: yauzl.Entry) => { found.push({ name: e.fileName, size: e.uncompressedSize }); zip.readEntry(); });
      zip.on('end', () => resolve(found));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

function readEntry(file: string, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) { reject(err ?? new Error(`cannot open ${file}`)); return; }
      zip.on('entry', (e: yauzl.Entry) => {
        if (e.fileName !== name) { zip.readEntry(); return; }
        zip.openReadStream(e, (error, stream) => {
          if (error || !stream) { reject(error); return; }
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => { zip.close(); resolve(Buffer.concat(chunks).toString('utf8')); });
        });
      });
      zip.on('end', () => reject(new Error(`${name} not in ${file}`)));
      zip.readEntry();
    });
  });
}

/** Every picture the walkthrough's steps show (package.json contributes.walkthroughs). */
function walkthroughMedia(): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { contributes: { walkthroughs: Array<{ steps: Array<{ media: { image: string } }> }> } };
  return pkg.contributes.walkthroughs.flatMap(w => w.steps.map(s => s.media.image));
}

/** The bundled model's files that must ship. */
function modelFiles(): string[] {
  const dir = join(root, 'models/default');
  const walk = (d: string, prefix: string): string[] => readdirSync(join(dir, d)).flatMap(n => {
    const rel = prefix ? `${prefix}/${n}` : n;
    return statSync(join(dir, d, n)).isDirectory() ? walk(join(d, n), rel) : [rel];
  });
  // Top-level configs, graphs and notes, and the onnx/ folder (not the recipe's held-out check data).
  return walk('', '').filter(f => (!f.includes('/') && (/\.(json|onnx|onnx_data|onnx\.data)$/.test(f) || f === 'README.md' || f === 'SOURCES.md')) || f.startsWith('onnx/'));
}

before(() => {
  const newest = Math.max(...['package.json', '.vscodeignore', 'scripts/platforms.json', 'scripts/package.mjs'].map(f => statSync(join(root, f)).mtimeMs));
  if (targets.every(([t]) => existsSync(vsixOf(t)) && statSync(vsixOf(t)).mtimeMs >= newest)) return;
  const r = spawnSync(process.execPath, [join(root, 'scripts/package.mjs')], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, `npm run package failed:\n${r.stdout}\n${r.stderr}`);
});

test('npm run package builds one .vsix per platform onnxruntime-node ships CPU binaries for', () => {
  assert.deepEqual(targets.map(([t]) => t).sort(), ['darwin-arm64', 'linux-arm64', 'linux-x64', 'win32-arm64', 'win32-x64'],
    'onnxruntime-node 1.30 ships linux x64/arm64, macOS arm64, Windows x64/arm64');
  for (const [t] of targets) assert.ok(existsSync(vsixOf(t)), `markov-lens-${t}.vsix`);
});

for (const [target, { dir, files }] of targets) {
  test(`${target}.vsix: its own runtime binaries only, the model, the built code, no node_modules junk`, async () => {
    const list = await entries(vsixOf(target));
    const names = list.map(e => e.name);
    const size = new Map(list.map(e => [e.name, e.size]));
    const manifest = await readEntry(vsixOf(target), 'extension.vsixmanifest');
    assert.match(manifest, new RegExp(`TargetPlatform="${target}"`));

    // Native code: exactly this platform's files, byte for byte the size of the installed ones.
    const natives = names.filter(n => /\.(node|so(\.\d+)*|dylib|dll|exe)$/.test(n)).sort();
    assert.deepEqual(natives, files.map(f => `extension/${BIN}/${dir}/${f}`).sort());
    for (const f of files) assert.equal(size.get(`extension/${BIN}/${dir}/${f}`), statSync(join(root, BIN, dir, f)).size, f);
    assert.ok(!names.some(n => n.includes(`${BIN}/`) && !n.includes(`${BIN}/${dir}/`)), 'no other platform folder');

    // The bundled model, whole.
    for (const f of modelFiles()) assert.equal(size.get(`extension/models/default/${f}`), statSync(join(root, 'models/default', f)).size, `model file ${f}`);
    assert.ok(names.includes('extension/models/default/config.json') && names.includes('extension/models/default/tokenizer.json'));
    assert.ok(names.some(n => /^extension\/models\/default\/.*\.onnx$/.test(n)), 'an ONNX graph');

    for (const f of CODE) assert.ok(names.includes(`extension/${f}`), f);
    // The walkthrough's pictures and the sample it analyses.
    for (const image of walkthroughMedia()) assert.ok(names.includes(`extension/${image}`), image);
    assert.ok(names.includes('extension/media/walkthrough/sample.txt'));
    for (const n of names.filter(x => x.startsWith('extension/'))) {
      const rel = n.slice('extension/'.length);
      assert.ok(!/\.(map|ts|tsx)$/.test(rel), `no sources, declarations or maps: ${rel}`);
      assert.ok(!/^(src|test|webview|tools|bench|scripts|out|examples|\.vscode-test)\//.test(rel), `no development folders: ${rel}`);
      if (rel.startsWith('node_modules/')) {
        assert.ok(RUNTIME_PACKAGES.some(p => rel.startsWith(`node_modules/${p}/`)), `only run-time packages: ${rel}`);
        assert.ok(!/\/(README|CHANGELOG)[^/]*$|\/(docs?|test|tests|examples|script|lib|src)\//i.test(rel), `no package junk: ${rel}`);
      }
    }
  });
}
