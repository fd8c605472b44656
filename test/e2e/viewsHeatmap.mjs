// Issue 21, the heatmap panel in a real VS Code: colour scales that inform (document-relative by
// default: on prose of the bundled model's training split no colour holds more than 40 % of the
// tokens; the legend says what each colour means and its share; absolute and GLTR scales from the
// panel and the setting), scrolling (each file opens at its top; "Follow editor"), stale results
// that name the change with Re-run, token boundaries and text contrast in light, dark and high
// contrast themes, the selected token marked, no sideways scrolling, and the keyboard and screen
// reader (arrow keys, Enter, aria-labels; the hover in VS Code's accessible view).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeAllEditors, finishedHeatmap, openFromExplorer, runPaletteCommand, sleep, waitUntil } from './workbench.mjs';
import { longDocument } from './longDocument.mjs';
import { clickEditor, contrast, focusWorkbench, heatmapFrameOf, over, parseCss, readmeShot, setColorTheme } from './viewHelpers.mjs';
import { repoRoot } from '../host/codeServer.mjs';

export const PROSE_FILE = 'training-prose.txt';
export const PROSE_TEXT = readFileSync(join(repoRoot, 'test/fixtures/text/training-prose.txt'), 'utf8');
export const SCROLL_FILE = 'scroll.txt';
export const SCROLL_TEXT = longDocument(4000);
export const WIDE_FILE = 'wide.txt';
/** A line far wider than any panel, with no space to break at. */
export const WIDE_TEXT = `${'https://example.org/'.padEnd(30, 'x')}${'a'.repeat(600)}\nshort line\n${'\t'.repeat(40)}tabs\n`;
const TIMEOUT_MS = 180_000;

const firstWords = text => text.slice(0, text.indexOf(' ', 12));

async function analyse(page, file, text) {
  await focusWorkbench(page);
  await closeAllEditors(page);
  await openFromExplorer(page, file, firstWords(text).split('\n')[0].slice(0, 30));
  await runPaletteCommand(page, 'Markov Lens: Analyze File');
  return finishedHeatmap(page, file, TIMEOUT_MS);
}

/** Chooses an option of one of the heatmap's selects by its visible text. */
async function choose(frame, selectId, label) {
  await frame.locator(`#${selectId}`).click();
  const option = frame.getByRole('option', { name: label, exact: true });
  await option.waitFor({ timeout: 10_000 });
  await option.click();
}

async function legend(frame) {
  return frame.evaluate(() => ({
    title: document.querySelector('#legend .legend-title')?.textContent,
    swatches: [...document.querySelectorAll('#legend .swatch')].map(s => ({
      cls: s.className, label: s.querySelector('.swatch-label')?.textContent, share: s.querySelector('.swatch-share')?.textContent,
      value: Number(s.dataset.share) })),
  }));
}

/** Text and background colours of one span of each painted class, and the page's background. */
async function paintedColours(frame) {
  return frame.evaluate(() => {
    const body = getComputedStyle(document.body).backgroundColor;
    const seen = new Map();
    for (const s of document.querySelectorAll('#heatmap span.tok')) {
      const cls = [...s.classList].find(c => /^(h\d|g\d)$/.test(c));
      if (!cls || seen.has(cls)) continue;
      const st = getComputedStyle(s);
      seen.set(cls, { color: st.color, background: st.backgroundColor, shadow: st.boxShadow });
    }
    return { body, theme: document.body.className, classes: Object.fromEntries(seen) };
  });
}

export async function viewsHeatmapScenarios({ page, step, shot, log, workspace, cli }) {
  await step('views 5: the default scale is document-relative: on training-split prose no colour holds more than 40 % of the tokens, and the legend says what each colour means and its share', async () => {
    const heat = await analyse(page, PROSE_FILE, PROSE_TEXT);
    const l = await legend(heat.frame);
    await shot('views-scale-quantile');
    log(`default legend: ${l.title}; ${l.swatches.map(s => `${s.label} ${s.share}`).join(' | ')}`);
    if (!/document quantiles/.test(l.title ?? '')) throw new Error(`legend title: ${l.title}`);
    const colours = l.swatches.filter(s => /\bh\d\b/.test(s.cls));
    if (colours.length !== 8) throw new Error(`${colours.length} colours in the legend`);
    if (!colours.every(s => /bits/.test(s.label ?? '') && /^\d+%|^<1%/.test(s.share ?? ''))) throw new Error(`legend entries: ${JSON.stringify(colours)}`);
    const total = colours.reduce((a, s) => a + s.value, 0);
    if (Math.abs(total - 1) > 0.01) throw new Error(`shares add up to ${total}`);
    const biggest = Math.max(...colours.map(s => s.value));
    if (biggest > 0.4) throw new Error(`one colour holds ${(biggest * 100).toFixed(1)} % of the tokens`);
    // The painted spans agree with the legend.
    const counts = heat.classes.reduce((m, c) => { const b = /\bh(\d)\b/.exec(c)?.[1]; if (b) m[b] = (m[b] ?? 0) + 1; return m; }, {});
    const shown = Object.values(counts).reduce((a, b) => a + b, 0);
    for (const [b, n] of Object.entries(counts)) if (n / shown > 0.45) throw new Error(`bucket h${b} paints ${n} of ${shown} spans on screen`);
  });

  await step('views 5: absolute bits and GLTR rank buckets from the panel, and the scale setting', async () => {
    const { frame } = await finishedHeatmap(page, PROSE_FILE, TIMEOUT_MS);
    await choose(frame, 'scale', 'GLTR rank buckets');
    const gltr = await waitUntil('the GLTR legend', async () => { const l = await legend(frame); return /GLTR/.test(l.title ?? '') ? l : undefined; }, 10_000);
    await shot('views-scale-gltr');
    if (JSON.stringify(gltr.swatches.filter(s => /\bg\d\b/.test(s.cls)).map(s => s.label)) !== JSON.stringify(['top 10', 'top 100', 'top 1000', 'beyond 1000'])) throw new Error(`GLTR legend: ${JSON.stringify(gltr)}`);
    const classes = await frame.evaluate(() => [...document.querySelectorAll('#heatmap span.tok')].map(s => s.className));
    if (!classes.every(c => /\bg\d\b|\bhna\b/.test(c))) throw new Error('tokens not painted in GLTR buckets');
    await choose(frame, 'scale', 'Absolute (fixed bits / rank)');
    const abs = await waitUntil('the absolute legend', async () => { const l = await legend(frame); return /fixed scale/.test(l.title ?? '') ? l : undefined; }, 10_000);
    if (abs.swatches[0]?.label !== '< 0.5 bits' || abs.swatches[7]?.label !== '≥ 12 bits') throw new Error(`absolute legend: ${JSON.stringify(abs.swatches.slice(0, 3))}`);
    // The setting drives the panel too (the panel's choice wrote it; a workspace value overrides it).
    const settingsDir = join(workspace, '.vscode');
    mkdirSync(settingsDir, { recursive: true });
    writeFileSync(join(settingsDir, 'settings.json'), JSON.stringify({ 'markovLens.heatmapScale': 'gltr' }));
    try {
      await waitUntil('the setting to reach the panel', async () => /GLTR/.test((await legend(frame)).title ?? ''), 20_000);
    } finally {
      rmSync(settingsDir, { recursive: true, force: true });
    }
    await waitUntil('the panel back on the user setting', async () => /fixed scale/.test((await legend(frame)).title ?? ''), 20_000);
    await choose(frame, 'scale', 'Document-relative (quantiles)');
    await waitUntil('the quantile legend', async () => /quantiles/.test((await legend(frame)).title ?? ''), 10_000);
  });

  await step('views 6: each file opens at its top; "Follow editor" keeps the panel on the editor\'s lines, and off it stays put', async () => {
    const heat = await analyse(page, SCROLL_FILE, SCROLL_TEXT);
    await heat.frame.evaluate(() => window.scrollTo(0, 3000));
    await sleep(400);
    const scrolled = await heat.frame.evaluate(() => window.scrollY);
    if (scrolled < 1000) throw new Error(`could not scroll the panel (${scrolled})`);
    // Another file: the panel shows it from its top, not at the last file's scroll position.
    await analyse(page, PROSE_FILE, PROSE_TEXT);
    const top = await (await heatmapFrameOf(page, PROSE_FILE)).evaluate(() => window.scrollY);
    if (top !== 0) throw new Error(`${PROSE_FILE} opened scrolled to ${top}`);
    // Follow: the editor goes to line 150, the panel follows to the editor's first visible line.
    const scroll = await analyse(page, SCROLL_FILE, SCROLL_TEXT);
    if ((await scroll.frame.evaluate(() => window.scrollY)) !== 0) throw new Error('the panel did not open at the top');
    await clickEditor(page);
    await runPaletteCommand(page, 'Go to Line/Column...');
    await page.keyboard.type('150');
    await page.keyboard.press('Enter');
    const firstLine = await waitUntil('the editor scrolled', async () => {
      const n = await page.evaluate(() => {
        const nums = [...document.querySelectorAll('.monaco-editor .margin-view-overlays .line-numbers')]
          .map(e => ({ top: e.getBoundingClientRect().top, n: Number(e.textContent) })).filter(x => x.n > 0).sort((a, b) => a.top - b.top);
        return nums[0]?.n;
      });
      return n > 50 ? n : undefined;
    }, 10_000);
    const followed = await waitUntil('the panel to follow the editor', async () => {
      const f = await scroll.frame.evaluate(() => ({ token: Number(document.body.dataset.followed), y: window.scrollY }));
      return f.y > 500 && Number.isInteger(f.token) ? f : undefined;
    }, 10_000);
    const span = await scroll.frame.evaluate(i => { const s = document.querySelector(`#heatmap span.tok[data-i="${i}"]`); return { text: s?.textContent, top: s?.getBoundingClientRect().top, header: document.getElementById('header')?.getBoundingClientRect().bottom }; }, followed.token);
    await shot('views-follow-editor');
    // The CLI's offsets of the token the panel put at its top give its line in the document.
    const reference = cli(join(workspace, SCROLL_FILE));
    const start = reference.tokens[followed.token].start;
    const line = SCROLL_TEXT.slice(0, start).split('\n').length + (SCROLL_TEXT[start] === '\n' ? 1 : 0);
    log(`editor's first visible line ${firstLine}; the panel followed to token ${followed.token} ${JSON.stringify(span.text)} on line ${line}, ${Math.round(span.top - span.header)} px below its header`);
    if (!(span.top >= span.header - 2 && span.top < span.header + 60)) throw new Error(`the followed token is not at the panel's top: ${JSON.stringify(span)}`);
    if (Math.abs(line - firstLine) > 1) throw new Error(`the panel's top token is on line ${line}, the editor's first line is ${firstLine}`);
    // Off: the editor moves, the panel stays.
    await scroll.frame.locator('#follow').click();
    const stay = await scroll.frame.evaluate(() => window.scrollY);
    await clickEditor(page);
    await page.keyboard.press('Control+Home');
    await sleep(1000);
    const after = await scroll.frame.evaluate(() => window.scrollY);
    if (Math.abs(after - stay) > 2) throw new Error(`with "Follow editor" off the panel moved from ${stay} to ${after}`);
    await scroll.frame.locator('#follow').click();
  });

  await step('views 7: a change of settings that alters the numbers marks the results stale, naming it, with Re-run', async () => {
    const heat = await analyse(page, 'sample.txt', readFileSync(join(workspace, 'sample.txt'), 'utf8'));
    const settingsDir = join(workspace, '.vscode');
    mkdirSync(settingsDir, { recursive: true });
    try {
      writeFileSync(join(settingsDir, 'settings.json'), JSON.stringify({ 'markovLens.topK': 5, 'markovLens.window': 256 }));
      const status = await waitUntil('the stale notice', async () => {
        const s = await heat.frame.evaluate(() => ({ cls: document.getElementById('status')?.className, text: document.getElementById('status')?.textContent,
          button: !!document.getElementById('status-rerun') }));
        return s.cls === 'stale' && /topK/.test(s.text ?? '') && /window/.test(s.text ?? '') ? s : undefined;
      }, 20_000);
      await shot('views-stale-settings');
      log(`stale notice: ${status.text}`);
      if (!/markovLens\.topK changed from 10 to 5/.test(status.text) || !/markovLens\.window changed from the default to 256/.test(status.text) || !status.button) throw new Error(`status: ${JSON.stringify(status)}`);
      await heat.frame.locator('#status-rerun').click();
      await waitUntil('a fresh analysis with the new settings', async () => {
        const s = await heat.frame.evaluate(() => ({ cls: document.getElementById('status')?.className, context: document.querySelector('[data-figure="Context"] .figure-value')?.textContent, state: document.body.dataset.state }));
        return s.state === 'ready' && s.cls === '' && /window 256/.test(s.context ?? '') ? s : undefined;
      }, TIMEOUT_MS);
      // A model change is named too.
      writeFileSync(join(settingsDir, 'settings.json'), JSON.stringify({ 'markovLens.topK': 5, 'markovLens.window': 256, 'markovLens.onnxVariant': 'quantized' }));
      await waitUntil('the variant named', async () => /markovLens\.onnxVariant changed/.test(await heat.frame.locator('#status').innerText()), 20_000);
    } finally {
      rmSync(settingsDir, { recursive: true, force: true });
    }
    await waitUntil('the stale notice for the settings going back', async () => /topK changed from 5 to 10/.test(await heat.frame.locator('#status').innerText()), 20_000);
    await heat.frame.locator('#status-rerun').click();
    await waitUntil('fresh again', async () => (await heat.frame.evaluate(() => document.getElementById('status')?.className === '' && document.body.dataset.state === 'ready')), TIMEOUT_MS);
  });

  await step('views 9: token boundaries and text at 4.5:1 in light, dark and high-contrast themes; the selected token is marked; no sideways scrolling', async () => {
    await analyse(page, PROSE_FILE, PROSE_TEXT);
    const results = [];
    try {
      for (const [theme, kind] of [['Light Modern', 'vs'], ['Dark Modern', 'vs-dark'], ['High Contrast', 'hc-black'], ['High Contrast Light', 'hc-light']]) {
        await setColorTheme(page, workspace, `Default ${theme}`, kind);
        const frame = await heatmapFrameOf(page, PROSE_FILE);
        const c = await waitUntil(`the panel in ${theme}`, async () => {
          const x = await paintedColours(frame);
          return Object.keys(x.classes).length >= 6 ? x : undefined;
        }, 15_000);
        await shot(`views-theme-${theme.replace(/\W+/g, '-')}`);
        if (theme === 'Light Modern' || theme === 'Dark Modern') {
          await page.mouse.move(700, 840);
          await sleep(500);
          await readmeShot(page, `heatmap-${kind === 'vs' ? 'light' : 'dark'}`);
        }
        const page_ = parseCss(c.body);
        for (const [cls, { color, background, shadow }] of Object.entries(c.classes)) {
          const bg = over(parseCss(background), page_);
          const text = contrast(parseCss(color).slice(0, 3), bg);
          const edge = contrast(page_.slice(0, 3), bg);
          results.push({ theme, cls, text: Number(text.toFixed(2)), edge: Number(edge.toFixed(2)) });
          if (text < 4.5) throw new Error(`${theme}: text on ${cls} has contrast ${text.toFixed(2)}:1 (${color} on ${background} over ${c.body})`);
          // Each token's right edge is a 1px line of the page background: visible against the token's colour.
          if (!/inset/.test(shadow) || edge < 1.2) throw new Error(`${theme}: the boundary of ${cls} tokens is not visible (shadow ${shadow}, contrast ${edge.toFixed(2)})`);
        }
      }
    } finally {
      log(`contrast (text, edge) per theme and bucket: ${results.map(r => `${r.theme}/${r.cls} ${r.text} ${r.edge}`).join('; ')}`);
      await setColorTheme(page, workspace, null, 'vs').catch(() => undefined);
    }
    // The selected token is marked (outline and underline), from a click and from the editor's cursor.
    const frame = await heatmapFrameOf(page, PROSE_FILE);
    await frame.locator('#heatmap span.tok[data-i="12"]').click();
    const marked = await waitUntil('the selected token marked', async () => frame.evaluate(() => {
      const s = document.querySelector('#heatmap span.tok.selected');
      if (!s) return undefined;
      const st = getComputedStyle(s);
      return { i: s.dataset.i, outline: st.outlineWidth, style: st.outlineStyle, underline: st.textDecorationLine, aria: s.getAttribute('aria-selected') };
    }), 10_000);
    if (marked.i !== '12' || parseFloat(marked.outline) < 2 || marked.style === 'none' || !/underline/.test(marked.underline) || marked.aria !== 'true') throw new Error(`selected token: ${JSON.stringify(marked)}`);
    // No sideways scrolling, however narrow the panel and wide the line.
    await page.setViewportSize({ width: 760, height: 850 });
    try {
      const wide = await analyse(page, WIDE_FILE, WIDE_TEXT);
      await sleep(800);
      const widths = await wide.frame.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
      await shot('views-narrow-panel');
      if (widths.scroll > widths.client) throw new Error(`the heatmap panel scrolls sideways: ${widths.scroll} > ${widths.client}`);
      await wide.frame.locator('#show-spectrum').click();
      const spectrum = await waitUntil('the spectrum of the wide file', async () => {
        for (const f of page.frames()) if ((await f.locator('#explain').count().catch(() => 0)) > 0 && (await f.evaluate(() => document.body.dataset.state)) === 'ready') return f;
        return undefined;
      }, TIMEOUT_MS);
      const w2 = await spectrum.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
      if (w2.scroll > w2.client) throw new Error(`the spectrum panel scrolls sideways: ${w2.scroll} > ${w2.client}`);
    } finally {
      await page.setViewportSize({ width: 1400, height: 850 });
    }
  });

  await step('views 10: the heatmap by keyboard (arrow keys, Enter) with aria-labels reading token, NLL and entropy; the hover in the accessible view', async () => {
    const heat = await analyse(page, PROSE_FILE, PROSE_TEXT);
    const frame = heat.frame;
    await frame.locator('#heatmap').focus();
    const focused = async () => frame.evaluate(() => { const a = document.activeElement; return { i: a?.dataset?.i, label: a?.getAttribute('aria-label'), role: a?.getAttribute('role'), text: a?.textContent }; });
    const start = await focused();
    for (let k = 0; k < 5; k++) await frame.locator('#heatmap').press('ArrowRight');
    const right = await focused();
    if (Number(right.i) !== Number(start.i) + 5) throw new Error(`ArrowRight ×5 from token ${start.i} reached ${right.i}`);
    if (right.role !== 'option' || !/NLL [\d.]+ bits, entropy [\d.]+ bits/.test(right.label ?? '')) throw new Error(`aria-label: ${JSON.stringify(right)}`);
    await frame.locator('#heatmap').press('ArrowDown');
    const down = await focused();
    if (!(Number(down.i) > Number(right.i))) throw new Error(`ArrowDown went from ${right.i} to ${down.i}`);
    const tip = frame.locator('#tooltip:not([hidden])');
    await tip.waitFor({ timeout: 10_000 });
    await shot('views-heatmap-keyboard');
    await frame.locator('#heatmap').press('Enter');
    const length = down.text.length;
    await page.locator('.statusbar-item').filter({ hasText: `(${length} selected)` }).first().waitFor({ timeout: 15_000 });
    // The editor hover's content in VS Code's accessible view (keyboard: show the hover, focus it, Alt+F2).
    for (let k = 0; k < 2; k++) {
      await page.keyboard.press('Control+k');
      await page.keyboard.press('Control+i');
      await page.locator('.monaco-hover-content').filter({ hasText: 'Markov Lens' }).first().waitFor({ timeout: 10_000 });
    }
    await page.keyboard.press('Alt+F2');
    const view = page.locator('.accessible-view .view-lines').first();
    await view.waitFor({ timeout: 10_000 });
    const text = await waitUntil('the hover in the accessible view', async () => {
      // The editor renders spaces as no-break spaces.
      const t = await view.evaluate(e => [...e.querySelectorAll('.view-line')].map(l => l.textContent).join('\n').replace(/\u00a0/g, ' '));
      return /NLL/.test(t) ? t : undefined;
    }, 10_000).catch(async () => (await view.innerText()).replace(/\u00a0/g, ' '));
    await shot('views-accessible-view');
    if (!/Markov Lens/.test(text) || !/NLL/.test(text) || !/entropy/.test(text)) throw new Error(`the accessible view shows: ${text.slice(0, 300)}`);
    await page.keyboard.press('Escape');
  });
}
