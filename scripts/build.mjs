// Bundles the extension host, the engine (its process and threads), the CLI and the webviews with
// esbuild. onnxruntime-node and vscode stay external: native binaries cannot be bundled, vscode is
// the host's. The extension host must never load ONNX Runtime (a native crash would take the host
// down): the build fails if its bundle mentions it.
import * as esbuild from 'esbuild';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
// Test hooks (the spectrum's plotted numbers as JSON) exist only in builds for the end-to-end tests.
const testHooks = process.env.MARKOV_LENS_TEST_HOOKS === '1';
const browser = { bundle: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: !production, minify: production, logLevel: 'warning', define: { TEST_HOOKS: String(testHooks) } };

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  external: ['vscode', 'onnxruntime-node'],
  logLevel: 'warning',
};

const entries = [
  { ...node, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  { ...node, entryPoints: ['src/model/engine.ts'], outfile: 'dist/engine.js' },
  { ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { ...browser, entryPoints: ['webview/heatmap/main.ts'], outfile: 'dist/webview.js' },
  // The spectrum panel (chart.js) is its own bundle, so the heatmap panel does not load it; its CSS
  // is emitted beside it as dist/spectrum.css.
  { ...browser, entryPoints: ['webview/spectrum/main.ts'], outfile: 'dist/spectrum.js' },
  { ...browser, entryPoints: ['webview/scan/main.ts'], outfile: 'dist/folderScan.js' },
  // The layer-lens panel (issue 17), its CSS emitted as dist/layers.css.
  { ...browser, entryPoints: ['webview/layers/main.ts'], outfile: 'dist/layers.js' },
].filter(e => existsSync(e.entryPoints[0]));

if (watch) {
  for (const e of entries) await (await esbuild.context(e)).watch();
} else {
  rmSync('dist', { recursive: true, force: true }); // no stale bundle of a renamed entry ships
  await Promise.all(entries.map(e => esbuild.build(e)));
  const host = readFileSync('dist/extension.js', 'utf8');
  const hit = /onnxruntime/i.exec(host);
  if (hit) {
    const line = host.slice(0, hit.index).split('\n').length;
    console.error(`build: dist/extension.js references ONNX Runtime (line ${line}); the extension host must only talk to the engine process`);
    process.exit(1);
  }
}
