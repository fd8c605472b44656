// Page helpers for driving the VS Code workbench (code-server) in Chromium with playwright-core.
// Every wait is bounded; callers take a screenshot when one fails.

export const sleep = ms => new Promise(r => setTimeout(r, ms));

export async function waitUntil(what, probe, timeoutMs = 30_000, everyMs = 200) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) { last = e; }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await sleep(everyMs);
  }
}

/**
 * Closes a modal dialog of the workbench, if one is open, and returns its text (undefined when
 * none was). A dialog left open blocks every later click, so one failure would fail every step
 * after it. A dialog that offers to reload the window (a lost connection) is answered by reloading.
 */
export async function dismissModal(page) {
  const box = page?.locator('.monaco-dialog-box').first();
  if (!box || !(await box.isVisible().catch(() => false))) return undefined;
  const text = (await box.innerText().catch(() => '')).replace(/\s+/g, ' ').slice(0, 400) || '(a dialog without text)';
  // "Do you want to save the changes…?": the suites decide themselves what is saved; a test's edits
  // left in an editor that a later step closes are discarded.
  const dontSave = box.locator('.monaco-button').filter({ hasText: /don.t save/i }).first();
  if (await dontSave.isVisible().catch(() => false)) {
    await dontSave.click().catch(() => undefined);
    return `${text} (answered: Don't Save)`;
  }
  const reload = box.locator('.monaco-button').filter({ hasText: /reload/i }).first();
  if (await reload.isVisible().catch(() => false)) {
    await reload.click().catch(() => undefined);
    await page.locator('.monaco-workbench').first().waitFor({ timeout: 60_000 }).catch(() => undefined);
    await page.getByRole('treeitem').first().waitFor({ timeout: 60_000 }).catch(() => undefined);
    return `${text} (answered: reloaded the window)`;
  }
  await page.keyboard.press('Escape');
  if (await box.isVisible().catch(() => false)) await box.locator('.monaco-button').last().click({ timeout: 5_000 }).catch(() => undefined);
  return text;
}

export async function waitForWorkbench(page, fileName) {
  await page.getByRole('treeitem', { name: fileName }).first().waitFor({ timeout: 60_000 });
}

/**
 * Closes every editor. An editor a failed step left with unsaved edits would ask whether to save
 * them in a modal dialog that blocks every later click (seen in CI): the edits are discarded.
 */
export async function closeAllEditors(page) {
  await runPaletteCommand(page, 'View: Close All Editors');
  await sleep(300);
  await page.locator('.monaco-dialog-box').first().waitFor({ timeout: 700 }).catch(() => undefined);
  const answered = await dismissModal(page);
  if (answered) console.log(`[e2e] closing all editors asked: ${answered}`);
}

/** Opens a file from the Explorer (single click opens a preview; double click pins it). */
export async function openFromExplorer(page, fileName, firstLine) {
  await page.getByRole('treeitem', { name: fileName }).first().dblclick();
  await page.locator('.monaco-editor .view-lines').filter({ hasText: firstLine }).first().waitFor({ timeout: 20_000 });
}

/**
 * Opens the Command Palette (F1) and runs `title`. A key pressed while a webview's frame holds the
 * focus can stay in that frame (seen once in every few runs): the focus then goes back to the
 * workbench page and F1 is pressed again (bounded).
 */
export async function runPaletteCommand(page, title, shot) {
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ timeout: 10_000 });
      break;
    } catch (e) {
      if (attempt >= 2) throw e;
      await page.evaluate(() => { if (document.activeElement instanceof HTMLElement) document.activeElement.blur(); }).catch(() => undefined);
      // A late palette is taken as it is: F1 again would close it.
      if (await input.isVisible().catch(() => false)) break;
    }
  }
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: title }).first();
  await row.waitFor({ timeout: 10_000 });
  if (shot) await shot();
  await page.keyboard.press('Enter');
}

/**
 * Right-clicks `target` and clicks the context-menu entry `label`. Menu contributions appear only
 * once the extension host has scanned the extension, so an opened menu without the entry is closed
 * and opened again (bounded).
 */
export async function contextMenu(page, target, label, shot, position, timeoutMs = 30_000) {
  const item = page.locator('.monaco-menu .action-item').filter({ hasText: label }).first();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A workbench hover left open (the Explorer's path tooltip) sits over the rows and takes the
    // click (seen in a clean-clone run): the pointer leaves and Escape closes it first.
    await page.mouse.move(1, 1);
    await page.keyboard.press('Escape');
    await target.click({ button: 'right', ...(position ? { position } : {}) });
    try {
      await item.waitFor({ timeout: 2_000 });
      break;
    } catch (e) {
      await page.keyboard.press('Escape');
      if (Date.now() > deadline) throw e;
      await sleep(1000);
    }
  }
  await sleep(300); // menu fade-in, so the screenshot shows it
  if (shot) await shot();
  await item.click();
}

/** The panel's inner webview frame (code-server nests it in pre/index.html -> fake.html). */
export async function heatmapFrame(page, timeoutMs = 30_000) {
  return waitUntil('the Markov Lens panel', async () => {
    for (const f of page.frames()) {
      if ((await f.locator('#heatmap').count().catch(() => 0)) > 0) return f;
    }
    return undefined;
  }, timeoutMs);
}

/**
 * Waits until the panel shows a finished, painted analysis of `fileName` (and, when given, one whose
 * text passes `accept`, so that an older result on screen is not taken for the new one).
 */
export async function finishedHeatmap(page, fileName, timeoutMs = 60_000, accept = () => true) {
  return waitUntil(`the heatmap of ${fileName}`, async () => {
    const frame = await heatmapFrame(page, 5_000);
    const state = await frame.evaluate(() => ({
      title: document.getElementById('title')?.textContent,
      bpb: document.querySelector('[data-figure="Bits per byte"] .figure-value')?.textContent,
      status: document.getElementById('status')?.className,
      spans: [...document.querySelectorAll('#heatmap span.tok')].map(s => s.textContent),
      classes: [...document.querySelectorAll('#heatmap span.tok')].slice(0, 400).map(s => s.className),
      renderMs: Number(document.body.dataset.renderMs),
      ready: document.body.dataset.state === 'ready',
    }));
    return state.title === fileName && state.bpb && state.ready && state.status !== 'running' && accept(state.spans.join(''))
      ? { frame, ...state } : undefined;
  }, timeoutMs, 300);
}

/** Hovers the editor at a character column of the line that contains `lineText`; returns the hover's text. */
export async function editorHover(page, lineText, column) {
  const line = page.locator('.monaco-editor .view-line').filter({ hasText: lineText }).first();
  await line.click({ position: { x: 2, y: 5 } }); // focus the editor (focus may sit in the webview)
  const box = await line.boundingBox();
  const span = line.locator('span').first();
  const charWidth = (await span.evaluate(el => el.getBoundingClientRect().width)) / (await span.evaluate(el => el.textContent.length));
  for (const dx of [0, 2, -2, 4]) {
    const x = box.x + charWidth * (column + 0.5) + dx;
    await page.mouse.move(box.x + 400, box.y + 200);
    await page.mouse.move(x, box.y + box.height / 2, { steps: 5 });
    const hover = page.locator('.monaco-hover-content').filter({ hasText: 'Markov Lens' }).first();
    try {
      await hover.waitFor({ timeout: 4000 });
      return hover.innerText();
    } catch { /* retry a few px over */ }
  }
  throw new Error(`no Markov Lens hover over "${lineText}" column ${column}`);
}
