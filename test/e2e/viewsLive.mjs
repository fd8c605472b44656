// Issue 21 point 4: live mode never takes focus or eats typing. In each layout (the heatmap beside
// the editor; the heatmap as a tab in the editor's own group, after "Join All Editor Groups"), 300
// characters are typed at human speed into a 5,000-token file with live mode on, with pauses longer
// than the live delay (so live re-analyses run while typing goes on); the saved file must equal
// exactly what was typed and focus must never leave the editor. A "Live" status-bar item shows
// while live mode is on and turns it off when clicked; running Analyze Live again turns it off.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeAllEditors, finishedHeatmap, runPaletteCommand, sleep, waitUntil } from './workbench.mjs';
import { longDocument } from './longDocument.mjs';
import { clickEditor, editorGroups, focusWorkbench, logLines, readmeShot } from './viewHelpers.mjs';

export const TYPING_FILE = 'typing.txt';
export const TYPING_TEXT = longDocument(5000);
/** 300 characters: letters, spaces and full stops only (nothing an editor auto-closes). */
const TYPED = ('The model reads the text one token at a time and guesses what comes next. '.repeat(5)).slice(0, 300);
/** Characters typed between pauses, the pause (live delay 500 ms plus margin) and the key delay (human speed). */
const BURST = 25;
const PAUSE_MS = 1100;
const KEY_DELAY_MS = 55;
const TIMEOUT_MS = 180_000;

/** Records, in the workbench page, every element that takes focus (and samples it every 100 ms). */
async function watchFocus(page) {
  await page.evaluate(() => {
    const w = window;
    w.__mlFocus = [];
    const note = () => {
      const a = document.activeElement;
      const where = !a ? 'none' : a.closest('.monaco-editor') && !a.closest('.webview') ? 'editor' : `${a.tagName}.${String(a.className).slice(0, 60)}`;
      if (w.__mlFocus.at(-1) !== where) w.__mlFocus.push(where);
    };
    w.__mlFocusNote = note;
    document.addEventListener('focusin', note, true);
    w.__mlFocusTimer = setInterval(note, 100);
    note();
  });
}

async function focusHistory(page) {
  return page.evaluate(() => {
    const w = window;
    clearInterval(w.__mlFocusTimer);
    document.removeEventListener('focusin', w.__mlFocusNote, true);
    return w.__mlFocus;
  });
}

const liveStatus = page => page.locator('.statusbar-item').filter({ hasText: /^\s*Live\s*$/ }).first();

/** Types TYPED at the end of the document in bursts with pauses; returns the live runs logged meanwhile. */
async function typeLikeAHuman(page, runDir, log) {
  const before = logLines(runDir).filter(l => l.includes(`Analysed ${TYPING_FILE}:`) && /live: \d+ records kept/.test(l)).length;
  await page.keyboard.press('Control+End');
  await watchFocus(page);
  for (let at = 0; at < TYPED.length; at += BURST) {
    await page.keyboard.type(TYPED.slice(at, at + BURST), { delay: KEY_DELAY_MS });
    await sleep(PAUSE_MS);
  }
  const history = await focusHistory(page);
  await page.keyboard.press('Escape'); // a word-suggestion widget may be open
  const liveRuns = logLines(runDir).filter(l => l.includes(`Analysed ${TYPING_FILE}:`) && /live: \d+ records kept/.test(l)).length - before;
  log(`typed ${TYPED.length} characters; focus history ${JSON.stringify(history)}; ${liveRuns} live re-analyses finished meanwhile`);
  return { history, liveRuns };
}

async function saveAndCheck(page, workspace, expected) {
  await page.keyboard.press('Control+S');
  await waitUntil('the saved file', () => readFileSync(join(workspace, TYPING_FILE), 'utf8') === expected || undefined, 15_000, 250)
    .catch(() => {
      const saved = readFileSync(join(workspace, TYPING_FILE), 'utf8');
      let at = 0;
      while (at < saved.length && saved[at] === expected[at]) at++;
      throw new Error(`the saved file differs from what was typed at ${at}: ${JSON.stringify(saved.slice(at, at + 60))} vs ${JSON.stringify(expected.slice(at, at + 60))} (${saved.length} vs ${expected.length} characters)`);
    });
}

export async function viewsLiveScenarios({ page, step, shot, log, workspace, runDir }) {
  let expected = TYPING_TEXT;
  const round = async (layout, join) => {
    await focusWorkbench(page);
    await closeAllEditors(page);
    // Closing the editor closes the document a moment later (which ends live mode for it): let it.
    await sleep(2500);
    // (The document may still be open and scrolled to its end from the round before: wait for its tab.)
    await page.getByRole('treeitem', { name: TYPING_FILE }).first().dblclick();
    await page.locator('.tab.active').filter({ hasText: TYPING_FILE }).first().waitFor({ timeout: 20_000 });
    // Live mode may still be on for the document from the round before (Analyze Live would turn it off).
    await sleep(500);
    const on = await liveStatus(page).isVisible();
    await runPaletteCommand(page, on ? 'Markov Lens: Analyze File' : 'Markov Lens: Analyze Live');
    await finishedHeatmap(page, TYPING_FILE, TIMEOUT_MS);
    await liveStatus(page).waitFor({ timeout: 15_000 });
    if (join) {
      await runPaletteCommand(page, 'View: Join All Editor Groups');
      await sleep(800);
      await page.locator('.tab').filter({ hasText: TYPING_FILE }).first().click();
    }
    const groups = await editorGroups(page);
    if (join ? groups.length !== 1 || !groups[0].tabs.includes('Markov Lens') : groups.length !== 2) throw new Error(`layout ${layout}: groups ${JSON.stringify(groups)}`);
    await clickEditor(page);
    const { history, liveRuns } = await typeLikeAHuman(page, runDir, log);
    await shot(`views-live-typed-${layout}`);
    expected += TYPED;
    await saveAndCheck(page, workspace, expected);
    const away = history.filter(h => h !== 'editor');
    if (away.length) throw new Error(`focus left the editor: ${JSON.stringify(history)}`);
    if (liveRuns < 1) throw new Error('no live re-analysis finished while typing (the test would prove nothing)');
    const after = await editorGroups(page);
    const editorGroup = after.find(g => g.tabs.includes(TYPING_FILE));
    if (editorGroup?.active !== TYPING_FILE) throw new Error(`the editor's tab is not in front: ${JSON.stringify(after)}`);
  };

  await step('views 4: live mode, heatmap beside the editor: 300 characters typed at human speed are all saved, focus never leaves the editor', async () => {
    await round('beside', false);
  });

  await step('views 4: live mode, heatmap as a tab in the editor\'s group: 300 characters typed at human speed are all saved, focus never leaves the editor', async () => {
    await round('same-group', true);
  });

  await step('views 4: a "Live" status item shows while live mode is on and turns it off when clicked; Analyze Live again turns it off', async () => {
    const item = liveStatus(page);
    await item.waitFor({ timeout: 10_000 });
    await shot('views-live-status-item');
    await readmeShot(page, 'live-status', { x: 350, y: 560, width: 1050, height: 290 });
    const tip = await item.getAttribute('aria-label');
    log(`live status item: ${await item.innerText()} (${tip})`);
    await item.click();
    await item.waitFor({ state: 'hidden', timeout: 10_000 });
    // On again from the palette, then Analyze Live once more turns it off.
    const analysed = () => logLines(runDir).filter(l => l.includes(`Analysed ${TYPING_FILE}:`)).length;
    const analyses = analysed();
    await clickEditor(page);
    await runPaletteCommand(page, 'Markov Lens: Analyze Live');
    await item.waitFor({ timeout: 30_000 });
    // (The analysis Analyze Live starts ends before the counting below.)
    await waitUntil('the analysis Analyze Live started', () => analysed() > analyses || undefined, TIMEOUT_MS, 250);
    await runPaletteCommand(page, 'Markov Lens: Analyze Live');
    await item.waitFor({ state: 'hidden', timeout: 10_000 });
    // With live mode off, typing re-analyses nothing.
    const runs = analysed();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(' off', { delay: KEY_DELAY_MS });
    await sleep(2000);
    if (analysed() !== runs) throw new Error('a live run followed typing after live mode was turned off');
    await runPaletteCommand(page, 'File: Revert File');
  });
}
