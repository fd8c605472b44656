// Page helpers for the issue-21 view scenarios: the extension's log, editor groups and tabs, colour
// themes, contrast arithmetic and the panels' frames.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { heatmapFrame, sleep, waitUntil } from './workbench.mjs';
import { repoRoot } from '../host/codeServer.mjs';

/** Every line of the extension's log in this run (all extension-host sessions, oldest first). */
export function logLines(runDir) {
  const logs = join(runDir, 'ud/logs');
  return readdirSync(logs, { recursive: true }).filter(f => f.endsWith('Markov Lens.log')).map(f => join(logs, f))
    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs)
    .flatMap(f => readFileSync(f, 'utf8').split('\n'));
}

/** The visible editor groups, left to right, with their tab labels and the active tab. */
export async function editorGroups(page) {
  return page.$$eval('.editor-group-container', groups => groups
    .filter(g => g.getBoundingClientRect().width > 0)
    .map(g => ({
      tabs: [...g.querySelectorAll('.tabs-container .tab .label-name')].map(t => t.textContent),
      active: g.querySelector('.tabs-container .tab.active .label-name')?.textContent ?? null,
    })));
}

/**
 * Puts the workbench in the built-in colour theme `id` ('Default Light Modern', 'Default Dark Modern',
 * 'Default High Contrast', 'Default High Contrast Light') through the workspace's settings (null: back
 * to the user's theme) and waits until it wears it: `kind` is the workbench's theme class ('vs',
 * 'vs-dark', 'hc-black', 'hc-light'). (The "Color Theme" picker is not used: text typed into it also
 * searches the Marketplace, which this machine cannot reach.)
 */
export async function setColorTheme(page, workspace, id, kind) {
  const dir = join(workspace, '.vscode');
  if (id) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ 'workbench.colorTheme': id }));
  } else {
    rmSync(dir, { recursive: true, force: true });
  }
  await waitUntil(`the ${id ?? 'user'} theme`, async () => page.evaluate(k => document.querySelector('.monaco-workbench')?.classList.contains(k), kind), 20_000, 250);
  await sleep(800);
}

/** A README screenshot candidate: test-artifacts/e2e/readme-NAME.png (the whole window, or `clip`). */
export async function readmeShot(page, name, clip) {
  await page.screenshot({ path: join(repoRoot, 'test-artifacts/e2e', `readme-${name}.png`), ...(clip ? { clip } : {}) }).catch(() => undefined);
}

/** Clicks inside the (first visible) text editor, wherever it is scrolled. */
export async function clickEditor(page) {
  await page.locator('.editor-group-container .monaco-editor .overflow-guard').first().click({ position: { x: 160, y: 30 } });
}

/**
 * Moves the keyboard focus to the workbench itself (a click on the empty part of the Explorer's
 * tree), out of any webview, so that F1 and other workbench keys reach VS Code (a webview that has
 * the focus keeps them). The active editor group does not change.
 */
export async function focusWorkbench(page) {
  await page.keyboard.press('Escape');
  const tree = page.locator('.explorer-folders-view .monaco-list').first();
  const box = await tree.boundingBox();
  if (box) await page.mouse.click(box.x + box.width / 2, box.y + box.height - 6);
}

/** Closes the editor tab whose label is `label` with its close button. */
export async function closeTab(page, label) {
  const tab = page.locator('.tab').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) }).first();
  await tab.hover();
  await tab.locator('.tab-actions .action-label').first().click();
  await tab.waitFor({ state: 'detached', timeout: 10_000 });
}

/** The heatmap panel's frame that shows `fileName` (any state). */
export async function heatmapFrameOf(page, fileName, timeoutMs = 30_000) {
  return waitUntil(`the heatmap of ${fileName}`, async () => {
    const frame = await heatmapFrame(page, 5_000);
    const title = await frame.evaluate(() => document.getElementById('title')?.textContent);
    return title === fileName ? frame : undefined;
  }, timeoutMs);
}

/** The spectrum webview's frame in any state (the one with its controls). */
export async function spectrumFrameAny(page, timeoutMs = 30_000) {
  return waitUntil('the spectrum panel', async () => {
    for (const f of page.frames()) {
      if ((await f.locator('#kernel').count().catch(() => 0)) > 0 && (await f.locator('#explain').count().catch(() => 0)) > 0) return f;
    }
    return undefined;
  }, timeoutMs);
}

// ---- WCAG contrast ----
const channel = c => { const s = c / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
export const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
export function contrast(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}
/** [r, g, b, a] from a computed CSS colour (rgb(), rgba(), color(srgb …)). */
export function parseCss(css) {
  let m = /rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:[,\s/]+([\d.]+))?\s*\)/.exec(css);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])];
  m = /color\(srgb\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)(?:\s*\/\s*([\d.]+))?\)/.exec(css);
  if (m) return [Number(m[1]) * 255, Number(m[2]) * 255, Number(m[3]) * 255, m[4] === undefined ? 1 : Number(m[4])];
  throw new Error(`unparsed colour ${css}`);
}
/** `top` (with alpha) over the opaque `bottom`. */
export function over(top, bottom) {
  const a = top[3];
  return [0, 1, 2].map(i => a * top[i] + (1 - a) * bottom[i]);
}
