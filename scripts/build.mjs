// Bundles the extension host, the inference worker, the CLI and the webview with esbuild.
// onnxruntime-node and vscode stay external: native binaries cannot be bundled, vscode is the host's.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

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
  { ...node, entryPoints: ['src/model/worker.ts'], outfile: 'dist/worker.js' },
  { ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  {
    bundle: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: !production, minify: production,
    entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', logLevel: 'warning',
  },
  // The spectrum panel (chart.js) is its own bundle, so the heatmap panel does not load it; its CSS
  // is emitted beside it as dist/spectrum.css.
  {
    bundle: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: !production, minify: production,
    entryPoints: ['webview/spectrum/main.ts'], outfile: 'dist/spectrum.js', logLevel: 'warning',
  },
].filter(e => existsSync(e.entryPoints[0]));

if (watch) {
  for (const e of entries) await (await esbuild.context(e)).watch();
} else {
  await Promise.all(entries.map(e => esbuild.build(e)));
}
