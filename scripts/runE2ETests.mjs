// Browser end-to-end tests: packages the extension (.vsix), installs it into a fresh code-server, and
// drives the real workbench in Debian's Chromium with playwright-core: Explorer and editor context
// menus, the command palette, the heatmap panel's spans, the editor hover, the metric switch, live
// mode (typing re-draws the changed tail only).
// Reference numbers come from the CLI on the same model. Screenshots of each step go to
// test-artifacts/e2e/. Prints `N passed, N failed`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  installVsix, launchBrowser, makeRunDir, printCounts, repoRoot, startServer, stopServer, writeMachineSettings, writeUserSettings,
} from '../test/host/codeServer.mjs';
import { hotSpotText, REPEAT_FILE, REPEAT_TEXT, repeatCosts, SAMPLE_TEXT, testModelPath, writeFakeHubCache, writeSampleWorkspace, writeScanCorpus } from '../test/host/workspace.mjs';
import {
  closeAllEditors, contextMenu, dismissModal, editorHover, finishedHeatmap, heatmapFrame, openFromExplorer, runPaletteCommand, sleep, waitForWorkbench, waitUntil,
} from '../test/e2e/workbench.mjs';
import { longDocument } from '../test/e2e/longDocument.mjs';
import { isolatedPoint, lineColumn, spectrumFrame } from '../test/e2e/spectrum.mjs';
import { hostileScenarios } from '../test/e2e/hostile.mjs';
import { LIVE_FILE, LIVE_TEXT, liveScenarios } from '../test/e2e/live.mjs';
import { CRASH_FILE, CRASH_TEXT, crashScenarios } from '../test/e2e/crash.mjs';
import { folderScanScenarios } from '../test/e2e/folderScan.mjs';
import { compareScenarios } from '../test/e2e/compare.mjs';
import { LENS_FILE, LENS_TEXT, layerLensScenarios } from '../test/e2e/layerLens.mjs';
import { DENSE_FILE, DENSE_TEXT, VIEWS_FILE, VIEWS_TEXT, viewsSpectrumScenarios } from '../test/e2e/views.mjs';
import { TYPING_FILE, TYPING_TEXT, viewsLiveScenarios } from '../test/e2e/viewsLive.mjs';
import { PROSE_FILE, PROSE_TEXT, SCROLL_FILE, SCROLL_TEXT, WIDE_FILE, WIDE_TEXT, viewsHeatmapScenarios } from '../test/e2e/viewsHeatmap.mjs';
import { shareScenarios } from '../test/e2e/share.mjs';
import { HOT_FILE, navigateScenarios } from '../test/e2e/navigate.mjs';

const artifacts = join(repoRoot, 'test-artifacts/e2e');
rmSync(artifacts, { recursive: true, force: true });
mkdirSync(artifacts, { recursive: true });
const started = Date.now();
const t = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const log = (...a) => console.log(`[e2e ${t()}]`, ...a);
const measureLong = process.env.MARKOV_LENS_E2E_LONG !== '0';

let passed = 0;
let failed = 0;
let page;
let shotNo = 0;
const cspViolations = [];
const shot = async name => { await page?.screenshot({ path: join(artifacts, `${String(++shotNo).padStart(2, '0')}-${name}.png`) }).catch(() => undefined); };
/** MARKOV_LENS_E2E_SKIP: a regular expression of step names to skip (for focused local runs). */
const skip = process.env.MARKOV_LENS_E2E_SKIP ? new RegExp(process.env.MARKOV_LENS_E2E_SKIP, 'i') : undefined;
/** Failed steps (and steps retried after a workbench dialog), repeated at the end: CI shows only the tail. */
const failures = [];
async function step(name, fn) {
  if (skip?.test(name)) { log(`skip ${name}`); return; }
  const before = await dismissModal(page);
  if (before) { log(`a workbench dialog was open before "${name}": ${before}`); failures.push({ name: `(dialog before) ${name}`, error: before, counted: false }); }
  const t0 = Date.now();
  const attempt = () => fn().then(() => undefined, e => e ?? new Error('failed'));
  let error = await attempt();
  if (error) {
    await shot(`FAILED-${name.replace(/\W+/g, '-').slice(0, 40)}`);
    const toasts = (await page?.locator('.notification-toast').allInnerTexts().catch(() => []) ?? []).map(x => x.replace(/\s+/g, ' ').slice(0, 200));
    const modal = await dismissModal(page);
    // A workbench dialog (such as a lost connection to the server) blocks every click behind it:
    // the step is tried once more with the dialog gone, and the retry is reported at the end.
    if (modal) {
      log(`"${name}" failed under a workbench dialog (${modal}): ${error instanceof Error ? error.message.split('\n')[0] : error}; trying it once more`);
      failures.push({ name: `(retried) ${name}`, error: String(error instanceof Error ? error.message : error).split('\n')[0].slice(0, 400), modal, toasts, counted: false });
      error = await attempt();
    }
    if (error) failures.push({ name, error: String(error instanceof Error ? error.message : error).split('\n')[0].slice(0, 400), modal, toasts, counted: true });
  }
  if (!error) {
    passed++;
    log(`ok   ${name} (${Date.now() - t0} ms)`);
  } else {
    failed++;
    log(`FAIL ${name}: ${error instanceof Error ? error.stack : error}`);
  }
}

/** Per-token reference from the CLI on the same model (`args`: more CLI options, e.g. --window). */
function cliReference(file, model, args = []) {
  const json = execFileSync(process.execPath, [join(repoRoot, 'dist/cli.js'), 'analyze', file, '--model', model, '--format', 'json', ...args],
    { encoding: 'utf8', maxBuffer: 1 << 28 });
  return JSON.parse(json);
}

/** A document of about `tokens` tokens for this model's tokenizer (scaled from one CLI probe). */
function sizedLongDocument(probe, model, tokens) {
  writeFileSync(probe, longDocument(10_000));
  const measured = cliReference(probe, model).tokens.length;
  return longDocument(Math.ceil(10_000 * (tokens * 1.02) / measured));
}

const runDir = makeRunDir('e2e');
let server;
let browser;
try {
  const modelPath = testModelPath();
  const bundled = modelPath === join(repoRoot, 'models/default');
  // MARKOV_LENS_E2E_VSIX: test an already packaged .vsix instead of packaging the working tree.
  let vsix = process.env.MARKOV_LENS_E2E_VSIX;
  if (!vsix) {
    log('packaging the extension (npm run package -- --target linux-x64, with the test hooks)');
    const pkg = spawnSync('npm', ['run', 'package', '--', '--target', 'linux-x64'], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, MARKOV_LENS_TEST_HOOKS: '1' } });
    if (pkg.status !== 0) throw new Error(`npm run package failed:\n${pkg.stdout}\n${pkg.stderr}`);
    vsix = join(repoRoot, 'markov-lens-linux-x64.vsix');
  }
  installVsix(runDir, vsix);
  log(`installed ${vsix}`);
  const workspace = writeSampleWorkspace(join(runDir, 'workspace'), {
    [LIVE_FILE]: LIVE_TEXT, [CRASH_FILE]: CRASH_TEXT, [LENS_FILE]: LENS_TEXT,
    // Issue 21's view scenarios.
    [VIEWS_FILE]: VIEWS_TEXT, [DENSE_FILE]: DENSE_TEXT, [TYPING_FILE]: TYPING_TEXT, [PROSE_FILE]: PROSE_TEXT, [SCROLL_FILE]: SCROLL_TEXT, [WIDE_FILE]: WIDE_TEXT,
    [HOT_FILE]: hotSpotText(),
    [REPEAT_FILE]: REPEAT_TEXT,
  });
  writeScanCorpus(workspace, longDocument);
  const reference = cliReference(join(workspace, 'sample.txt'), modelPath);
  if (measureLong) writeFileSync(join(workspace, 'long.txt'), sizedLongDocument(join(runDir, 'tmp/probe.txt'), modelPath, 50_000));
  // The bundled model is the default; only the fallback fixture needs the setting.
  // VS Code in a browser saves after a delay by default; these tests decide when a document is saved.
  writeUserSettings(runDir, { 'files.autoSave': 'off' });
  writeMachineSettings(runDir, bundled ? {} : { 'markovLens.modelPath': modelPath });
  // The model picker's Hugging Face cache: a copy of the test model in the hub layout.
  process.env.HF_HOME = join(runDir, 'hf');
  const hubSnapshot = writeFakeHubCache(process.env.HF_HOME, modelPath);
  server = await startServer(runDir, { trust: false });
  browser = await launchBrowser(runDir);
  page = browser.pages()[0] ?? await browser.newPage();
  page.on('console', m => {
    if (/markov lens/i.test(m.text())) log('console:', m.text().slice(0, 300));
    if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text().slice(0, 300));
  });
  await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
  await waitForWorkbench(page, 'sample.txt');
  log(`workbench up at ${server.url}`);
  await shot('workbench');

  await step('Explorer right-click > Analyze File shows the heatmap of the document', async () => {
    await contextMenu(page, page.getByRole('treeitem', { name: 'sample.txt' }).first(), 'Analyze File', () => shot('explorer-context-menu'));
    const heat = await finishedHeatmap(page, 'sample.txt');
    await shot('panel-from-explorer');
    if (heat.spans.length !== reference.tokens.length) throw new Error(`panel has ${heat.spans.length} token spans, the CLI ${reference.tokens.length}`);
    if (heat.spans.join('') !== SAMPLE_TEXT) throw new Error('the spans together are not the document text');
    reference.tokens.forEach((tok, i) => {
      if (heat.spans[i] !== SAMPLE_TEXT.slice(tok.start, tok.end)) throw new Error(`span ${i} is ${JSON.stringify(heat.spans[i])}, expected ${JSON.stringify(SAMPLE_TEXT.slice(tok.start, tok.end))}`);
    });
    const bpb = Number(heat.bpb);
    if (Math.abs(bpb - reference.summary.bitsPerByte) > 0.0005) throw new Error(`header bits/byte ${heat.bpb} vs CLI ${reference.summary.bitsPerByte}`);
  });

  await step('hovering a token in the editor shows its entropy', async () => {
    await openFromExplorer(page, 'sample.txt', 'The quick brown fox');
    const offset = SAMPLE_TEXT.indexOf('quick') + 1;
    const token = reference.tokens.find(tok => tok.start <= offset && offset < tok.end);
    const text = await editorHover(page, 'The quick brown fox', offset);
    await shot('editor-hover');
    const m = /entropy\s+([\d.]+)\s+bits/.exec(text);
    if (!m) throw new Error(`no entropy in the hover: ${text}`);
    const expected = (token.entropy / Math.LN2).toFixed(2);
    if (m[1] !== expected) throw new Error(`hover entropy ${m[1]} bits, CLI ${expected} bits`);
    if (!text.includes(`rank ${token.rank}`)) throw new Error(`hover lacks rank ${token.rank}: ${text}`);
  });

  await step('the status bar shows bits per byte', async () => {
    const item = page.locator('.statusbar-item').filter({ hasText: 'bits/byte' }).first();
    await item.waitFor({ timeout: 10_000 });
    const text = await item.innerText();
    if (!text.includes(reference.summary.bitsPerByte.toFixed(3))) throw new Error(`status bar says ${text}`);
  });

  await step('switching the metric recolours the heatmap', async () => {
    const before = await finishedHeatmap(page, 'sample.txt');
    await before.frame.locator('#metric').click();
    const option = before.frame.getByRole('option', { name: 'Entropy (bits)', exact: true });
    await option.waitFor({ timeout: 10_000 });
    await shot('metric-dropdown');
    await option.click();
    const after = await finishedHeatmap(page, 'sample.txt');
    const legend = await after.frame.locator('#legend .legend-title').innerText();
    if (!legend.startsWith('Entropy (bits)')) throw new Error(`legend says ${legend}`);
    const changed = after.classes.filter((c, i) => c !== before.classes[i]).length;
    const colours = await after.frame.evaluate(() => new Set([...document.querySelectorAll('#heatmap span.tok')].map(s => getComputedStyle(s).backgroundColor)).size);
    await shot('metric-entropy');
    if (changed === 0) throw new Error('no token changed colour bucket');
    if (colours < 2) throw new Error('all tokens have the same background colour');
  });

  await step('panel tooltip shows a token\'s numbers; clicking the token selects it in the editor', async () => {
    const { frame } = await finishedHeatmap(page, 'sample.txt');
    const index = reference.tokens.findIndex(tok => tok.end - tok.start >= 4 && tok.start > 10);
    const tok = reference.tokens[index];
    await frame.locator(`#heatmap span.tok[data-i="${index}"]`).hover();
    const tip = frame.locator('#tooltip:not([hidden])');
    await tip.waitFor({ timeout: 10_000 });
    const text = await tip.innerText();
    await shot('panel-tooltip');
    for (const expected of [`${(tok.entropy / Math.LN2).toFixed(2)} bits`, `${(tok.nll / Math.LN2).toFixed(2)} bits`, String(tok.id), `${tok.context} tokens`]) {
      if (!text.includes(expected)) throw new Error(`tooltip lacks ${expected}: ${text}`);
    }
    await frame.locator(`#heatmap span.tok[data-i="${index}"]`).click();
    const selected = page.locator('.statusbar-item').filter({ hasText: `(${tok.end - tok.start} selected)` }).first();
    await selected.waitFor({ timeout: 10_000 });
    await shot('token-revealed');
  });

  await step('Spectrum button: the geometry views of the document (spectrum descending, one scatter point per token)', async () => {
    const { frame: heat } = await finishedHeatmap(page, 'sample.txt');
    await heat.locator('#show-spectrum').click();
    const { frame, data } = await spectrumFrame(page);
    await shot('spectrum-panel');
    log(`spectrum: ${data.eigenvalues.length} eigenvalues, λ1 ${data.eigenvalues[0]?.toPrecision(4)}, A_1 ${data.Ak[0]?.toPrecision(3)}, ${data.scatter.tokens.length} points`);
    for (let i = 1; i < data.eigenvalues.length; i++) {
      if (!(data.eigenvalues[i - 1] >= data.eigenvalues[i])) throw new Error(`eigenvalues not descending at ${i}: ${data.eigenvalues.join(', ')}`);
    }
    if (data.tokens !== reference.tokens.length) throw new Error(`geometry over ${data.tokens} tokens, the document has ${reference.tokens.length}`);
    if (data.scatter.tokens.length !== data.tokens) throw new Error(`scatter has ${data.scatter.tokens.length} points for ${data.tokens} tokens`);
    if (new Set(data.scatter.tokens).size !== data.tokens) throw new Error('a token appears twice in the scatter');
    const labels = await frame.locator('.provenance').allInnerTexts();
    if (labels.length !== 3 || !labels.every(l => /exact|approximate|model-defined|heuristic/.test(l))) throw new Error(`provenance labels: ${JSON.stringify(labels)}`);
    // Surplus: A1 and C1 always; heuristic B is an option, off by default, and the panel says how to turn it on.
    const surplus = Object.fromEntries(data.surplus.map(r => [r.key, r]));
    if (!(surplus.A1?.value >= 0) || !Number.isFinite(surplus.C1?.value)) throw new Error(`surplus A1/C1: ${JSON.stringify(data.surplus)}`);
    if (!surplus.B || surplus.B.value !== null || surplus.B.provenance !== 'heuristic') throw new Error(`surplus B should be off by default: ${JSON.stringify(surplus.B)}`);
    const bNote = await frame.locator('#surplus-table tr[data-key="B"] + tr').innerText();
    if (!bNote.includes('markovLens.geometry.contextAblation')) throw new Error(`the B row does not say how to turn it on: ${bNote}`);
    // All three views side by side (the README screenshot): maximise the panel's group for a moment.
    await runPaletteCommand(page, 'View: Toggle Maximize Editor Group');
    await sleep(1200); // chart.js resizes the canvases on the container's resize
    await shot('spectrum-wide');
    await runPaletteCommand(page, 'View: Toggle Maximize Editor Group');
    await sleep(500);
  });

  await step('clicking a scatter point selects that token in the editor', async () => {
    const { frame, data } = await spectrumFrame(page);
    // A token of 3+ characters on a line without tabs, so the status bar's column is its offset.
    const usable = t => { const tok = reference.tokens[t]; return tok.end - tok.start >= 3 && !SAMPLE_TEXT.slice(0, tok.end).split('\n').at(-1).includes('\t'); };
    const { index, gap } = isolatedPoint(data, usable);
    if (index < 0) throw new Error('no usable scatter point');
    const t = data.scatter.tokens[index];
    const tok = reference.tokens[t];
    const [x, y] = data.scatter.pixels[index];
    log(`clicking token ${t} ${JSON.stringify(SAMPLE_TEXT.slice(tok.start, tok.end))} at (${x}, ${y}), ${gap.toFixed(1)} px from the next point`);
    const canvas = frame.locator('#scatter-canvas');
    await canvas.hover({ position: { x, y } });
    await shot('spectrum-scatter-hover');
    await canvas.click({ position: { x, y } });
    const { line, column } = lineColumn(SAMPLE_TEXT, tok.end);
    const status = page.locator('.statusbar-item').filter({ hasText: `Ln ${line}, Col ${column} (${tok.end - tok.start} selected)` }).first();
    await status.waitFor({ timeout: 10_000 });
    await shot('spectrum-token-revealed');
  });

  await step('the spectrum panel recomputes with another kernel; no CSP violations were logged', async () => {
    const before = (await spectrumFrame(page)).data;
    const { frame } = await spectrumFrame(page);
    await frame.locator('#kernel').click();
    await frame.getByRole('option', { name: 'linear', exact: true }).click();
    // The run brings the heatmap forward and then the spectrum back, so its frame is a new one.
    const after = await spectrumFrame(page, 180_000, d => JSON.stringify(d.eigenvalues) !== JSON.stringify(before.eigenvalues));
    await shot('spectrum-linear-kernel');
    const { data } = after;
    for (let i = 1; i < data.eigenvalues.length; i++) if (!(data.eigenvalues[i - 1] >= data.eigenvalues[i])) throw new Error('linear-kernel eigenvalues not descending');
    const kernel = await after.frame.evaluate(() => document.getElementById('kernel')?.value);
    if (kernel !== 'linear') throw new Error(`kernel control shows ${kernel} after the switch`);
    if (data.scatter.tokens.length !== data.tokens) throw new Error('linear kernel: scatter lost points');
    if (cspViolations.length) throw new Error(`CSP violations: ${cspViolations.join(' | ')}`);
  });

  await step('the spectrum charts redraw in the new colours when the theme changes', async () => {
    const before = (await spectrumFrame(page)).data;
    await runPaletteCommand(page, 'Preferences: Toggle between Light/Dark Themes');
    try {
      const after = (await spectrumFrame(page, 15_000, d => d.foreground !== before.foreground)).data;
      await shot('spectrum-dark-theme');
      log(`spectrum axes colour ${before.foreground} -> ${after.foreground}`);
    } finally {
      await runPaletteCommand(page, 'Preferences: Toggle between Light/Dark Themes');
    }
  });

  await step('with the geometry computed, the heatmap can colour by excess surprisal (labelled exact)', async () => {
    // The heatmap shares the spectrum's editor group: bring its tab to the front.
    await page.locator('.tab .label-name').filter({ hasText: /^Markov Lens$/ }).first().click();
    const { frame } = await finishedHeatmap(page, 'sample.txt');
    await frame.locator('#metric').click();
    const option = frame.getByRole('option', { name: 'Excess surprisal (bits)', exact: true });
    await option.waitFor({ timeout: 10_000 });
    await option.click();
    const legend = await waitUntil('the excess-surprisal legend', async () => {
      const text = await (await finishedHeatmap(page, 'sample.txt')).frame.locator('#legend .legend-title').innerText();
      return text.startsWith('Excess surprisal') ? text : undefined;
    }, 10_000);
    await shot('heatmap-excess-surprisal');
    if (!legend.includes('exact')) throw new Error(`legend lacks the provenance: ${legend}`);
    const heat = await finishedHeatmap(page, 'sample.txt');
    if (new Set(heat.classes).size < 3) throw new Error(`excess surprisal paints ${new Set(heat.classes).size} classes`);
    await heat.frame.locator('#metric').click();
    await heat.frame.getByRole('option', { name: 'NLL (bits)', exact: true }).click();
  });

  await step('editor context menu > Analyze File works on any text document (Markdown)', async () => {
    await closeAllEditors(page);
    await openFromExplorer(page, 'notes.md', 'Markdown works too');
    await contextMenu(page, page.locator('.monaco-editor .view-lines').first(), 'Analyze File', () => shot('editor-context-menu'), { x: 40, y: 30 });
    const heat = await finishedHeatmap(page, 'notes.md');
    await shot('panel-from-editor');
    const notes = readFileSync(join(workspace, 'notes.md'), 'utf8');
    if (heat.spans.join('') !== notes) throw new Error(`the spans together are not notes.md: ${JSON.stringify(heat.spans.join(''))} vs ${JSON.stringify(notes)}`);
    const markup = await heat.frame.evaluate(() => document.querySelectorAll('#heatmap b, #heatmap img').length);
    if (markup !== 0) throw new Error('document markup became DOM elements in the panel');
    const csp = await heat.frame.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '');
    if (!/default-src 'none'/.test(csp) || !/script-src 'nonce-[A-Za-z0-9+/=]{20,}'/.test(csp) || /unsafe-inline/.test(csp)) throw new Error(`weak CSP: ${csp}`);
  });

  await step('a sentence that occurs twice is cooler the second time (the bundled model copies from its context)', async () => {
    await closeAllEditors(page);
    await openFromExplorer(page, REPEAT_FILE, 'Harbour notes');
    await runPaletteCommand(page, 'Markov Lens: Analyze File');
    const heat = await finishedHeatmap(page, REPEAT_FILE);
    await shot('copying');
    if (heat.spans.join('') !== REPEAT_TEXT) throw new Error(`the spans together are not ${REPEAT_FILE}`);
    // Like the engine's probe test: asserted once the bundled model is the recipe's copying model (it ships probe/).
    if (!bundled || !existsSync(join(modelPath, 'probe'))) return log('copying: not asserted: this model predates the issue-19 recipe (no probe/ beside it)');
    const nlls = await heat.frame.evaluate(() => [...document.querySelectorAll('#heatmap span.tok')].map(s => Number(s.dataset.nll)));
    const [first, second] = repeatCosts(heat.spans, nlls);
    log(`copying: mean NLL after the sentence's first token ${first.toFixed(3)} nats at its first occurrence, ${second.toFixed(3)} at its second (ratio ${(second / first).toFixed(3)})`);
    // Issue 19's bar for the recipe's probe: the repeat costs at most half.
    if (!(second <= 0.5 * first)) throw new Error(`the repeat costs ${second.toFixed(3)} nats a token against ${first.toFixed(3)} the first time`);
  });

  await step('command palette > Markov Lens: Analyze File', async () => {
    await closeAllEditors(page);
    await openFromExplorer(page, 'sample.txt', 'The quick brown fox');
    await runPaletteCommand(page, 'Markov Lens: Analyze File', () => shot('command-palette'));
    const heat = await finishedHeatmap(page, 'sample.txt');
    if (heat.spans.join('') !== SAMPLE_TEXT) throw new Error('palette run: spans differ from the document');
  });

  await step('editing the document marks the panel stale; Re-run refreshes it', async () => {
    const line = page.locator('.monaco-editor .view-line').filter({ hasText: 'The end.' }).first();
    await line.click();
    await page.keyboard.press('End');
    await page.keyboard.type(' More text');
    const frame = (await finishedHeatmap(page, 'sample.txt')).frame;
    await frame.locator('#status.stale').waitFor({ timeout: 10_000 });
    await shot('panel-stale');
    await frame.locator('#rerun').click();
    const heat = await finishedHeatmap(page, 'sample.txt', 30_000, text => text.includes('More text'));
    const status = await heat.frame.locator('#status').getAttribute('class');
    if (status === 'stale') throw new Error('still stale after Re-run');
    if (!heat.spans.join('').endsWith('The end. More text\n')) throw new Error('Re-run did not analyse the edited text');
    await line.click();
    await runPaletteCommand(page, 'File: Revert File');
    await page.locator('.monaco-editor .view-line').filter({ hasText: 'More text' }).waitFor({ state: 'detached', timeout: 10_000 });
    // The next step reloads the window, which restores unsaved edits: the tab must be clean first.
    await page.locator('.tab.dirty').filter({ hasText: 'sample.txt' }).first().waitFor({ state: 'detached', timeout: 10_000 })
      .catch(() => { throw new Error('sample.txt still has unsaved edits after File: Revert File'); });
    // The workbench drops the edit's hot-exit backup after the revert, not at once: a reload before
    // that brings the edit back (seen here).
    await sleep(2_000);
  });

  await step('the panel restores itself after a window reload', async () => {
    // The user's way (it runs the shutdown lifecycle that saves the panel's state).
    await runPaletteCommand(page, 'Developer: Reload Window');
    await page.waitForEvent('load', { timeout: 30_000 });
    await waitForWorkbench(page, 'sample.txt');
    const heat = await finishedHeatmap(page, 'sample.txt', 60_000);
    await shot('panel-after-reload');
    if (heat.spans.join('') !== SAMPLE_TEXT) throw new Error(`restored panel does not show the document: ${JSON.stringify(heat.spans.join(''))}`);
  });

  await step('the panel and the inline heatmap follow the colour theme', async () => {
    const light = await (await finishedHeatmap(page, 'sample.txt')).frame.evaluate(() => ({
      body: document.body.className, bg: getComputedStyle(document.querySelector('.swatch.h7')).backgroundColor }));
    await runPaletteCommand(page, 'Preferences: Toggle between Light/Dark Themes');
    const dark = await waitUntil('the dark theme in the panel', async () => {
      const { frame } = await finishedHeatmap(page, 'sample.txt');
      const d = await frame.evaluate(() => ({ body: document.body.className, bg: getComputedStyle(document.querySelector('.swatch.h7')).backgroundColor }));
      return d.body.includes('vscode-dark') ? d : undefined;
    }, 15_000);
    await shot('dark-theme');
    if (!light.body.includes('vscode-light')) throw new Error(`panel body class was ${light.body}`);
    if (dark.bg === light.bg) throw new Error(`bucket colour is the same in both themes (${dark.bg}): not from the theme`);
    await runPaletteCommand(page, 'Preferences: Toggle between Light/Dark Themes');
  });

  await step('a binary file is refused with a message', async () => {
    await contextMenu(page, page.getByRole('treeitem', { name: 'image.bin' }).first(), 'Analyze File');
    const toast = page.locator('.notifications-toasts').filter({ hasText: 'binary' }).first();
    await toast.waitFor({ timeout: 15_000 });
    await shot('binary-refused');
  });

  await step('a folder that is not a model gives the engine\'s message and a button to the setting', async () => {
    const settingsFile = join(workspace, '.vscode/settings.json');
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    writeFileSync(settingsFile, JSON.stringify({ 'markovLens.modelPath': join(workspace, 'not-a-model') }));
    try {
      await waitUntil('the workspace setting to apply', async () => {
        await contextMenu(page, page.getByRole('treeitem', { name: 'notes.md' }).first(), 'Analyze File');
        return page.locator('.notifications-toasts').filter({ hasText: 'not-a-model' }).first().isVisible({ timeout: 5000 }).catch(() => false);
      }, 30_000, 500);
      const toast = page.locator('.notification-toast').filter({ hasText: 'not-a-model' }).first();
      await shot('bad-model-folder');
      await toast.getByRole('button', { name: 'Open Setting' }).click();
      await page.locator('.settings-editor').first().waitFor({ timeout: 10_000 });
      await page.locator('.setting-item').filter({ hasText: 'Model Path' }).first().waitFor({ timeout: 10_000 });
      await shot('model-setting-opened');
    } finally {
      rmSync(join(workspace, '.vscode'), { recursive: true, force: true });
    }
  });

  await layerLensScenarios({ page, step, shot, log, cli: (file, args) => cliReference(join(workspace, file), modelPath, args) });
  await hostileScenarios({ page, step, shot, log, workspace, runDir, repoRoot });
  await liveScenarios({ page, step, shot, log, workspace, runDir, cli: (file, args) => cliReference(file, modelPath, args) });
  await crashScenarios({ page, step, shot, log, runDir });
  await compareScenarios({ page, step, shot, log, workspace, repoRoot, modelPath, sampleText: SAMPLE_TEXT });
  await navigateScenarios({ page, step, shot, log, workspace, runDir, hubSnapshot, cli: (file, args) => cliReference(join(workspace, file), modelPath, args) });

  if (measureLong) {
    await step('a 50,000-token document renders fast (virtualised)', async () => {
      // The panel is brought to the front (an earlier step may have put an editor over it), so its
      // frame is there before the run starts and the first streamed windows are seen.
      await runPaletteCommand(page, 'Markov Lens: Show Heatmap');
      const panelFrame = await heatmapFrame(page);
      await contextMenu(page, page.getByRole('treeitem', { name: 'long.txt' }).first(), 'Analyze File');
      // Streaming: the first windows are on screen while later ones are still running.
      const seen = [];
      const partial = await waitUntil('streamed tokens while the run is going', async () => {
        const st = await panelFrame.evaluate(() => ({ title: document.getElementById('title')?.textContent,
          running: document.getElementById('status')?.className === 'running',
          spans: document.querySelectorAll('#heatmap span.tok').length }));
        if (seen.length < 200) seen.push(st);
        return st.title === 'long.txt' && st.running && st.spans > 0 ? st : undefined;
      }, 30_000, 30).catch(e => { throw new Error(`${e.message}; panel states seen: ${JSON.stringify(seen.slice(0, 5))} … ${JSON.stringify(seen.slice(-3))}`); });
      await shot('long-document-streaming');
      log(`streaming: ${partial.spans} spans shown while the analysis was still running`);
      const heat = await finishedHeatmap(page, 'long.txt', 600_000);
      const tokens = await heat.frame.evaluate(() => Number(document.body.dataset.tokens));
      await shot('long-document');
      log(`long.txt: ${tokens} tokens, panel render ${heat.renderMs.toFixed(1)} ms, ${heat.spans.length} spans in the DOM`);
      writeFileSync(join(artifacts, 'long-render.json'), JSON.stringify({ tokens, renderMs: heat.renderMs, domSpans: heat.spans.length }));
      if (tokens < 50_000) throw new Error(`only ${tokens} tokens`);
      if (heat.spans.length >= tokens / 4) throw new Error(`${heat.spans.length} spans in the DOM: not virtualised`);
    });
  }
  await shareScenarios({ page, step, shot, log, workspace, runDir, repoRoot });
  // The scan expands the corpus folder in the Explorer (whose files share names with the workspace's): after the steps that pick files by name.
  await folderScanScenarios({ page, step, shot, log, workspace, runDir, repoRoot, modelPath });
  // Issue 21's views last: they move the heatmap into the editor's group, a layout the steps above do not expect.
  await viewsSpectrumScenarios({ page, step, shot, log, runDir });
  await viewsHeatmapScenarios({ page, step, shot, log, workspace, cli: (file, args) => cliReference(file, modelPath, args) });
  await viewsLiveScenarios({ page, step, shot, log, workspace, runDir });
} catch (e) {
  failed++;
  log(`E2E setup failed: ${e instanceof Error ? e.stack : e}`);
  await shot('FAILED-setup');
  if (server) writeFileSync(join(artifacts, 'code-server.log'), server.lines.join('\n'));
} finally {
  await browser?.close().catch(() => undefined);
  if (server) await stopServer(server, runDir);
  rmSync(runDir, { recursive: true, force: true });
}
log(`wall time ${t()}`);
if (failures.length > 0) {
  console.log(`\nFailed or retried steps, in order (${failures.filter(f => f.counted).length} counted as failures):`);
  for (const f of failures) {
    console.log(`- ${f.name}: ${f.error}`);
    if (f.modal) console.log(`    workbench dialog: ${f.modal}`);
    for (const toast of f.toasts ?? []) console.log(`    notification: ${toast}`);
  }
  if (server) console.log(`last code-server lines:\n${server.lines.slice(-15).join('\n')}`);
}
printCounts('e2e', passed, failed);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
