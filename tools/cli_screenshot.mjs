// Renders `markov-lens analyze FILE --format text` (its ANSI colours) to a PNG for the README, in
// Debian's Chromium through playwright-core. Usage: node tools/cli_screenshot.mjs FILE OUT.png [--lines N]
import { spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';

const [file, out] = process.argv.slice(2);
const maxLines = Number(process.argv[process.argv.indexOf('--lines') + 1]) || 40;
const r = spawnSync(process.execPath, ['dist/cli.js', 'analyze', file, '--format', 'text', '--color'], {
  encoding: 'utf8', env: { ...process.env, COLORTERM: 'truecolor' },
});
if (r.status !== 0) throw new Error(r.stderr);

const escapeHtml = s => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const xterm = n => { // the 6x6x6 cube of the 256-colour palette (all our formatter uses)
  const v = [0, 95, 135, 175, 215, 255];
  const i = n - 16;
  return `rgb(${v[Math.floor(i / 36)]},${v[Math.floor(i / 6) % 6]},${v[i % 6]})`;
};
function toHtml(ansi) {
  let html = '';
  let open = false;
  for (const part of ansi.split(/(\x1b\[[0-9;]*m)/)) {
    const m = /^\x1b\[([0-9;]*)m$/.exec(part);
    if (!m) { html += escapeHtml(part); continue; }
    if (open) { html += '</span>'; open = false; }
    const codes = m[1].split(';').map(Number);
    const at = codes.indexOf(48);
    if (at < 0) continue;
    const bg = codes[at + 1] === 2 ? `rgb(${codes.slice(at + 2, at + 5).join(',')})` : xterm(codes[at + 2]);
    html += `<span style="background:${bg};color:#000">`;
    open = true;
  }
  return html + (open ? '</span>' : '');
}

const lines = r.stdout.split('\n');
const body = [...lines.slice(0, maxLines), ...(lines.length > maxLines + 3 ? ['…'] : []), ...lines.slice(-3)].join('\n');
const page = `<!doctype html><meta charset="utf-8"><body style="margin:0;background:#1e1e1e">
<pre style="margin:0;padding:14px;font:13px/1.35 'DejaVu Sans Mono',monospace;color:#ddd;white-space:pre-wrap;width:1100px">$ markov-lens analyze ${escapeHtml(file)} --format text
${toHtml(body)}</pre>`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const tab = await browser.newPage({ viewport: { width: 1130, height: 200 } });
await tab.setContent(page);
await tab.locator('pre').screenshot({ path: out });
await browser.close();
console.log(`wrote ${out}`);
