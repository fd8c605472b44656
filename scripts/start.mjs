// `npm start`: builds and packages the extension, installs code-server 4.100.3 if needed, installs the
// .vsix into a fresh profile, and serves a real VS Code on 127.0.0.1 with a sample workspace whose
// README is open. Prints the address; Ctrl+C stops everything.
//   --port N        port to listen on (default 8080, or a free one when 8080 is taken)
//   --screenshot    also drive Chromium once: analyse sample.txt and save media/screenshots/*.png
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { installVsix, repoRoot, startServer, stopServer, writeMachineSettings, writeUserSettings } from '../test/host/codeServer.mjs';
import { REPEAT_FILE, REPEAT_TEXT, SAMPLE_TEXT, testModelPath } from '../test/host/workspace.mjs';
import { ensureNpmDeps } from './ensureDeps.mjs';

const args = process.argv.slice(2);
const wantPort = Number(args[args.indexOf('--port') + 1]) || 8080;
const screenshot = args.includes('--screenshot');

function step(title, cmd, cmdArgs) {
  console.log(`\n> ${title}`);
  const r = spawnSync(cmd, cmdArgs, { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) { console.error(`${title} failed`); process.exit(1); }
}

const portFree = port => new Promise(res => {
  const s = createServer().once('error', () => res(false)).listen(port, '127.0.0.1', () => s.close(() => res(true)));
});

console.log('\n> Installing npm packages if needed (npm ci)');
if (!ensureNpmDeps()) { console.error('npm ci failed'); process.exit(1); }
step('Packaging the extension (npm run package -- --target linux-x64)', 'npm', ['run', 'package', '--', '--target', 'linux-x64']);
step('Installing the VS Code host (code-server 4.100.3) if needed', 'bash', ['scripts/installTestHost.sh']);

const runDir = join(repoRoot, '.vscode-test/start');
rmSync(runDir, { recursive: true, force: true });
for (const d of ['ud/User', 'ext', 'xdg/config', 'xdg/data', 'xdg/cache', 'tmp', 'browser']) mkdirSync(join(runDir, d), { recursive: true });
const workspace = join(runDir, 'workspace');
mkdirSync(workspace, { recursive: true });
writeFileSync(join(workspace, 'sample.txt'), SAMPLE_TEXT);
writeFileSync(join(workspace, REPEAT_FILE), REPEAT_TEXT);
writeFileSync(join(workspace, 'README.md'), [
  '# Markov Lens sample workspace', '',
  'Right-click `sample.txt` in the Explorer (or inside an editor) and choose **Analyze File**,',
  'or run **Markov Lens: Analyze File** from the Command Palette (F1).', '',
  'The heatmap panel opens beside the editor; hover a token in the editor for its NLL, entropy,',
  'rank and top predictions. This file is text too: analyse it the same way.', '',
].join('\n'));
installVsix(runDir, join(repoRoot, 'markov-lens-linux-x64.vsix'));
const modelPath = testModelPath();
const bundled = modelPath === join(repoRoot, 'models/default');
writeUserSettings(runDir, { 'workbench.startupEditor': 'readme' });
writeMachineSettings(runDir, bundled ? {} : { 'markovLens.modelPath': modelPath });

const port = (await portFree(wantPort)) ? wantPort : 0;
const server = await startServer(runDir, { trust: false, port });
const url = `${server.url}/?folder=${encodeURIComponent(workspace)}`;
console.log(`\nMarkov Lens is running in VS Code (code-server 4.100.3) at:\n\n  ${url}\n`);
console.log(`Model: ${bundled ? 'the bundled default model' : modelPath}. Press Ctrl+C to stop.`);

if (screenshot) await takeScreenshots(url).catch(e => console.error(`screenshots failed: ${e.message}`));

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping…');
  await stopServer(server, runDir);
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
server.child.on('exit', code => { if (!stopping) { console.error(`code-server exited (${code})`); process.exit(1); } });

/** Drives Chromium once to make the README screenshots (small PNGs under media/screenshots/). */
async function takeScreenshots(address) {
  const { launchBrowser } = await import('../test/host/codeServer.mjs');
  const { contextMenu, editorHover, finishedHeatmap, waitForWorkbench } = await import('../test/e2e/workbench.mjs');
  const out = join(repoRoot, 'media/screenshots');
  mkdirSync(out, { recursive: true });
  const browser = await launchBrowser(runDir);
  try {
    const page = browser.pages()[0] ?? await browser.newPage();
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.goto(address);
    await waitForWorkbench(page, 'sample.txt');
    await contextMenu(page, page.getByRole('treeitem', { name: 'sample.txt' }).first(), 'Analyze File');
    await finishedHeatmap(page, 'sample.txt');
    await page.mouse.move(600, 500);
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(out, 'heatmap.png') });
    // The workspace opens on its README preview: bring sample.txt's editor to the front to hover in it.
    await page.locator('.tab .label-name').filter({ hasText: /^sample\.txt$/ }).first().click();
    await editorHover(page, 'The quick brown fox', SAMPLE_TEXT.indexOf('quick') + 1);
    await page.screenshot({ path: join(out, 'hover.png') });
    // A sentence that occurs twice: the bundled model pays much less for the repeat (issue 19).
    await contextMenu(page, page.getByRole('treeitem', { name: REPEAT_FILE }).first(), 'Analyze File');
    await finishedHeatmap(page, REPEAT_FILE);
    await page.mouse.move(600, 500);
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(out, 'copying.png') });
    console.log(`Screenshots saved in ${out}`);
  } catch (e) {
    await browser.pages()[0]?.screenshot({ path: join(repoRoot, 'test-artifacts/start-failed.png') }).catch(() => undefined);
    throw e;
  } finally {
    await browser.close();
  }
}
