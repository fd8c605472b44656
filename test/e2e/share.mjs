// E2E scenarios of issue 18's sharing and first run, in the real workbench with the installed .vsix:
// Export… from the heatmap panel's toolbar (quick pick, VS Code's save dialog, the notification's
// Open) writing the heatmap as a PNG of the panel's size; Export… from the Command Palette writing the
// JSON that the installed copy's own CLI writes; Copy Summary; the installed copy running on its own
// (ONNX Runtime and the model from the extension's folder, no node_modules around it); and the
// walkthrough opening, with its first step marked done once the sample is analysed.
// MARKOV_LENS_WALKTHROUGH_SHOTS=1 also saves screenshots for the walkthrough's colour-scale and model
// steps (test-artifacts/e2e/walkthrough-*.png; media/walkthrough holds drawings for them today).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { finishedHeatmap, openFromExplorer, runPaletteCommand, sleep, waitUntil } from './workbench.mjs';

/** The installed extension's folder in the run's extensions dir. */
function installedDir(runDir) {
  const name = readdirSync(join(runDir, 'ext')).find(n => n.startsWith('markov-lens.markov-lens-'));
  if (!name) throw new Error(`no markov-lens folder in ${join(runDir, 'ext')}`);
  return join(runDir, 'ext', name);
}

/** Picks an entry of the open quick pick by its label. */
async function pick(page, label) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 15_000 });
  await input.fill(label);
  await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: label }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
}

/** Types `target` into VS Code's own save dialog (a quick input holding the path) and accepts it. */
async function saveAs(page, target, shot) {
  const input = page.locator('.quick-input-widget input');
  await waitUntil('the save dialog', async () => (await input.inputValue().catch(() => '')).includes('/'), 15_000);
  await sleep(800); // the dialog settles its proposed path first; a value typed before that is appended to
  if (shot) await shot();
  await waitUntil(`the save dialog to hold ${target}`, async () => {
    await input.fill(target);
    await sleep(500); // the dialog lists the typed folder's entries; OK takes the typed path
    return (await input.inputValue()) === target;
  }, 15_000, 100);
  await page.locator('.quick-input-widget .monaco-button').filter({ hasText: /^(OK|Export)$/ }).first().click();
}

/** Width and height of a PNG as Chromium decodes it (throws when it does not decode). */
async function decodedSize(page, file) {
  const b64 = readFileSync(file).toString('base64');
  return page.evaluate(async data => {
    const img = new Image();
    img.src = `data:image/png;base64,${data}`;
    await img.decode();
    return { width: img.naturalWidth, height: img.naturalHeight };
  }, b64);
}

function notification(page, text) {
  return page.locator('.notifications-toasts .notification-toast').filter({ hasText: text }).first();
}

export async function shareScenarios({ page, step, shot, log, workspace, runDir, repoRoot }) {
  const sample = 'sample.txt';
  const analysed = async () => {
    await openFromExplorer(page, sample, 'The quick brown fox');
    await runPaletteCommand(page, 'Markov Lens: Analyze File');
    return finishedHeatmap(page, sample, 120_000);
  };

  await step('share: Export… in the heatmap panel saves the heatmap as a PNG of the panel\'s size, and Open shows it', async () => {
    const { frame } = await analysed();
    const target = join(workspace, 'exported-heatmap.png');
    rmSync(target, { force: true });
    const expected = await frame.evaluate(() => ({ width: Math.round(document.documentElement.clientWidth * devicePixelRatio), height: Math.round(innerHeight * devicePixelRatio) }));
    await frame.locator('#export').click();
    await pick(page, 'Heatmap as PNG');
    await saveAs(page, target, () => shot('export-save-dialog'));
    const toast = notification(page, 'exported heatmap as png to exported-heatmap.png');
    await toast.waitFor({ timeout: 30_000 });
    await shot('export-notification');
    const size = await decodedSize(page, target);
    copyFileSync(target, join(repoRoot, 'test-artifacts', 'e2e', 'exported-heatmap.png')); // to look at
    log(`heatmap PNG ${size.width}×${size.height}, panel ${expected.width}×${expected.height}`);
    if (size.width !== expected.width || size.height !== expected.height) throw new Error(`PNG ${size.width}×${size.height}, the panel is ${expected.width}×${expected.height}`);
    await toast.getByRole('button', { name: 'Open' }).click();
    await page.locator('.tab .label-name').filter({ hasText: /^exported-heatmap\.png$/ }).first().waitFor({ timeout: 15_000 });
    await shot('export-opened');
  });

  await step('share: Export… from the Command Palette writes the JSON the installed copy\'s CLI writes for the same file', async () => {
    await analysed();
    const target = join(workspace, 'exported.json');
    rmSync(target, { force: true });
    await runPaletteCommand(page, 'Markov Lens: Export…');
    await pick(page, 'Analysis as JSON');
    await saveAs(page, target);
    await notification(page, 'exported analysis as json to exported.json').waitFor({ timeout: 30_000 });
    const ext = installedDir(runDir);
    const expected = execFileSync(process.execPath, [join(ext, 'dist', 'cli.js'), 'analyze', sample, '--top-k', '10', '--window-memory', '2048', '--format', 'json'],
      { cwd: workspace, encoding: 'utf8', maxBuffer: 1 << 28 });
    const exported = readFileSync(target, 'utf8');
    if (exported !== expected) throw new Error(`exported JSON differs from the installed CLI's (${exported.length} vs ${expected.length} characters)`);
    const doc = JSON.parse(exported);
    if (doc.input.path !== sample) throw new Error(`input.path ${doc.input.path}`);
    log(`exported JSON: ${doc.tokens.length} tokens, model ${doc.model.path}`);
  });

  await step('share: Copy Summary from the panel\'s title bar copies the figures as Markdown', async () => {
    await analysed();
    await runPaletteCommand(page, 'Markov Lens: Show Heatmap');
    await page.locator('.editor-actions .action-label[aria-label*="Copy Summary"]').first().click({ timeout: 15_000 });
    await notification(page, 'summary of sample.txt copied as Markdown').waitFor({ timeout: 15_000 });
    await shot('copy-summary');
  });

  await step('share: the installed .vsix runs on its own: ONNX Runtime and the model from its folder, no node_modules around it', async () => {
    const ext = installedDir(runDir);
    // Node looks for packages in every parent's node_modules: only the extension's own may exist.
    for (let dir = dirname(ext); ; dir = dirname(dir)) {
      if (existsSync(join(dir, 'node_modules'))) throw new Error(`${join(dir, 'node_modules')} exists beside the installed extension`);
      if (dirname(dir) === dir) break;
    }
    const own = readdirSync(join(ext, 'node_modules')).sort().join(',');
    if (own !== '@huggingface,onnxruntime-common,onnxruntime-node') throw new Error(`the extension's node_modules: ${own}`);
    const engine = readdirSync('/proc').filter(p => /^\d+$/.test(p)).find(p => {
      try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(join(ext, 'dist', 'engine.js')); } catch { return false; }
    });
    if (!engine) throw new Error('no engine process of the installed extension');
    const mapped = [...new Set(readFileSync(`/proc/${engine}/maps`, 'utf8').split('\n').map(l => l.split(/\s+/).slice(5).join(' ')).filter(p => p.startsWith('/')))];
    // Native libraries only (ONNX Runtime's telemetry store under the profile's cache is mapped too).
    const runtime = mapped.filter(p => /onnxruntime/.test(p) && /\.(node|so(\.\d+)*)$/.test(p));
    const home = join(ext, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64') + sep;
    if (runtime.length < 2 || !runtime.every(p => p.startsWith(home))) throw new Error(`ONNX Runtime mapped from: ${runtime.join(', ')}`);
    const fromRepo = mapped.filter(p => p.startsWith(repoRoot + sep));
    if (fromRepo.length) throw new Error(`the engine maps files of the repository: ${fromRepo.join(', ')}`);
    const doc = JSON.parse(readFileSync(join(workspace, 'exported.json'), 'utf8'));
    if (doc.model.path !== join(ext, 'models', 'default')) throw new Error(`the analysis used the model at ${doc.model.path}`);
    log(`engine ${engine}: ${runtime.map(p => p.slice(ext.length)).join(', ')}; model ${doc.model.path.slice(ext.length)}`);
  });

  await step('share: Get Started opens the walkthrough; analysing the sample marks its first step done', async () => {
    await runPaletteCommand(page, 'Markov Lens: Get Started');
    const container = page.locator('.gettingStartedContainer').filter({ hasText: 'Get Started with Markov Lens' }).first();
    await container.waitFor({ timeout: 20_000 });
    for (const title of ['Analyse a sample with the bundled model', 'Hover a token', 'Switch the colour scale', 'Open the spectrum', 'Pick your own model', 'Compare two models']) {
      await container.getByText(title, { exact: true }).first().waitFor({ timeout: 10_000 });
    }
    await sleep(800);
    await shot('walkthrough');
    const first = container.locator('.getting-started-step').filter({ hasText: 'Analyse a sample with the bundled model' }).first();
    await first.click();
    await container.getByRole('button', { name: 'Analyze the Sample' }).first().click();
    await finishedHeatmap(page, 'Untitled-1', 120_000).catch(async () => finishedHeatmap(page, 'Untitled-2', 5_000));
    // The sample's editor covers the walkthrough: bring it back and read the step's tick.
    await runPaletteCommand(page, 'Markov Lens: Get Started');
    // The workbench marks a done step with aria-checked and a 'complete' icon (its own icon id, not pass-filled).
    await waitUntil('the first step marked done', async () => (await first.getAttribute('aria-checked', { timeout: 2_000 })) === 'true'
      || (await first.locator('.codicon.complete').count()) > 0, 20_000);
    await shot('walkthrough-step-done');
  });

  if (process.env.MARKOV_LENS_WALKTHROUGH_SHOTS === '1') {
    await step('share: walkthrough screenshots', async () => {
      const out = join(repoRoot, 'test-artifacts', 'e2e');
      const { frame } = await analysed();
      await runPaletteCommand(page, 'Markov Lens: Show Heatmap');
      await frame.locator('#metric').click();
      await frame.getByRole('option', { name: 'Entropy (bits)', exact: true }).waitFor({ timeout: 10_000 });
      await sleep(500);
      await page.screenshot({ path: join(out, 'walkthrough-colour-scale.png') });
      await page.keyboard.press('Escape');
      await runPaletteCommand(page, 'Preferences: Open User Settings');
      const search = page.locator('.settings-editor .suggest-input-container textarea, .settings-editor input').first();
      await search.waitFor({ timeout: 15_000 });
      await search.fill('markovLens.modelPath');
      await sleep(1500);
      await page.screenshot({ path: join(out, 'walkthrough-model-setting.png') });
    });
  }
}
