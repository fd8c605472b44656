// Live-mode scenarios for the browser E2E (issue 6): "Markov Lens: Analyze Live" from the palette,
// real keystrokes in the editor, and the heatmap re-drawn for the changed tail only. Every number is
// read from the panel's spans (data-nll / data-entropy, exact doubles) and checked against the CLI
// on the same text and window settings; the kept-token count is what the extension logs for a live run.
// Two rounds: the default window (the document is one window; the re-analysis resumes it from a KV
// checkpoint) and a small window set in the workspace (whole windows before the edit are kept).
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLE_TEXT } from '../host/workspace.mjs';
import { longDocument } from './longDocument.mjs';
import { closeAllEditors, finishedHeatmap, openFromExplorer, runPaletteCommand, waitUntil } from './workbench.mjs';

/** The rounds: workspace settings and the same options for the CLI. 128/64: a few hundred tokens span several windows. */
const ROUNDS = [
  { label: 'default window', settings: undefined, cliArgs: [] },
  { label: 'window 128', settings: { 'markovLens.window': 128, 'markovLens.stride': 64 }, cliArgs: ['--window', '128', '--stride', '64'] },
];
export const LIVE_FILE = 'live.txt';
// About 450 tokens on 30 lines: one block of the virtualised panel (under LINES_PER_BLOCK), so every
// span stays in the DOM and can be read.
export const LIVE_TEXT = longDocument(400);
const TYPED = ' lively';
/** Whole analyses on a loaded machine that shares one code-server with the other scenarios. */
const TIMEOUT_MS = 180_000;
const FIRST_LINE = LIVE_TEXT.slice(0, LIVE_TEXT.indexOf(' ', 12));

/** What the panel shows, for a failure message (which of finishedHeatmap's conditions is unmet). */
async function describePanel(page, expected) {
  for (const f of page.frames()) {
    if ((await f.locator('#heatmap').count().catch(() => 0)) === 0) continue;
    const s = await f.evaluate(() => ({ title: document.getElementById('title')?.textContent, state: document.body.dataset.state,
      status: document.getElementById('status')?.textContent, text: [...document.querySelectorAll('#heatmap span.tok')].map(e => e.textContent).join('') }));
    let at = 0;
    while (at < s.text.length && s.text[at] === expected[at]) at++;
    return `panel: ${s.title}, state ${s.state}, status "${s.status}", ${s.text.length} of ${expected.length} characters, first difference at ${at}: ${JSON.stringify(s.text.slice(at, at + 30))} vs ${JSON.stringify(expected.slice(at, at + 30))}`;
  }
  return 'no panel';
}

/** The finished heatmap of exactly `text`; a timeout says what the panel showed instead. */
async function heatmapOf(page, text, timeoutMs = TIMEOUT_MS) {
  try {
    return await finishedHeatmap(page, LIVE_FILE, timeoutMs, shown => shown === text);
  } catch (e) {
    throw new Error(`${e.message}; ${await describePanel(page, text).catch(d => d.message)}`);
  }
}

/** Every token span of the panel with its text and exact numbers (the live document is one block). */
async function panelTokens(frame) {
  const state = await frame.evaluate(() => ({
    tokens: Number(document.body.dataset.tokens),
    spans: [...document.querySelectorAll('#heatmap span.tok')].map(s => ({
      text: s.textContent, nll: s.dataset.nll, entropy: s.dataset.entropy, painted: /\bh\d\b/.test(s.className) })),
  }));
  if (state.spans.length !== state.tokens) throw new Error(`${state.spans.length} spans in the DOM for ${state.tokens} tokens`);
  const num = v => (v === 'null' || v === undefined ? null : Number(v));
  return state.spans.map(s => ({ ...s, nll: num(s.nll), entropy: num(s.entropy) }));
}

/** The panel shows exactly the CLI's analysis of `text`: same spans, bit-identical NLL and entropy. */
function assertMatchesCli(spans, text, reference, what) {
  if (spans.length !== reference.tokens.length) throw new Error(`${what}: panel has ${spans.length} tokens, the CLI ${reference.tokens.length}`);
  reference.tokens.forEach((tok, i) => {
    const s = spans[i];
    if (s.text !== text.slice(tok.start, tok.end)) throw new Error(`${what}: span ${i} is ${JSON.stringify(s.text)}, the CLI's ${JSON.stringify(text.slice(tok.start, tok.end))}`);
    if (!Object.is(s.nll, tok.nll) || !Object.is(s.entropy, tok.entropy)) {
      throw new Error(`${what}: token ${i} ${JSON.stringify(s.text)} shows nll ${s.nll}, entropy ${s.entropy}; the CLI ${tok.nll}, ${tok.entropy}`);
    }
    if (!s.painted) throw new Error(`${what}: token ${i} is not painted (${JSON.stringify(s)})`);
  });
}

/** The spans that overlap the characters [from, to) of the panel's text. */
function spansOver(spans, from, to) {
  let at = 0;
  return spans.filter(s => {
    const start = at;
    at += s.text.length;
    return start < to && at > from;
  });
}

/** Leading tokens identical in id and span in both analyses (the first changed token's index). */
function unchangedTokens(a, b) {
  let i = 0;
  while (i < a.tokens.length && i < b.tokens.length && a.tokens[i].id === b.tokens[i].id
    && a.tokens[i].start === b.tokens[i].start && a.tokens[i].end === b.tokens[i].end) i++;
  return i;
}

/**
 * The end of the last line at most 80 % into the document and, when the document spans several
 * windows, with more than a stride of tokens after it: the edit is then never among the targets of
 * the clipped last window (whose start moves with the document's length), so every token before the
 * edit is scored from exactly the same context after it.
 */
function editOffset(text, reference) {
  const { window, stride } = reference.scoring;
  const n = reference.tokens.length;
  const limit = Math.min(Math.floor(n * 0.8), n + 16 < window ? n : n - stride - 10);
  let offset = -1;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) {
    if (reference.tokens.findIndex(t => t.start <= at && at < t.end) > limit) break;
    offset = at;
  }
  if (offset < 0) throw new Error('the live document has no line early enough to edit');
  return offset;
}

/** The extension's "Analysed FILE: ..." log lines (all extension-host logs of the run, oldest first). */
export function analysedLines(runDir, fileName) {
  const logs = join(runDir, 'ud/logs');
  return readdirSync(logs, { recursive: true }).filter(f => f.endsWith('Markov Lens.log')).map(f => join(logs, f))
    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs)
    .flatMap(f => readFileSync(f, 'utf8').split('\n').filter(l => l.includes(`Analysed ${fileName}:`)));
}

/** Waits for the log line of the run that analysed `tokens` tokens after line `from`; returns the kept count. */
async function loggedLiveRun(runDir, from, tokens) {
  const lines = await waitUntil('the live run in the Markov Lens log', () => {
    const fresh = analysedLines(runDir, LIVE_FILE).slice(from);
    return fresh.some(l => l.includes(`: ${tokens} tokens,`)) ? fresh : undefined;
  }, 30_000, 250);
  const line = lines.findLast(l => l.includes(`: ${tokens} tokens,`));
  const kept = /live: (\d+) records kept/.exec(line);
  if (!kept) throw new Error(`the re-analysis is not reported as live: ${line}`);
  return { kept: Number(kept[1]), runs: lines.length, line };
}

/**
 * Clicks into the live document's editor, the only text editor open (focus may sit in the panel's
 * webview). The point is taken in the editor's own box: after typing, its lines may be scrolled sideways.
 */
async function focusEditor(page) {
  await page.locator('.monaco-editor').first().click({ position: { x: 200, y: 10 }, timeout: 10_000 });
}

export async function liveScenarios(context) {
  try {
    for (const round of ROUNDS) await liveRound(context, round);
  } finally {
    // Leave the workbench as the scenarios after these expect it: sample.txt open, its heatmap beside.
    const { page, log } = context;
    await closeAllEditors(page)
      .then(() => openFromExplorer(page, 'sample.txt', SAMPLE_TEXT.slice(0, 19)))
      .then(() => runPaletteCommand(page, 'Markov Lens: Analyze File'))
      .then(() => finishedHeatmap(page, 'sample.txt'))
      .catch(e => log(`live: could not bring back the sample.txt heatmap: ${e.message}`));
  }
}

/** The header of a finished analysis shows the model and window settings the CLI used. */
async function sameScoring(frame, reference) {
  const model = await frame.locator('[data-figure="Model"] .figure-value').innerText();
  const windows = await frame.locator('[data-figure="Context"] .figure-value').innerText();
  return model === reference.model.name && windows.includes(`window ${reference.scoring.window}, stride ${reference.scoring.stride})`);
}

async function liveRound({ page, step, shot, log, workspace, runDir, cli }, { label, settings, cliArgs }) {
  const settingsDir = join(workspace, '.vscode');
  const editedFile = join(runDir, 'tmp/live-edited.txt');
  // Set by the first step: the CLI's analyses before and after the edit, and the panel's first numbers.
  let original, after, offset, edited, unchanged, first;
  const name = what => `live (${label}): ${what}`;
  try {
    await step(name('Analyze Live from the palette shows every token, as the CLI scores them'), async () => {
      original = cli(join(workspace, LIVE_FILE), cliArgs);
      offset = editOffset(LIVE_TEXT, original);
      edited = LIVE_TEXT.slice(0, offset) + TYPED + LIVE_TEXT.slice(offset);
      writeFileSync(editedFile, edited);
      after = cli(editedFile, cliArgs);
      unchanged = unchangedTokens(original, after);
      rmSync(settingsDir, { recursive: true, force: true });
      if (settings) {
        mkdirSync(settingsDir, { recursive: true });
        writeFileSync(join(settingsDir, 'settings.json'), JSON.stringify(settings));
      }
      await closeAllEditors(page);
      await openFromExplorer(page, LIVE_FILE, FIRST_LINE);
      // Settings files apply asynchronously: re-run until the header shows the CLI's model and windows.
      // Analyze Live once (a second run of it would turn live mode off again); retries are Analyze File.
      let command = 'Markov Lens: Analyze Live';
      const heat = await waitUntil('an analysis with the workspace settings', async () => {
        await focusEditor(page);
        await runPaletteCommand(page, command);
        command = 'Markov Lens: Analyze File';
        const h = await heatmapOf(page, LIVE_TEXT, 60_000);
        return await sameScoring(h.frame, original) ? h : undefined;
      }, TIMEOUT_MS, 1000);
      // A run the settings change queued may still start after that one and repaint the panel
      // (seen once in CI: 0 spans read between its clear and its records); read a finished panel.
      let frame = heat.frame;
      first = await waitUntil('the finished first analysis in the panel', async () => {
        const spans = await panelTokens(frame).catch(() => undefined);
        if (spans && spans.length > 0) return spans;
        frame = (await heatmapOf(page, LIVE_TEXT, 60_000)).frame;
        return undefined;
      }, TIMEOUT_MS, 500);
      assertMatchesCli(first, LIVE_TEXT, original, 'first analysis');
      log(`live.txt: ${first.length} tokens, window ${original.scoring.window}, stride ${original.scoring.stride}; the edit goes after token ${unchanged}`);
    });

    await step(name('typing a word re-scores only the tail; the tokens before it keep their exact numbers'), async () => {
      if (!first) throw new Error('no first analysis');
      const logged = analysedLines(runDir, LIVE_FILE).length;
      await focusEditor(page);
      await page.keyboard.press('Control+End'); // the empty line after the last newline
      for (let n = LIVE_TEXT.slice(offset).split('\n').length - 1; n > 0; n--) await page.keyboard.press('ArrowUp');
      await page.keyboard.press('End');
      await page.keyboard.type(TYPED, { delay: 40 });
      await page.keyboard.press('Escape'); // a word-suggestion widget may be open
      const heat = await heatmapOf(page, edited);
      const now = await panelTokens(heat.frame);
      const typed = spansOver(now, offset, offset + TYPED.length);
      if (!typed.map(s => s.text).join('').includes(TYPED)) throw new Error(`the spans at the edit are ${JSON.stringify(typed.map(s => s.text))}`);
      await heat.frame.locator(`#heatmap span.tok[data-i="${now.indexOf(typed[0])}"]`).scrollIntoViewIfNeeded();
      await shot(`live-typed-${label.replace(/\W+/g, '-')}`);
      for (let i = 0; i < unchanged; i++) {
        if (!Object.is(now[i].nll, first[i].nll) || !Object.is(now[i].entropy, first[i].entropy)) {
          throw new Error(`token ${i} ${JSON.stringify(now[i].text)} before the edit changed: nll ${first[i].nll} -> ${now[i].nll}`);
        }
      }
      assertMatchesCli(now, edited, after, 'after typing');
      const { kept, runs, line } = await loggedLiveRun(runDir, logged, after.tokens.length);
      log(`typed ${JSON.stringify(TYPED)} after token ${unchanged} of ${first.length}: ${kept} records kept, ${now.length - kept} re-scored (${runs} live run(s)); ${line.replace(/^.*\] /, '')}`);
      // Something was kept, nothing after the edit, and at most one window before it was scored again
      // (whole windows are kept; the first one scored again may resume from a KV checkpoint inside it).
      if (!(kept > 0 && kept <= unchanged && kept > unchanged - original.scoring.window)) {
        throw new Error(`${kept} records kept for an edit after token ${unchanged} (window ${original.scoring.window})`);
      }
      const status = await page.locator('.statusbar-item').filter({ hasText: 'bits/byte' }).first().innerText();
      if (!status.includes(after.summary.bitsPerByte.toFixed(3)) || status.includes('stale')) throw new Error(`status bar says ${status}, the CLI ${after.summary.bitsPerByte.toFixed(3)} bits/byte`);
    });

    await step(name('deleting the typed word brings back the first analysis, number for number'), async () => {
      if (!first) throw new Error('no first analysis');
      const logged = analysedLines(runDir, LIVE_FILE).length;
      for (let n = 0; n < TYPED.length; n++) await page.keyboard.press('Backspace', { delay: 40 });
      const heat = await heatmapOf(page, LIVE_TEXT);
      const now = await panelTokens(heat.frame);
      if (now.length !== first.length) throw new Error(`${now.length} tokens after the deletion, ${first.length} before the edit`);
      now.forEach((s, i) => {
        if (s.text !== first[i].text || !Object.is(s.nll, first[i].nll) || !Object.is(s.entropy, first[i].entropy)) {
          throw new Error(`token ${i}: ${JSON.stringify(s)} after the deletion, ${JSON.stringify(first[i])} at first`);
        }
      });
      const { kept } = await loggedLiveRun(runDir, logged, first.length);
      if (!(kept > 0 && kept <= unchanged)) throw new Error(`${kept} records kept when deleting after token ${unchanged}`);
    });
  } finally {
    // (A palette search for "View: Close Editor" would put the recently used "Close All Editors" first.)
    await focusEditor(page).catch(() => undefined);
    await runPaletteCommand(page, 'View: Revert and Close Editor').catch(() => undefined);
    rmSync(settingsDir, { recursive: true, force: true });
  }
}
