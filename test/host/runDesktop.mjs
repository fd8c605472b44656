// `npm run test:desktop`: the same in-host suite (test/host/suite.ts) in desktop VS Code through
// @vscode/test-electron, for machines that can download VS Code (not this offline one: see
// vscode-host.md §6). Not part of `npm test`. Needs `npm i -D @vscode/test-electron` first; set
// MARKOV_LENS_VSCODE_EXECUTABLE to use an installed VS Code instead of downloading one.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { makeRunDir, printCounts, repoRoot, writeUserSettings } from './codeServer.mjs';
import { testModelPath, writeSampleWorkspace } from './workspace.mjs';

let runTests;
try {
  ({ runTests } = await import('@vscode/test-electron'));
} catch {
  console.error('test:desktop needs @vscode/test-electron: npm install --save-dev @vscode/test-electron');
  printCounts('desktop', 0, 1);
  process.exit(1);
}

const runDir = makeRunDir('desktop');
let passed = 0;
let failed = 0;
try {
  const suite = join(runDir, 'suite.js');
  await esbuild.build({ entryPoints: [join(repoRoot, 'test/host/suite.ts')], outfile: suite, bundle: true,
    platform: 'node', target: 'node20', format: 'cjs', external: ['vscode'], logLevel: 'warning' });
  const workspace = writeSampleWorkspace(join(runDir, 'workspace'), {
    '.vscode/settings.json': JSON.stringify({ 'markovLens.modelPath': '/nonexistent/workspace-chosen-model' }),
  });
  writeUserSettings(runDir, {
    'markovLens.modelPath': testModelPath(),
    'security.workspace.trust.enabled': true,
    'security.workspace.trust.startupPrompt': 'never',
  });
  mkdirSync(join(runDir, 'ext'), { recursive: true });
  await runTests({
    vscodeExecutablePath: process.env.MARKOV_LENS_VSCODE_EXECUTABLE || undefined,
    version: process.env.MARKOV_LENS_VSCODE_VERSION || '1.100.3',
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: suite,
    launchArgs: [workspace, '--user-data-dir', join(runDir, 'ud'), '--extensions-dir', join(runDir, 'ext'), '--disable-extensions'],
  });
  const results = join(runDir, 'host-results.json');
  if (!existsSync(results)) throw new Error('the suite wrote no results');
  for (const o of JSON.parse(readFileSync(results, 'utf8'))) {
    if (o.ok) passed++; else failed++;
    console.log(`${o.ok ? 'ok  ' : 'FAIL'} ${o.name}${o.ok ? '' : `\n${o.error}`}`);
  }
} catch (e) {
  failed++;
  console.error(e instanceof Error ? e.stack : e);
} finally {
  rmSync(runDir, { recursive: true, force: true });
}
printCounts('desktop', passed, failed);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
