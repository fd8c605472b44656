/**
 * Export: the heatmap as the panel shows it, drawn into a canvas at the panel's resolution (its CSS
 * size times devicePixelRatio): the header band (title, figures, legend) and the visible part of the
 * document, each token's background in its bucket's theme colour and its text in the editor font.
 * Drawn from the DOM's own boxes (getClientRects), so wrapping and colours match the screen.
 */

/** Fills a box, text and all, from an element's computed style (the header's lines). */
function drawTextOf(ctx: CanvasRenderingContext2D, el: Element, top: number): void {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || !node.textContent?.trim()) continue;
    const style = getComputedStyle(parent);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    ctx.font = style.font;
    ctx.fillStyle = style.color;
    range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    if (box.width === 0) continue;
    ctx.fillText(node.textContent.trim(), box.left, box.top - top + box.height / 2);
  }
}

/** Paints the background of every element under `root` that has one (legend swatches). */
function drawBackgrounds(ctx: CanvasRenderingContext2D, root: Element, top: number): void {
  for (const el of root.querySelectorAll('*')) {
    const bg = getComputedStyle(el).backgroundColor;
    if (!bg || bg === 'transparent' || bg === 'rgba(0, 0, 0, 0)') continue;
    ctx.fillStyle = bg;
    for (const r of el.getClientRects()) ctx.fillRect(r.left, r.top - top, r.width, r.height);
  }
}

/** Draws one token span: its background boxes, then its characters where the layout put them. */
function drawToken(ctx: CanvasRenderingContext2D, span: HTMLElement, top: number, bottom: number, range: Range): void {
  const rects = span.getClientRects();
  if (rects.length === 0 || rects[rects.length - 1].bottom < top || rects[0].top > bottom) return;
  const style = getComputedStyle(span);
  const bg = style.backgroundColor;
  if (bg && bg !== 'rgba(0, 0, 0, 0)') {
    ctx.fillStyle = bg;
    for (const r of rects) ctx.fillRect(r.left, r.top, r.width, r.height);
  }
  ctx.fillStyle = style.color;
  const node = span.firstChild;
  const text = node?.textContent ?? '';
  if (!node || !text) return;
  // One box and no line break: the text in one call; otherwise per character, at its own box.
  if (rects.length === 1 && !text.includes('\n')) {
    ctx.fillText(text, rects[0].left, rects[0].top + rects[0].height / 2);
    return;
  }
  for (let c = 0; c < text.length; c++) {
    const ch = text[c];
    if (ch === '\n' || ch === '\r') continue;
    range.setStart(node, c);
    range.setEnd(node, c + 1);
    const r = range.getBoundingClientRect();
    if (r.width > 0) ctx.fillText(ch, r.left, r.top + r.height / 2);
  }
}

/** The PNG (base64, without the data: prefix) of the header and the visible heatmap. */
export function captureHeatmap(header: HTMLElement, heatmap: HTMLElement): string {
  const width = document.documentElement.clientWidth;
  const height = window.innerHeight;
  const scale = window.devicePixelRatio || 1;
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas in this webview');
  ctx.scale(scale, scale);
  const body = getComputedStyle(document.body);
  ctx.fillStyle = body.backgroundColor && body.backgroundColor !== 'rgba(0, 0, 0, 0)' ? body.backgroundColor
    : getComputedStyle(document.documentElement).getPropertyValue('--vscode-editor-background') || '#1e1e1e';
  ctx.fillRect(0, 0, width, height);
  ctx.textBaseline = 'middle';

  // The document first (the sticky header covers its top, as on screen).
  ctx.font = getComputedStyle(heatmap).font;
  const range = document.createRange();
  const headerBottom = header.getBoundingClientRect().bottom;
  for (const span of heatmap.querySelectorAll<HTMLElement>('span.tok, span.pending')) drawToken(ctx, span, headerBottom, height, range);

  const box = header.getBoundingClientRect();
  ctx.fillStyle = getComputedStyle(header).backgroundColor;
  ctx.fillRect(0, box.top, width, box.height);
  drawBackgrounds(ctx, header, 0);
  drawTextOf(ctx, header, 0);
  return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
}
