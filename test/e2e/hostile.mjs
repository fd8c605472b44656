// Hostile-input scenarios for the browser E2E (issue 7.3): a document full of markup, script and
// attribute-breaking quotes, and a model whose vocabulary and folder name hold HTML. Nothing may
// execute (a canary global / the frame title would change) and everything must render as text.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contextMenu, finishedHeatmap, runPaletteCommand, waitUntil } from './workbench.mjs';

/** Every payload sets window.__pwned (or the title) if it ever runs. */
export const HOSTILE_TEXT = [
  '<script>window.__pwned = 1; document.title = "pwned"</script>',
  '<img src=x onerror="window.__pwned = 2; document.title = \'pwned\'">',
  '<a href="javascript:window.__pwned = 3">click me</a> <a href=\'javascript:alert(1)\'>x</a>',
  '"><svg onload=window.__pwned=4>\' onmouseover=\'window.__pwned=5\' x="',
  '<iframe srcdoc="<script>parent.__pwned = 6</script>"></iframe> <style>body{display:none}</style>',
  '&lt;already escaped&gt; &amp; &#60;script&#62; {{constructor.constructor("window.__pwned=7")()}} ${window.__pwned=8}',
  '',
].join('\n');

/** The HTML an added vocabulary token and the model folder name carry. */
export const VOCAB_HTML = '<script>window.__pwned=10</script>';
const FOLDER_HTML = 'm<img src=x onerror=window.__pwned=9>';

/**
 * A copy of the gpt2-bytelevel fixture whose folder name is HTML and whose tokenizer gains a
 * non-special added token (reusing id 100, so the logits width is unchanged) spelled as a script tag.
 */
export function craftHtmlModel(repoRoot, parent) {
  const dir = join(parent, FOLDER_HTML);
  mkdirSync(parent, { recursive: true });
  cpSync(join(repoRoot, 'test/fixtures/models/gpt2-bytelevel'), dir, { recursive: true });
  const path = join(dir, 'tokenizer.json');
  const json = JSON.parse(readFileSync(path, 'utf8'));
  json.added_tokens.push({ id: 100, content: VOCAB_HTML, single_word: false, lstrip: false, rstrip: false, normalized: false, special: false });
  writeFileSync(path, JSON.stringify(json));
  return dir;
}

/** What the panel frame would show if anything had run or become markup. */
async function canaries(frame) {
  return frame.evaluate(() => {
    const tags = 'script, img, a, svg, iframe, style, b';
    return {
      pwned: window.__pwned,
      title: document.title,
      // Elements that only the payloads could have created (the panel itself makes divs and spans).
      markup: document.querySelectorAll(`#heatmap :is(${tags}), #tooltip :is(${tags}), #header :is(${tags}), img[src="x"], iframe[srcdoc], a[href^="javascript"], svg[onload]`).length,
      scripts: [...document.scripts].filter(s => /pwned/.test(s.textContent ?? '')).length,
      hidden: getComputedStyle(document.body).display === 'none',
    };
  });
}

function assertClean(state, where) {
  if (state.pwned !== undefined) throw new Error(`${where}: a payload ran (window.__pwned = ${state.pwned})`);
  if (/pwned/.test(state.title)) throw new Error(`${where}: the title changed to ${state.title}`);
  if (state.markup !== 0) throw new Error(`${where}: ${state.markup} elements came from document or model text`);
  if (state.scripts !== 0) throw new Error(`${where}: ${state.scripts} script elements hold payload text`);
  if (state.hidden) throw new Error(`${where}: a <style> from the text applied`);
}

/**
 * No inline script, no eval, no remote origin: default-src 'none', scripts only by nonce, and every
 * other source is the webview's own resource origin (the value style-src carries, webview.cspSource).
 */
export function checkCsp(csp) {
  const directives = new Map(csp.split(';').map(d => d.trim().split(/\s+/)).filter(d => d[0]).map(([name, ...sources]) => [name, sources]));
  const own = new Set(directives.get('style-src') ?? []);
  const problems = [];
  if ((directives.get('default-src') ?? []).join(' ') !== "'none'") problems.push("default-src is not 'none'");
  const scripts = directives.get('script-src') ?? [];
  if (!scripts.length || !scripts.every(s => /^'nonce-[A-Za-z0-9+/=]{16,}'$/.test(s))) problems.push(`script-src allows more than a nonce: ${scripts.join(' ')}`);
  for (const [name, sources] of directives) {
    for (const s of sources) {
      if (/unsafe-|^\*$|^https?:$|^data:|^blob:/.test(s)) problems.push(`${name} allows ${s}`);
      else if (s !== "'none'" && !s.startsWith("'nonce-") && !own.has(s)) problems.push(`${name} names another origin ${s}`);
    }
  }
  for (const s of own) if (/^\*$|^https?:$|unsafe-/.test(s)) problems.push(`the webview origin is a wildcard: ${s}`);
  if (problems.length) throw new Error(`weak CSP (${problems.join('; ')}): ${csp}`);
}

/** Hovers the token covering character `offset` of the document and returns its text and the tooltip's. */
async function tooltipAt(frame, offset) {
  const { index, text: token } = await frame.evaluate(at => {
    let end = 0;
    const spans = [...document.querySelectorAll('#heatmap span.tok')];
    for (let i = 0; i < spans.length; i++) {
      end += spans[i].textContent.length;
      if (end > at) return { index: i, text: spans[i].textContent };
    }
    return { index: -1, text: '' };
  }, offset);
  if (index < 0) throw new Error(`no token at offset ${offset}`);
  const span = frame.locator('#heatmap span.tok').nth(index);
  await span.hover();
  const tip = frame.locator('#tooltip:not([hidden])');
  await tip.waitFor({ timeout: 10_000 });
  return { span, token, text: await tip.innerText() };
}

/** The Explorer item for a file just written (the file watcher can lag: refresh until it shows). */
async function explorerItem(page, name) {
  const item = page.getByRole('treeitem', { name }).first();
  await waitUntil(`${name} in the Explorer`, async () => {
    if (await item.isVisible().catch(() => false)) return true;
    await runPaletteCommand(page, 'Refresh Explorer').catch(() => page.keyboard.press('Escape'));
    return item.waitFor({ timeout: 3000 }).then(() => true, () => false);
  }, 30_000, 500);
  return item;
}

export async function hostileScenarios({ page, step, shot, log, workspace, runDir, repoRoot }) {
  await step('a document of HTML, script tags, javascript: URLs and quotes renders literally and nothing runs', async () => {
    writeFileSync(join(workspace, 'hostile.html'), HOSTILE_TEXT);
    const item = await explorerItem(page, 'hostile.html');
    await contextMenu(page, item, 'Analyze File');
    const heat = await finishedHeatmap(page, 'hostile.html');
    await shot('hostile-document');
    if (heat.spans.join('') !== HOSTILE_TEXT) throw new Error('the spans together are not the document text');
    assertClean(await canaries(heat.frame), 'after render');
    const { span, token, text } = await tooltipAt(heat.frame, HOSTILE_TEXT.indexOf('javascript:') + 4);
    if (!text.includes(token.trim())) throw new Error(`tooltip does not show the token ${JSON.stringify(token)} literally: ${text}`);
    const script = await tooltipAt(heat.frame, HOSTILE_TEXT.indexOf('<script>'));
    if (!script.text.includes(script.token.trim())) throw new Error(`tooltip does not show ${JSON.stringify(script.token)} literally: ${script.text}`);
    const url = heat.frame.url();
    await span.click();
    await page.waitForTimeout(500);
    if (heat.frame.url() !== url) throw new Error('clicking a javascript: token navigated the panel');
    assertClean(await canaries(heat.frame), 'after hover and click');
    if (await page.evaluate(() => window.__pwned) !== undefined) throw new Error('a payload ran in the workbench page');
    const csp = await heat.frame.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '');
    checkCsp(csp);
    log(`hostile document: ${heat.spans.length} tokens literal; CSP ${csp}`);
  });

  await step('a model whose vocabulary and folder name hold HTML shows them as text', async () => {
    const model = craftHtmlModel(repoRoot, join(runDir, 'hostile-models'));
    const doc = `Hello ${VOCAB_HTML} there.\n`;
    writeFileSync(join(workspace, 'vocab.txt'), doc);
    const settingsFile = join(workspace, '.vscode/settings.json');
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    writeFileSync(settingsFile, JSON.stringify({ 'markovLens.modelPath': model }));
    try {
      const item = await explorerItem(page, 'vocab.txt');
      // Settings files apply asynchronously: re-run until the header names the crafted model.
      const heat = await waitUntil('the analysis with the crafted model', async () => {
        await contextMenu(page, item, 'Analyze File');
        const h = await finishedHeatmap(page, 'vocab.txt', 30_000);
        // The header's Model figure, not the whole header: until the crafted model's own run, the
        // previous result stays on screen marked outdated, and that notice names the new folder.
        const named = await h.frame.locator('[data-figure="Model"] .figure-value').innerText().catch(() => '');
        const tokens = Number(await h.frame.locator('[data-figure="Tokens"] .figure-value').innerText().catch(() => 'NaN'));
        const header = await h.frame.locator('#header').innerText();
        return named === FOLDER_HTML && tokens === h.spans.length ? { ...h, header } : undefined;
      }, 90_000, 1000);
      await shot('hostile-model');
      if (heat.spans.join('') !== doc) throw new Error('the spans together are not the document text');
      if (!heat.spans.includes(VOCAB_HTML)) throw new Error(`the added token is not one span: ${JSON.stringify(heat.spans)}`);
      const { text, token } = await tooltipAt(heat.frame, doc.indexOf(VOCAB_HTML));
      if (token !== VOCAB_HTML) throw new Error(`the token at the added entry is ${JSON.stringify(token)}`);
      if (!text.includes(VOCAB_HTML)) throw new Error(`tooltip does not show the vocabulary entry literally: ${text}`);
      assertClean(await canaries(heat.frame), 'model strings');
    } finally {
      rmSync(join(workspace, '.vscode'), { recursive: true, force: true });
    }
  });
}
