// Layer-lens scenarios for the browser E2E (issue 17): "Markov Lens: Show Layer Lens" from the
// palette on a document taller than the editor; every cell of the grid carries its numbers (exact
// doubles in data attributes), which must equal the CLI's `--layers` JSON on the same file; scrolling
// the editor moves the grid, selecting a token centres its column, hovering a cell shows that layer's
// top-5 with probabilities, clicking one selects its token; "Alignment per layer" draws the curve.
import { closeAllEditors, openFromExplorer, runPaletteCommand, sleep, waitUntil } from './workbench.mjs';
import { longDocument } from './longDocument.mjs';

export const LENS_FILE = 'lens.txt';
// About 1,500 tokens on ~100 lines: more than a screen, fewer than 4,096 (the lens of every token at once).
export const LENS_TEXT = longDocument(1500);
const FIRST_LINE = LENS_TEXT.slice(0, LENS_TEXT.indexOf(' ', 12));
const TIMEOUT_MS = 240_000;

/** The layer-lens webview's inner frame once its grid shows a computed page. */
export async function lensFrame(page, timeoutMs = TIMEOUT_MS, accept = () => true) {
  return waitUntil('the layer-lens panel with its grid', async () => {
    for (const f of page.frames()) {
      if ((await f.locator('#grid').count().catch(() => 0)) === 0) continue;
      const s = await f.evaluate(() => ({
        state: document.body.dataset.state, status: document.getElementById('status')?.textContent,
        focus: Number(document.body.dataset.focus), cells: document.querySelectorAll('.cell[data-layer]').length,
        title: document.getElementById('title')?.textContent,
      }));
      if (s.state === 'error') throw new Error(`layer-lens panel says: ${s.status}`);
      if (s.state === 'ready' && s.cells > 0 && accept(s)) return { frame: f, ...s };
    }
    return undefined;
  }, timeoutMs, 300);
}

/** Every rendered cell: layer, document token, its numbers and text. */
async function cells(frame) {
  return frame.evaluate(() => [...document.querySelectorAll('.cell[data-layer]')].map(c => ({
    layer: Number(c.dataset.layer), token: Number(c.dataset.token), text: c.textContent,
    nll: c.dataset.nll, entropy: c.dataset.entropy, rank: c.dataset.rank, klToFinal: c.dataset.klToFinal, top1: c.dataset.top1,
  })));
}

/** The document tokens whose columns are (at least half) inside the grid's scrolled view. */
async function shownColumns(frame) {
  return frame.evaluate(() => {
    const scroller = document.getElementById('grid-scroll');
    const label = document.querySelector('.label')?.offsetWidth ?? 0;
    const left = scroller.scrollLeft + label;
    const right = scroller.scrollLeft + scroller.clientWidth;
    return [...document.querySelectorAll('.row.tokens .cell')]
      .filter(c => c.offsetLeft + c.offsetWidth / 2 > left && c.offsetLeft + c.offsetWidth / 2 < right)
      .map(c => Number(c.dataset.token));
  });
}

export async function layerLensScenarios({ page, step, shot, log, cli }) {
  let reference;

  await step('layer lens: Show Layer Lens opens the grid, and every cell equals the CLI\'s --layers numbers', async () => {
    await closeAllEditors(page);
    await openFromExplorer(page, LENS_FILE, FIRST_LINE);
    await runPaletteCommand(page, 'Markov Lens: Show Layer Lens', () => shot('layer-lens-palette'));
    reference = cli(LENS_FILE, ['--layers']);
    const L = reference.layers;
    if (!L || L.off) throw new Error(`the CLI has no lens: ${JSON.stringify(L)}`);
    const { frame } = await lensFrame(page);
    await sleep(500);
    await shot('layer-lens');
    const got = await cells(frame);
    const tokensShown = new Set(got.map(c => c.token));
    if (new Set(got.map(c => c.layer)).size !== L.count) throw new Error(`the grid has ${new Set(got.map(c => c.layer)).size} layers, the CLI ${L.count}`);
    const labels = await frame.evaluate(() => [...document.querySelectorAll('.row .label')].map(l => l.textContent));
    if (labels[0] !== L.labels.at(-1) || labels[L.count - 1] !== 'embedding') throw new Error(`row labels ${JSON.stringify(labels)}: final layer on top, embedding at the bottom`);
    let compared = 0;
    for (const c of got) {
      for (const key of ['nll', 'entropy', 'klToFinal']) {
        const want = L[key][c.layer][c.token];
        const have = c[key] === undefined ? null : Number(c[key]);
        if (want === null ? have !== null : Math.abs(have - want) > 1e-9) throw new Error(`cell layer ${c.layer} token ${c.token} ${key}: ${have} vs the CLI's ${want}`);
      }
      if (Number(c.rank) !== L.rank[c.layer][c.token]) throw new Error(`cell layer ${c.layer} token ${c.token} rank ${c.rank} vs ${L.rank[c.layer][c.token]}`);
      if (Number(c.top1) !== L.top1[c.layer][c.token]) throw new Error(`cell layer ${c.layer} token ${c.token} top-1 ${c.top1} vs ${L.top1[c.layer][c.token]}`);
      compared++;
    }
    const depths = await frame.evaluate(() => [...document.querySelectorAll('.row.depth .cell')].map(c => c.textContent));
    const from = Math.min(...tokensShown);
    depths.forEach((d, i) => { if (Number(d) !== L.depth[from + i]) throw new Error(`depth of token ${from + i}: ${d} vs ${L.depth[from + i]}`); });
    log(`layer lens: ${compared} cells (${tokensShown.size} tokens x ${L.count} layers) equal the CLI's`);
  });

  await step('layer lens: scrolling the editor moves the grid; selecting a token centres its column', async () => {
    const before = await lensFrame(page);
    const editor = page.locator('.monaco-editor .view-lines').filter({ hasText: FIRST_LINE }).first();
    const box = await editor.boundingBox();
    await page.mouse.move(box.x + 200, box.y + 200);
    for (let i = 0; i < 10; i++) { await page.mouse.wheel(0, 600); await sleep(150); }
    await sleep(800);
    // The editor's first fully visible line, and the token that starts it.
    const line = await page.evaluate(() => {
      const editor = document.querySelector('.monaco-editor .view-lines').getBoundingClientRect();
      const numbers = [...document.querySelectorAll('.monaco-editor .line-numbers')]
        .filter(n => n.getBoundingClientRect().top >= editor.top - 1).map(n => Number(n.textContent));
      return Math.min(...numbers.filter(Number.isFinite));
    });
    const tokenAtLine = n => reference.tokens.findIndex(t => t.end > LENS_TEXT.split('\n').slice(0, n - 1).reduce((a, l) => a + l.length + 1, 0));
    // VS Code's visible range may start a line above or below the first line fully in view (a line
    // partly hidden at the top, under the breadcrumbs): within two lines of it.
    const firstToken = tokenAtLine(line);
    const [low, high] = [tokenAtLine(line - 2), tokenAtLine(line + 2)];
    if (line < 10) throw new Error(`the editor did not scroll (first line ${line})`);
    let seen;
    const after = await lensFrame(page, 30_000, s => { seen = s.focus; return s.focus >= low && s.focus < high; })
      .catch(e => { throw new Error(`${e.message}: the grid's focus is token ${seen}, the editor's first full line ${line} starts at token ${firstToken}`); });
    await shot('layer-lens-scrolled');
    const shown = await shownColumns(after.frame);
    if (!shown.includes(after.focus)) throw new Error(`the editor's first token ${after.focus} is not among the grid's columns ${shown[0]}..${shown.at(-1)}`);
    log(`editor scrolled to line ${line} (token ${firstToken}): the grid moved from token ${before.focus} to ${after.focus}`);
    // Click into a line on screen: its token's column is selected and in view.
    const clicked = page.locator('.monaco-editor .view-line').nth(8);
    const lineText = (await clicked.innerText()).replace(/\u00a0/g, ' ');
    await clicked.click({ position: { x: 60, y: 5 } });
    const selected = await waitUntil('a selected column', async () => {
      const { frame } = await lensFrame(page);
      const t = await frame.evaluate(() => document.querySelector('.row.tokens .cell.selected')?.dataset.token);
      return t === undefined ? undefined : { frame, token: Number(t) };
    }, 15_000);
    const tok = reference.tokens[selected.token];
    if (!lineText.includes(tok.text.trim())) throw new Error(`selected token ${selected.token} ${JSON.stringify(tok.text)} is not on the clicked line ${JSON.stringify(lineText)}`);
    if (!(await shownColumns(selected.frame)).includes(selected.token)) throw new Error('the selected column is not in view');
    await shot('layer-lens-selected');
  });

  await step('layer lens: hovering a cell shows that layer\'s top-5 with probabilities; clicking it selects the token', async () => {
    const { frame } = await lensFrame(page);
    const target = await frame.evaluate(() => {
      const c = [...document.querySelectorAll('.cell[data-layer="1"]')].find(x => x.getBoundingClientRect().left > 120);
      return c && { token: Number(c.dataset.token), i: c.dataset.i };
    });
    if (!target) throw new Error('no cell of layer 1 in view');
    const cell = frame.locator(`.cell[data-layer="1"][data-i="${target.i}"]`);
    await cell.hover();
    const tip = frame.locator('#tooltip:not([hidden])');
    await tip.waitFor({ timeout: 10_000 });
    await shot('layer-lens-hover');
    const card = await tip.evaluate(t => ({
      head: t.querySelector('.tt-token')?.textContent ?? '',
      rows: [...t.querySelectorAll('.tt-row')].map(r => r.textContent),
      preds: [...t.querySelectorAll('.tt-pred')].map(p => ({ text: p.querySelector('.tt-pred-text').textContent, prob: parseFloat(p.querySelector('.tt-pred-prob').textContent) })),
    }));
    const L = reference.layers;
    if (!card.head.startsWith(`${L.labels[1]} · token ${target.token}`)) throw new Error(`hover head: ${card.head}`);
    if (card.preds.length !== 5) throw new Error(`${card.preds.length} predictions in the hover: ${JSON.stringify(card.preds)}`);
    for (let j = 1; j < 5; j++) if (card.preds[j].prob > card.preds[j - 1].prob) throw new Error(`top-5 not in order: ${JSON.stringify(card.preds)}`);
    const nll = `${(L.nll[1][target.token] / Math.LN2).toFixed(2)} bits`;
    if (!card.rows.some(r => r.includes(nll))) throw new Error(`hover lacks NLL ${nll}: ${JSON.stringify(card.rows)}`);
    const cellText = await cell.textContent();
    if (card.preds[0].text !== cellText) throw new Error(`the hover's first prediction ${card.preds[0].text} is not the cell's ${cellText}`);
    await cell.click();
    const tok = reference.tokens[target.token];
    await page.locator('.statusbar-item').filter({ hasText: `(${tok.end - tok.start} selected)` }).first().waitFor({ timeout: 10_000 });
    await shot('layer-lens-revealed');
  });

  await step('layer lens: Alignment per layer draws A_k at every layer; its last layer is the spectrum panel\'s', async () => {
    const { frame } = await lensFrame(page);
    await frame.locator('#alignment').click();
    const table = await waitUntil('the per-layer alignment table', async () => {
      const { frame: f } = await lensFrame(page, 10_000);
      const rows = await f.evaluate(() => document.getElementById('alignment-view')?.hidden ? [] : [...document.querySelectorAll('.alignment-table tbody tr')].map(r => r.textContent));
      return rows.length ? { frame: f, rows } : undefined;
    }, TIMEOUT_MS, 500);
    if (table.rows.length !== reference.layers.count) throw new Error(`${table.rows.length} rows for ${reference.layers.count} layers`);
    const lines = await table.frame.locator('.alignment-chart polyline').count();
    if (lines < 2) throw new Error(`${lines} curves`);
    await table.frame.locator('#alignment-view').scrollIntoViewIfNeeded();
    await shot('layer-lens-alignment');
  });
}
