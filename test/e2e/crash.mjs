// E2E scenario: the engine process is killed (SIGKILL, by its pid) in the middle of an analysis of
// a large file. The extension host must stay up (another command still works), the user must be
// told which analysis stopped and how, the partial heatmap must stay on screen marked incomplete,
// and the next analysis must succeed on a fresh engine.
import { readdirSync, readFileSync } from 'node:fs';
import { contextMenu, finishedHeatmap, heatmapFrame, runPaletteCommand, waitUntil } from './workbench.mjs';
import { longDocument } from './longDocument.mjs';

export const CRASH_FILE = 'crash.txt';
export const CRASH_TEXT = longDocument(40_000);

/** Pids of engine processes started from the extension installed in this run dir (read from /proc). */
export function enginePids(runDir) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.some(a => a.startsWith(runDir) && a.endsWith('dist/engine.js'))) pids.push(Number(entry));
    } catch { /* the process ended meanwhile */ }
  }
  return pids;
}

export async function crashScenarios({ page, step, shot, log, runDir }) {
  await step('killing the engine mid-analysis: the host lives, the user is told, the partial heatmap stays marked incomplete, the next analysis works', async () => {
    const panel = await heatmapFrame(page);
    await contextMenu(page, page.getByRole('treeitem', { name: CRASH_FILE }).first(), 'Analyze File');
    const partial = await waitUntil('the analysis streaming its first windows', async () => {
      const st = await panel.evaluate(() => ({ title: document.getElementById('title')?.textContent,
        running: document.getElementById('status')?.className === 'running',
        spans: document.querySelectorAll('#heatmap span.tok').length }));
      return st.title === CRASH_FILE && st.running && st.spans > 0 ? st : undefined;
    }, 60_000, 50);
    const pids = enginePids(runDir);
    if (pids.length !== 1) throw new Error(`expected one engine process, found ${JSON.stringify(pids)}`);
    process.kill(pids[0], 'SIGKILL');
    log(`killed engine pid ${pids[0]} with ${partial.spans} spans on screen`);
    const toast = page.locator('.notification-toast').filter({ hasText: `while analysing ${CRASH_FILE}` }).first();
    await toast.waitFor({ timeout: 30_000 });
    const message = await toast.innerText();
    await shot('engine-killed');
    if (!/the engine stopped \(signal SIGKILL\) while analysing crash\.txt; it has been restarted/.test(message)) throw new Error(`notification: ${message}`);
    const status = await waitUntil('the panel marking the result incomplete', async () => {
      const st = await panel.evaluate(() => ({ className: document.getElementById('status')?.className, text: document.getElementById('status')?.textContent,
        spans: document.querySelectorAll('#heatmap span.tok').length, tokens: Number(document.body.dataset.tokens) }));
      return st.className === 'error' ? st : undefined;
    }, 15_000);
    if (!/^Incomplete: \d+ of \d+ tokens were analysed/.test(status.text) || !/SIGKILL/.test(status.text)) throw new Error(`panel status: ${status.text}`);
    if (!(status.spans > 0)) throw new Error('the partial heatmap was not kept');
    // The host is alive: another command runs and the next analysis, on a fresh engine, completes.
    await runPaletteCommand(page, 'Markov Lens: Toggle Inline Heatmap');
    await runPaletteCommand(page, 'Markov Lens: Toggle Inline Heatmap');
    await contextMenu(page, page.getByRole('treeitem', { name: 'sample.txt' }).first(), 'Analyze File');
    await finishedHeatmap(page, 'sample.txt', 60_000);
    const fresh = enginePids(runDir);
    if (fresh.length !== 1 || fresh[0] === pids[0]) throw new Error(`expected a new engine process, found ${JSON.stringify(fresh)}`);
    await shot('after-engine-restart');
    log(`status after the kill: "${status.text}"; new engine pid ${fresh[0]}`);
  });
}
