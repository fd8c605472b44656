// Issue 21, the spectrum panel in a real VS Code: it opens and switches kernel from what the engine
// kept of the analysis (no model run: the extension's log has no new analysis, the editor and its tab
// stay as they were), offers only the kernel/side pairs the engine publishes (the rest disabled, with
// the reason; nothing restarts), shows the settings of the data on screen and comes back with them
// after a reload in the heatmap's editor group, explains itself (captions, axis titles in words, a
// colour bar, "What am I looking at?", links to the README, density-aware drawing at 10,000 points)
// and works from the keyboard.
import { closeAllEditors, finishedHeatmap, openFromExplorer, runPaletteCommand, sleep, waitForWorkbench, waitUntil } from './workbench.mjs';
import { spectrumFrame } from './spectrum.mjs';
import { analysedLines } from './live.mjs';
import { enginePids } from './crash.mjs';
import { longDocument } from './longDocument.mjs';
import { closeTab, editorGroups, focusWorkbench, logLines, readmeShot, spectrumFrameAny } from './viewHelpers.mjs';

export const VIEWS_FILE = 'views.txt';
export const VIEWS_TEXT = longDocument(2500);
export const DENSE_FILE = 'dense.txt';
export const DENSE_TEXT = longDocument(10_600);
const FIRST_LINE = VIEWS_TEXT.slice(0, VIEWS_TEXT.indexOf(' ', 12));
/** Geometry on a loaded machine that shares one code-server with the other scenarios. */
const TIMEOUT_MS = 240_000;

/** Chooses `label` in one of the spectrum's selects (by its visible option text). */
async function choose(frame, selectId, label) {
  await frame.locator(`#${selectId}`).click();
  const option = frame.getByRole('option', { name: label, exact: true });
  await option.waitFor({ timeout: 10_000 });
  await option.click();
}

const spectrumLines = runDir => logLines(runDir).filter(l => l.includes('computed from the kept analysis'));

/** The first line of the editor's text on screen (the editor must not move when the spectrum works). */
async function editorTop(page) {
  return page.evaluate(() => {
    const lines = [...document.querySelectorAll('.editor-group-container .monaco-editor .view-line')]
      .map(l => ({ top: l.getBoundingClientRect().top, text: l.textContent }));
    lines.sort((a, b) => a.top - b.top);
    return lines[0]?.text ?? null;
  });
}

export async function viewsSpectrumScenarios({ page, step, shot, log, runDir }) {
  let analysed = false;
  const analyse = async () => {
    await focusWorkbench(page);
    await closeAllEditors(page);
    await openFromExplorer(page, VIEWS_FILE, FIRST_LINE);
    await runPaletteCommand(page, 'Markov Lens: Analyze File');
    const heat = await finishedHeatmap(page, VIEWS_FILE, TIMEOUT_MS);
    analysed = true;
    return heat;
  };

  /** The spectrum of VIEWS_FILE in front (analysing and opening it when an earlier step could not). */
  const ensureSpectrum = async () => {
    await focusWorkbench(page);
    const tab = page.locator('.tab').filter({ hasText: 'Markov Lens Spectrum' }).first();
    const showing = async () => {
      const f = await spectrumFrameAny(page, 5_000).catch(() => undefined);
      return f && (await f.evaluate(() => document.getElementById('title')?.textContent ?? '')).startsWith(VIEWS_FILE);
    };
    if (await tab.count()) await tab.click();
    if (!(await tab.count()) || !(await showing())) {
      if (!analysed) await analyse();
      await openFromExplorer(page, VIEWS_FILE, FIRST_LINE).catch(() => undefined);
      await runPaletteCommand(page, 'Markov Lens: Show Spectrum');
    }
    return spectrumFrame(page, TIMEOUT_MS);
  };

  await step('views 1: opening the spectrum and switching its kernel run no model and leave the editor, its tab and the heatmap alone', async () => {
    const heat = await analyse();
    const analyses = analysedLines(runDir, VIEWS_FILE).length;
    const tokens = Number(await heat.frame.evaluate(() => document.body.dataset.tokens));
    const before = { groups: await editorGroups(page), top: await editorTop(page), computed: spectrumLines(runDir).length };
    await heat.frame.locator('#show-spectrum').click();
    const opened = await spectrumFrame(page, TIMEOUT_MS);
    await shot('views-spectrum-opened');
    if (opened.data.tokens !== tokens) throw new Error(`the spectrum covers ${opened.data.tokens} tokens, the heatmap ${tokens}`);
    await choose(opened.frame, 'kernel', 'linear');
    const switched = await spectrumFrame(page, TIMEOUT_MS, d => d.kernel === 'linear');
    await shot('views-spectrum-linear');
    const after = { groups: await editorGroups(page), top: await editorTop(page), computed: spectrumLines(runDir).length };
    if (analysedLines(runDir, VIEWS_FILE).length !== analyses) throw new Error('the spectrum ran an analysis (a new "Analysed views.txt" line in the log)');
    if (after.computed - before.computed !== 2) throw new Error(`expected two geometries from the kept analysis, the log has ${after.computed - before.computed}`);
    if (after.groups.length !== 2) throw new Error(`editor groups after: ${JSON.stringify(after.groups)}`);
    if (after.groups[0].active !== before.groups[0].active || after.groups[0].active !== VIEWS_FILE) throw new Error(`the editor's tab changed: ${JSON.stringify(before.groups)} -> ${JSON.stringify(after.groups)}`);
    if (after.top !== before.top) throw new Error(`the editor scrolled: first line ${JSON.stringify(before.top)} -> ${JSON.stringify(after.top)}`);
    const spectrumGroup = after.groups.findIndex(g => g.tabs.includes('Markov Lens Spectrum'));
    const heatmapGroup = after.groups.findIndex(g => g.tabs.includes('Markov Lens'));
    if (spectrumGroup !== heatmapGroup) throw new Error(`the spectrum opened in group ${spectrumGroup}, the heatmap is in ${heatmapGroup}`);
    const kernel = await switched.frame.evaluate(() => document.getElementById('kernel')?.value);
    if (kernel !== 'linear') throw new Error(`the kernel control shows ${kernel}`);
    log(`spectrum of ${VIEWS_FILE}: opened and switched to the linear kernel with no analysis; ${spectrumLines(runDir).slice(-2).map(l => l.replace(/^.*computed/, 'computed')).join(' | ')}`);
  });

  await step('views 2: only the kernel/side pairs the engine publishes are offered, the others disabled with the reason; choosing one restarts nothing', async () => {
    let { frame } = await ensureSpectrum();
    const pids = enginePids(runDir);
    await choose(frame, 'kernel', 'prototype (the paper’s)');
    ({ frame } = await spectrumFrame(page, TIMEOUT_MS, d => d.kernel === 'prototype'));
    await choose(frame, 'side', 'data (observed next token)');
    ({ frame } = await spectrumFrame(page, TIMEOUT_MS, d => d.kernel === 'prototype' && d.side === 'data'));
    const options = await frame.evaluate(() => [...document.querySelectorAll('#kernel vscode-option')].map(o => ({
      value: o.getAttribute('value'), disabled: o.hasAttribute('disabled'), title: o.title })));
    const off = options.filter(o => o.disabled).map(o => o.value).sort();
    if (JSON.stringify(off) !== JSON.stringify(['bhattacharyya', 'haochen', 'linear'])) throw new Error(`disabled kernels on the data side: ${JSON.stringify(options)}`);
    if (!options.filter(o => o.disabled).every(o => /degenerate on the data side/.test(o.title))) throw new Error(`the disabled kernels do not say why: ${JSON.stringify(options)}`);
    const tooltip = await frame.locator('#kernel').getAttribute('title');
    const note = await frame.locator('#unavailable').innerText();
    if (!/degenerate/.test(tooltip ?? '') || !/degenerate/.test(note)) throw new Error(`tooltip ${tooltip}; note ${note}`);
    const computed = spectrumLines(runDir).length;
    // The dropdown lists it disabled: clicking it does nothing.
    await frame.locator('#kernel').click();
    await shot('views-kernel-choices-data-side');
    await frame.getByRole('option', { name: 'Bhattacharyya (unavailable)', exact: true }).click({ force: true, timeout: 5_000 }).catch(() => undefined);
    await page.keyboard.press('Escape');
    await sleep(2000);
    const now = await spectrumFrame(page, 30_000);
    if (now.data.kernel !== 'prototype' || now.data.side !== 'data') throw new Error(`the data on screen changed to ${now.data.kernel}/${now.data.side}`);
    const shown = await now.frame.evaluate(() => [document.getElementById('kernel')?.value, document.getElementById('side')?.value]);
    if (shown.join('/') !== 'prototype/data') throw new Error(`the controls show ${shown.join('/')}`);
    if (spectrumLines(runDir).length !== computed) throw new Error('an unavailable pair was computed');
    const after = enginePids(runDir);
    if (JSON.stringify(after) !== JSON.stringify(pids)) throw new Error(`the engine restarted: ${pids} -> ${after}`);
    if (await page.locator('.notification-toast').filter({ hasText: /restart|only 'prototype'/i }).count()) throw new Error('an error notification appeared');
  });

  await step('views 3: the controls show the settings of the data on screen, also after a reload, which brings the spectrum back beside the heatmap', async () => {
    let { frame } = await ensureSpectrum();
    if ((await frame.evaluate(() => document.getElementById('side')?.value)) !== 'model') {
      await choose(frame, 'side', 'model (p_t)');
      ({ frame } = await spectrumFrame(page, TIMEOUT_MS, d => d.side === 'model'));
    }
    await choose(frame, 'kernel', 'Bhattacharyya');
    // While it computes, the controls still show what is plotted.
    const during = await frame.evaluate(() => ({ computing: document.body.dataset.computing, kernel: document.getElementById('kernel')?.value,
      plotted: JSON.parse(document.getElementById('chart-data')?.textContent ?? 'null')?.kernel }));
    if (during.computing && during.kernel !== during.plotted) throw new Error(`while computing, the control shows ${during.kernel} over a ${during.plotted} plot`);
    ({ frame } = await spectrumFrame(page, TIMEOUT_MS, d => d.kernel === 'bhattacharyya' && d.side === 'model'));
    const shown = await frame.evaluate(() => [document.getElementById('kernel')?.value, document.getElementById('side')?.value]);
    if (shown.join('/') !== 'bhattacharyya/model') throw new Error(`controls ${shown.join('/')} over a bhattacharyya/model plot`);
    await runPaletteCommand(page, 'Developer: Reload Window');
    await page.waitForEvent('load', { timeout: 30_000 });
    await waitForWorkbench(page, VIEWS_FILE);
    const restored = await spectrumFrame(page, TIMEOUT_MS, d => d.kernel === 'bhattacharyya');
    await shot('views-spectrum-after-reload');
    const controls = await restored.frame.evaluate(() => [document.getElementById('kernel')?.value, document.getElementById('side')?.value]);
    if (controls.join('/') !== `${restored.data.kernel}/${restored.data.side}` || controls.join('/') !== 'bhattacharyya/model') {
      throw new Error(`after the reload the controls show ${controls.join('/')} over a ${restored.data.kernel}/${restored.data.side} plot`);
    }
    const groups = await editorGroups(page);
    if (groups.length !== 2) throw new Error(`after the reload: ${JSON.stringify(groups)}`);
    const g = groups.findIndex(x => x.tabs.includes('Markov Lens Spectrum'));
    if (g < 0 || !groups[g].tabs.includes('Markov Lens')) throw new Error(`the spectrum is not beside the heatmap: ${JSON.stringify(groups)}`);
    // Closed and opened again from the palette while the heatmap's group is active: the same group, not a third.
    await closeTab(page, 'Markov Lens Spectrum');
    await page.locator('.tab .label-name').filter({ hasText: /^Markov Lens$/ }).first().click();
    await focusWorkbench(page); // out of the heatmap's webview (the group stays the active one)
    await runPaletteCommand(page, 'Markov Lens: Show Spectrum');
    await spectrumFrame(page, TIMEOUT_MS);
    const again = await editorGroups(page);
    if (again.length !== 2) throw new Error(`Show Spectrum from the heatmap's group opened a new column: ${JSON.stringify(again)}`);
  });

  await step('views 8: the spectrum explains itself: captions with links, axis titles in words, a colour bar, "What am I looking at?", the Fast-DetectGPT name of Z', async () => {
    const { frame, data } = await ensureSpectrum();
    const captions = await frame.evaluate(() => [...document.querySelectorAll('section.view .caption')].map(c => ({
      text: c.textContent, link: c.querySelector('a.docs')?.getAttribute('data-docs') })));
    if (captions.length < 4 || !captions.every(c => c.text.length > 60 && c.link)) throw new Error(`captions: ${JSON.stringify(captions)}`);
    for (const [chart, titles] of Object.entries(data.axes)) {
      for (const t of titles) if (!/[a-z]{4,}/i.test(t ?? '')) throw new Error(`${chart} axis title is not in words: ${JSON.stringify(titles)}`);
    }
    const bar = await frame.evaluate(() => { const c = document.getElementById('scatter-colourbar'); return { w: c?.clientWidth, label: c?.getAttribute('aria-label') }; });
    if (!(bar.w > 50) || !/Colour bar: .+ from .+ to /.test(bar.label ?? '')) throw new Error(`colour bar: ${JSON.stringify(bar)}`);
    await frame.locator('#explain summary').click();
    const explain = await frame.locator('#explain').innerText();
    if (!/hidden state/.test(explain) || !/2310\.05130/.test(explain)) throw new Error(`"What am I looking at?" says: ${explain.slice(0, 200)}`);
    const z = await frame.locator('#calibration-note').innerText();
    if (!/Fast-DetectGPT/.test(z) || !/2310\.05130/.test(z) || !/Martingale Z/.test(z)) throw new Error(`calibration note: ${z}`);
    await runPaletteCommand(page, 'View: Toggle Maximize Editor Group');
    await sleep(1200);
    await shot('views-spectrum-explained');
    await frame.locator('#explain summary').click();
    await sleep(600);
    await readmeShot(page, 'spectrum');
    await runPaletteCommand(page, 'View: Toggle Maximize Editor Group');
    await frame.locator('#spectrum-caption a.docs').click();
    await page.locator('.tab .label-name').filter({ hasText: /Preview README\.md/ }).first().waitFor({ timeout: 20_000 });
    await shot('views-readme-from-spectrum');
  });

  await step('views 10: the scatter is usable by keyboard (arrow keys move from token to token, Enter selects it in the editor)', async () => {
    const { frame } = await ensureSpectrum();
    await frame.locator('#scatter-canvas').focus();
    for (let i = 0; i < 3; i++) await frame.locator('#scatter-canvas').press('ArrowRight');
    const live = await frame.locator('#scatter-live').innerText();
    const token = Number(await frame.locator('#scatter-canvas').getAttribute('data-active-token'));
    if (!/^Token #\d+ /.test(live) || !Number.isInteger(token)) throw new Error(`the scatter reads out ${JSON.stringify(live)} (token ${token})`);
    await shot('views-scatter-keyboard');
    await frame.locator('#scatter-canvas').press('Enter');
    await page.locator('.statusbar-item').filter({ hasText: /selected\)/ }).first().waitFor({ timeout: 15_000 });
  });

  await step('views 8: at 10,000 points the scatter is drawn density-aware (small, translucent points)', async () => {
    await focusWorkbench(page);
    await closeAllEditors(page);
    await openFromExplorer(page, DENSE_FILE, DENSE_TEXT.slice(0, DENSE_TEXT.indexOf(' ', 12)));
    await runPaletteCommand(page, 'Markov Lens: Analyze File');
    await finishedHeatmap(page, DENSE_FILE, TIMEOUT_MS);
    await runPaletteCommand(page, 'Markov Lens: Show Spectrum');
    const { frame, data } = await waitUntil('the 10,000-token spectrum', async () => {
      const f = await spectrumFrameAny(page);
      const title = await f.evaluate(() => document.getElementById('title')?.textContent);
      if (!title?.startsWith(DENSE_FILE)) return undefined;
      return spectrumFrame(page, 10_000).catch(() => undefined);
    }, TIMEOUT_MS, 1000);
    await runPaletteCommand(page, 'View: Toggle Maximize Editor Group');
    await sleep(1200);
    await shot('views-spectrum-10k');
    await runPaletteCommand(page, 'View: Toggle Maximize Editor Group');
    const n = data.scatter.tokens.length;
    log(`dense spectrum: ${n} points, radius ${data.scatter.radius}, opacity ${data.scatter.alpha}`);
    if (n < 10_000) throw new Error(`only ${n} scatter points`);
    if (!(data.scatter.alpha <= 0.3 && data.scatter.radius < 2)) throw new Error(`10k points drawn at radius ${data.scatter.radius}, opacity ${data.scatter.alpha}`);
    const note = await frame.locator('#scatter-note').innerText();
    if (!/opacity/.test(note)) throw new Error(`scatter note: ${note}`);
  });
}
