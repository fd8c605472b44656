/**
 * The spectrum panel's static HTML, under the same CSP as the heatmap panel: scripts only with a
 * fresh nonce, styles only from the extension's files (chart.js sizes canvases through the CSSOM,
 * which style-src does not govern). Data arrives by message. Every chart has a one-sentence caption
 * in plain words and a link to the README section that explains it; "What am I looking at?" says
 * what the panel is for.
 */
import type * as vscode from 'vscode';
import { webviewPageBasics } from './webviewHtml';

interface View { id: string; title: string; caption: string; docs: string; extra?: string }

const VIEWS: View[] = [
  {
    id: 'spectrum', title: 'Operator spectrum: λⱼ, readouts ρⱼ and A_k', docs: 'reading-the-spectrum-panel',
    caption: 'Each blue bar is one direction along which the model’s predictions vary across this document (largest first), the orange bar beside it is how much of that direction a straight-line readout of the model’s hidden state recovers, and the green line is the share recovered so far, against what chance alignment gives (dashed).',
  },
  {
    id: 'scatter', title: 'Tokens in two eigen-coordinates', docs: 'reading-the-spectrum-panel',
    caption: 'Each dot is one token, placed by where it sits along two of those directions, so tokens the model treats alike land close together; the colour bar says what the colours mean.',
    extra: `<div class="colourbar"><canvas id="scatter-colourbar" height="34" role="img" aria-label="Colour bar of the scatter"></canvas></div>
    <div id="scatter-live" class="note" role="status" aria-live="polite"></div>`,
  },
  {
    id: 'calibration', title: 'Calibration: mean NLL against mean entropy', docs: 'reading-the-spectrum-panel',
    caption: 'Tokens are grouped by how uncertain the model was (entropy); if the text were written the way the model expects, each group’s average surprise (NLL) would sit on the dashed diagonal.',
  },
];

export function spectrumHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const { nonce, asset, head } = webviewPageBasics(webview, extensionUri);
  const view = (v: View) => `<section class="view" id="${v.id}-view" aria-labelledby="${v.id}-title">
    <h2 id="${v.id}-title">${v.title}</h2>
    <p class="caption" id="${v.id}-caption">${v.caption} <a href="#" class="docs" data-docs="${v.docs}">Learn more</a></p>
    <div class="provenance" id="${v.id}-provenance"></div>
    <div class="chart"><canvas id="${v.id}-canvas" role="img" aria-label="${v.title}" aria-describedby="${v.id}-caption"${v.id === 'scatter' ? ' tabindex="0"' : ''}></canvas></div>
    ${v.extra ?? ''}
    <div class="note" id="${v.id}-note"></div>
  </section>`;
  return `<!DOCTYPE html>
<html lang="en">
${head('Markov Lens Spectrum', ['dist', 'spectrum.css'])}
<body>
<header id="header">
  <div id="title"></div>
  <div id="controls">
    <span class="control"><label for="kernel">Kernel</label><vscode-single-select id="kernel" aria-label="Kernel"></vscode-single-select></span>
    <span class="control"><label for="side">Side</label><vscode-single-select id="side" aria-label="Side"></vscode-single-select></span>
    <span class="control"><label for="eigen-j">Eigen-index</label><vscode-single-select id="eigen-j" aria-label="Eigen-index"></vscode-single-select></span>
    <span class="control"><label for="coords">Scatter</label><vscode-single-select id="coords" aria-label="Scatter coordinates"></vscode-single-select></span>
    <span class="control"><label for="colour-by">Colour by</label><vscode-single-select id="colour-by" aria-label="Colour the scatter by"></vscode-single-select></span>
  </div>
  <div id="unavailable" class="note"></div>
  <div id="status" role="status"></div>
</header>
<details id="explain">
  <summary>What am I looking at?</summary>
  <p>A language model turns each position of your text into a hidden state (a list of numbers) and, from it, a prediction of the next token. This panel asks whether the hidden states are organised the way the predictions are, which is what the paper behind Markov Lens (arXiv 2507.19247) says training with NLL produces.</p>
  <p><b>Operator spectrum.</b> Compare every pair of positions by how similar their predictions are (the kernel) and find the main directions of that similarity: λⱼ says how much of it direction j holds. ρⱼ says how much of direction j a linear readout of the hidden state reproduces (never more than λⱼ). A_k, the share ρ/λ over the first k directions, is high when the hidden states line up with the predictions; the dashed band is the same score with the hidden states shifted in time, i.e. chance.</p>
  <p><b>Token scatter.</b> Every token is a dot at its coordinates on two of those directions (ψ) or on their hidden-state readouts (φ). Click a dot, or move through the dots with the arrow keys and press Enter, to see the token in the editor.</p>
  <p><b>Calibration.</b> If the text were sampled from the model, its average surprise (NLL) would equal its average uncertainty (entropy) in every group; the martingale Z sums the gap over the document and is about N(0, 1) for model-sampled text. −Z is Fast-DetectGPT’s analytic criterion (arXiv 2310.05130): machine-written text tends to give a large −Z.</p>
  <p>Each figure says whether it is <i>exact</i>, <i>exact-truncated</i> (from the top-k predictions), <i>model-defined</i> or <i>heuristic</i>. <a href="#" class="docs" data-docs="representation-geometry">The README explains each one.</a></p>
</details>
<main id="views" hidden>
  ${VIEWS.map(view).join('\n  ')}
</main>
<script nonce="${nonce}" src="${asset('dist', 'spectrum.js')}"></script>
</body>
</html>`;
}
