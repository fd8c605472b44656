// In-host tests: loads the extension under development into a real VS Code (code-server) through the
// `extensionDevelopmentPath` + `extensionTestsPath` payload, runs test/host/suite.ts inside the
// extension host with the real vscode API and engine, and prints `N passed, N failed`.
import { mkdirSync, existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import {
  launchBrowser, makeRunDir, printCounts, repoRoot, startServer, stopServer, writeMachineSettings, writeUserSettings,
} from '../test/host/codeServer.mjs';
import { hotSpotText, testModelPath, writeFakeHubCache, writeSampleWorkspace, writeScanCorpus } from '../test/host/workspace.mjs';
import { longDocument } from '../test/e2e/longDocument.mjs';

const TIMEOUT_MS = 180_000;
const artifacts = join(repoRoot, 'test-artifacts/host');
mkdirSync(artifacts, { recursive: true });
const started = Date.now();
const runDir = makeRunDir('host');
const log = (...a) => console.log(`[host ${((Date.now() - started) / 1000).toFixed(1)}s]`, ...a);

let passed = 0;
let failed = 0;
let server;
let browser;
try {
  if (!existsSync(join(repoRoot, 'dist/extension.js'))) throw new Error('dist/extension.js is missing: run `npm run build` first');
  const modelPath = testModelPath();
  const suite = join(runDir, 'suite.js');
  await esbuild.build({ entryPoints: [join(repoRoot, 'test/host/suite.ts')], outfile: suite, bundle: true,
    platform: 'node', target: 'node20', format: 'cjs', external: ['vscode'], logLevel: 'warning' });
  const workspace = writeSampleWorkspace(join(runDir, 'workspace'), {
    // An untrusted workspace asking for a model folder of its choosing: must be ignored.
    '.vscode/settings.json': JSON.stringify({ 'markovLens.modelPath': '/nonexistent/workspace-chosen-model' }),
    'long.txt': longDocument(40_000),
    'hotspots.txt': hotSpotText(),
  });
  writeScanCorpus(workspace, longDocument);
  writeMachineSettings(runDir, { 'markovLens.modelPath': modelPath });
  writeUserSettings(runDir, {
    'security.workspace.trust.enabled': true,
    'security.workspace.trust.startupPrompt': 'never',
    'security.workspace.trust.banner': 'never',
  });
  // The model picker's Hugging Face cache: a copy of the test model in the hub layout.
  process.env.HF_HOME = join(runDir, 'hf');
  writeFakeHubCache(process.env.HF_HOME, modelPath);
  server = await startServer(runDir, { trust: true });
  log(`code-server on ${server.url}, model ${modelPath}`);
  const payload = [
    ['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${repoRoot}`],
    ['extensionTestsPath', `vscode-remote://127.0.0.1:${server.port}${suite}`],
  ];
  browser = await launchBrowser(runDir);
  const page = browser.pages()[0] ?? await browser.newPage();
  page.on('console', m => { if (/markov|Extension Host|error/i.test(m.text())) log('console:', m.text().slice(0, 400)); });
  await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
  const resultsFile = join(runDir, 'host-results.json');
  const deadline = Date.now() + TIMEOUT_MS;
  while (!existsSync(resultsFile) && Date.now() < deadline) await new Promise(r => setTimeout(r, 250));
  await page.screenshot({ path: join(artifacts, 'host-final.png') }).catch(() => undefined);
  if (!existsSync(resultsFile)) throw new Error(`no results from the in-host suite within ${TIMEOUT_MS / 1000} s`);
  for (const o of JSON.parse(readFileSync(resultsFile, 'utf8'))) {
    if (o.ok) passed++; else failed++;
    console.log(`${o.ok ? 'ok  ' : 'FAIL'} ${o.name} (${o.ms} ms)${o.ok ? '' : `\n${o.error}`}`);
  }
} catch (e) {
  failed++;
  console.error(`in-host run failed: ${e instanceof Error ? e.stack : e}`);
  if (server) writeFileSync(join(artifacts, 'code-server.log'), server.lines.join('\n'));
} finally {
  await browser?.close().catch(() => undefined);
  if (server) await stopServer(server, runDir);
  rmSync(runDir, { recursive: true, force: true });
}
log(`wall time ${((Date.now() - started) / 1000).toFixed(1)} s`);
printCounts('in-host', passed, failed);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
