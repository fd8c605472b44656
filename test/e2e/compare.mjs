// E2E scenarios for comparisons (issue 16), in the real workbench: "Compare With Model…" from the
// Explorer context menu with the folder dialog, the panel switching to a signed (diverging) metric,
// an editor hover with both models' top-k lists, and the status bar's mean KLD. The numbers are
// checked against `markov-lens compare` on the same files (the CLI and the extension share the engine).
import { execFileSync } from 'node:child_process';
import { basename, join } from 'node:path';
import { contextMenu, editorHover, finishedHeatmap, openFromExplorer, sleep, waitUntil } from './workbench.mjs';

/** The model's twin for comparisons: the bundled model's float16 twin, else gpt2-bytelevel's noisy one. */
export function twinOf(repoRoot, modelPath) {
  const name = modelPath.endsWith(join('models', 'default')) ? 'default-fp16' : 'gpt2-bytelevel-noisy';
  return join(repoRoot, 'test', 'fixtures', 'models', name);
}

function cliCompare(repoRoot, file, model, against) {
  const json = execFileSync(process.execPath, [join(repoRoot, 'dist/cli.js'), 'compare', file, '--model', model, '--against', against, '--format', 'json'],
    { encoding: 'utf8', maxBuffer: 1 << 28 });
  return JSON.parse(json);
}

/** Picks `folder` through the model picker's Browse… and VS Code's simple folder dialog (a quick input with a path box and an OK button). */
async function pickFolder(page, folder, shot) {
  const browse = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Browse…' }).first();
  const input = page.locator('.quick-input-widget input');
  await browse.waitFor({ timeout: 15_000 });
  // The picker's list is still filling in (the Hugging Face cache and the workspace are read
  // asynchronously), so a click can land on a row that moves: the list is filtered down to Browse…
  // before it is clicked, once more if the folder dialog did not come (seen once in a clean-clone run).
  for (let attempt = 1; ; attempt++) {
    await input.fill('Browse');
    await waitUntil('Browse… alone in the picker', async () => {
      const rows = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts();
      return rows.length === 1 && rows[0].includes('Browse…');
    }, 15_000);
    await browse.click();
    // The folder dialog fills in its starting folder asynchronously: typing before that lands in
    // front of it. Wait for it, then type until the box holds exactly the wanted path.
    const opened = await waitUntil('the folder dialog', async () => (await input.inputValue().catch(() => '')).startsWith('/'), 10_000).then(() => true, e => e);
    if (opened === true) break;
    if (attempt >= 2 || !(await browse.isVisible().catch(() => false))) throw opened;
  }
  const wanted = folder.endsWith('/') ? folder : `${folder}/`;
  await waitUntil(`the folder dialog to hold ${wanted}`, async () => {
    await input.fill(wanted);
    await sleep(300);
    return (await input.inputValue()) === wanted;
  }, 15_000, 500);
  await sleep(500); // the dialog lists the folder's contents
  if (shot) await shot();
  const ok = page.locator('.quick-input-widget').getByRole('button', { name: /OK|Compare With This Model/ }).first();
  if (await ok.isVisible().catch(() => false)) await ok.click();
  else await page.keyboard.press('Enter');
}

export async function compareScenarios({ page, step, shot, log, workspace, repoRoot, modelPath, sampleText }) {
  const against = twinOf(repoRoot, modelPath);
  const otherName = basename(against);
  const reference = cliCompare(repoRoot, join(workspace, 'sample.txt'), modelPath, against);
  log(`compare reference: ${reference.tokens.length} tokens, mean KLD ${reference.summary.kld.mean}`);

  await step('Explorer right-click > Compare With Model… (folder dialog) shows the comparison in the panel', async () => {
    await contextMenu(page, page.getByRole('treeitem', { name: 'sample.txt' }).first(), 'Compare With Model…', () => shot('compare-context-menu'));
    await pickFolder(page, against, () => shot('compare-folder-dialog'));
    const heat = await finishedHeatmap(page, 'sample.txt', 120_000, () => true);
    const figures = await waitUntil('the comparison figures in the header', async () => {
      const f = await heat.frame.evaluate(() => Object.fromEntries([...document.querySelectorAll('#summary .figure')].map(e => [e.dataset.figure, e.querySelector('.figure-value')?.textContent])));
      return f['Compared with'] ? f : undefined;
    }, 60_000);
    await shot('compare-panel-kl');
    if (figures['Compared with'] !== otherName) throw new Error(`header compares with ${figures['Compared with']}`);
    if (!figures['Mean KLD'] || !figures['Same top-1'] || !figures['PPL ratio'] || !figures.Acceptance) throw new Error(`header figures: ${JSON.stringify(figures)}`);
    const { frame } = await finishedHeatmap(page, 'sample.txt');
    const legend = await frame.locator('#legend .legend-title').innerText();
    if (!legend.startsWith('KL(base')) throw new Error(`legend says ${legend}`);
    const kl = await frame.evaluate(() => [...document.querySelectorAll('#heatmap span.tok')].map(s => Number(s.dataset.kl)));
    if (kl.length !== reference.tokens.length) throw new Error(`${kl.length} spans, the CLI ${reference.tokens.length} tokens`);
    reference.tokens.forEach((t, i) => {
      if (Math.abs(kl[i] - t.kl) > 1e-9) throw new Error(`token ${i}: panel KL ${kl[i]}, CLI ${t.kl}`);
    });
  });

  await step('the comparison panel switches to ΔNLL on a diverging scale', async () => {
    const { frame } = await finishedHeatmap(page, 'sample.txt');
    await frame.locator('#metric').click();
    const option = frame.getByRole('option', { name: 'ΔNLL, other − base (bits)', exact: true });
    await option.waitFor({ timeout: 10_000 });
    await shot('compare-metric-dropdown');
    await option.click();
    const classes = await waitUntil('the diverging classes', async () => {
      // The colour class of each token (a selected token also carries 'selected').
      const c = await frame.evaluate(() => [...document.querySelectorAll('#heatmap span.tok')].map(s => s.className.replace(/ selected$/, '')));
      return c.some(x => / d\d/.test(x)) ? c : undefined;
    }, 10_000);
    await shot('compare-panel-dnll');
    // The scale does not apply to a comparison metric: its control says so instead of offering a no-op.
    const scaleControl = await frame.evaluate(() => ({ disabled: document.getElementById('scale')?.hasAttribute('disabled'), title: document.getElementById('scale')?.title }));
    if (!scaleControl.disabled || !/comparison metric/.test(scaleControl.title)) throw new Error(`the scale control under a comparison metric: ${JSON.stringify(scaleControl)}`);
    const legend = await frame.locator('#legend').innerText();
    if (!legend.includes('ΔNLL') || !legend.includes(`${otherName} better`)) throw new Error(`legend: ${legend}`);
    const expected = reference.tokens.map(t => {
      const bits = t.dNll / Math.LN2;
      const bounds = [-2, -0.5, -0.05, 0.05, 0.5, 2];
      const b = bounds.findIndex(x => bits < x);
      return `tok d${b < 0 ? bounds.length : b}`;
    });
    const wrong = expected.findIndex((c, i) => c !== classes[i]);
    if (wrong >= 0) throw new Error(`token ${wrong}: class ${classes[wrong]}, expected ${expected[wrong]} (ΔNLL ${reference.tokens[wrong].dNll})`);
    // Back to KL for the hover step's inline heatmap.
    await frame.locator('#metric').click();
    await frame.getByRole('option', { name: 'KL(base ‖ other) (bits)', exact: true }).click();
  });

  await step('a hover in the editor shows both models\' top-k lists', async () => {
    await openFromExplorer(page, 'sample.txt', 'The quick brown fox');
    const offset = sampleText.indexOf('brown') + 1;
    const index = reference.tokens.findIndex(t => t.start <= offset && offset < t.end);
    const tok = reference.tokens[index];
    const text = await editorHover(page, 'The quick brown fox', offset);
    await shot('compare-hover');
    if (!text.includes(`Compared with ${otherName}`)) throw new Error(`hover lacks the comparison: ${text}`);
    const model = reference.models.model.name;
    for (const [list, name] of [[tok.model.top, model], [tok.against.top, otherName]]) {
      if (!text.includes(name)) throw new Error(`hover lacks the column of ${name}`);
      const first = `${(list[0][1] * 100).toFixed(1)}%`;
      if (!text.includes(first)) throw new Error(`hover lacks ${name}'s top probability ${first}: ${text}`);
    }
  });

  await step('the status bar shows the mean KLD', async () => {
    const item = page.locator('.statusbar-item').filter({ hasText: 'KLD' }).first();
    await item.waitFor({ timeout: 10_000 });
    const text = await item.innerText();
    const mean = reference.summary.kld.mean;
    const shown = mean !== 0 && Math.abs(mean) < 1e-3 ? mean.toExponential(2) : mean.toFixed(4);
    if (!text.includes(`KLD ${shown}`)) throw new Error(`status bar says ${text}, expected KLD ${shown}`);
    await shot('compare-status-bar');
  });
}
