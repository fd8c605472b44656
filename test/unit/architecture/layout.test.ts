/**
 * The architecture's rules that a reader could break without a type error (issue 14): the extension
 * host's bundle never references ONNX Runtime, nothing proxies a session, the session runs in one
 * place, and only the adapter makes ONNX Runtime values. Import cycles and the layer rule are the
 * linter's (eslint.config.mjs), which `npm test` also runs.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

const src = sources(join(root, 'src')).map(path => ({ path: relative(root, path), text: readFileSync(path, 'utf8') }));

test('the built extension host bundle (dist/extension.js) never references ONNX Runtime', () => {
  const bundle = join(root, 'dist', 'extension.js');
  assert.ok(existsSync(bundle), 'dist/extension.js is missing: run `npm run build` first');
  const text = readFileSync(bundle, 'utf8');
  assert.equal(/onnxruntime/i.test(text), false, 'the host bundle mentions onnxruntime');
  assert.ok(/engine\.js/.test(text), 'the host starts the engine script');
  assert.ok(/onnxruntime-node/.test(readFileSync(join(root, 'dist', 'engine.js'), 'utf8')), 'the engine bundle is where ONNX Runtime loads');
});

test('no Proxy wraps anything in src/: runs are watched through the scorer\'s observers', () => {
  assert.deepEqual(src.filter(f => /new Proxy\s*\(/.test(f.text)).map(f => f.path), []);
});

test('session.run is called in exactly one place', () => {
  const calls = src.flatMap(f => [...f.text.matchAll(/\bsession\.run\s*\(/g)].map(() => f.path));
  assert.deepEqual(calls, ['src/model/onnx/runtime.ts']);
});

test('ONNX Runtime is imported as a value by at most three files (the adapter)', () => {
  const valueImport = /^import\s+(?!type\b)[^;]*from\s+'onnxruntime-node'|require\(\s*'onnxruntime-node'\s*\)/m;
  const importers = src.filter(f => valueImport.test(f.text)).map(f => f.path);
  assert.ok(importers.length >= 1 && importers.length <= 3, importers.join(', '));
  assert.deepEqual(importers, ['src/model/onnx/runtime.ts']);
});
