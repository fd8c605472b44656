// E2E scenario for the spectrum panel: open it from the heatmap's button, read the plotted numbers
// from its JSON block, click a scatter point and check the editor selects that token. Also collects
// CSP violations the webviews log.
import { waitUntil } from './workbench.mjs';

/** The spectrum webview's inner frame once it shows a finished geometry (data-state=ready). */
export async function spectrumFrame(page, timeoutMs = 180_000, accept = () => true) {
  return waitUntil('the spectrum panel with its charts', async () => {
    for (const f of page.frames()) {
      if ((await f.locator('#chart-data').count().catch(() => 0)) === 0) continue;
      const state = await f.evaluate(() => ({ state: document.body.dataset.state, status: document.getElementById('status')?.textContent }));
      if (state.state === 'empty' && state.status) throw new Error(`spectrum panel says: ${state.status}`);
      if (state.state !== 'ready') continue;
      const data = await chartData(f);
      if (data && accept(data)) return { frame: f, data };
    }
    return undefined;
  }, timeoutMs, 500);
}

export async function chartData(frame) {
  return frame.evaluate(() => JSON.parse(document.getElementById('chart-data')?.textContent ?? 'null'));
}

/** The scatter point farthest from its nearest neighbour (so a click cannot hit another one). */
export function isolatedPoint(data, usable) {
  const px = data.scatter.pixels;
  let best = -1;
  let bestGap = -1;
  px.forEach(([x, y], i) => {
    if (!usable(data.scatter.tokens[i])) return;
    let gap = Infinity;
    px.forEach(([u, v], k) => { if (k !== i) gap = Math.min(gap, Math.hypot(u - x, v - y)); });
    if (gap > bestGap) { bestGap = gap; best = i; }
  });
  return { index: best, gap: bestGap };
}

/** Line and column (1-based, as the status bar shows them; no tabs before the offset) of a text offset. */
export function lineColumn(text, offset) {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}
