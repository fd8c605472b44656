/**
 * The spectrum panel's static HTML, under the same CSP as the heatmap panel: scripts only with a
 * fresh nonce, styles only from the extension's files (chart.js sizes canvases through the CSSOM,
 * which style-src does not govern). Data arrives by message.
 */
import type * as vscode from 'vscode';
import { webviewPageBasics } from './webviewHtml';

export function spectrumHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const { nonce, asset, head } = webviewPageBasics(webview, extensionUri);
  const view = (id: string, title: string) => `<section class="view" id="${id}-view">
    <h2>${title}</h2>
    <div class="provenance" id="${id}-provenance"></div>
    <div class="chart"><canvas id="${id}-canvas" role="img" aria-label="${title}"></canvas></div>
    <div class="note" id="${id}-note"></div>
  </section>`;
  return `<!DOCTYPE html>
<html lang="en">
${head('Markov Lens Spectrum', ['dist', 'spectrum.css'])}
<body>
<header id="header">
  <div id="title"></div>
  <div id="controls">
    <label for="kernel">Kernel</label><vscode-single-select id="kernel"></vscode-single-select>
    <label for="side">Side</label><vscode-single-select id="side"></vscode-single-select>
    <label for="eigen-j">Eigen-index</label><vscode-single-select id="eigen-j"></vscode-single-select>
    <label for="coords">Scatter</label><vscode-single-select id="coords"></vscode-single-select>
    <label for="colour-by">Colour by</label><vscode-single-select id="colour-by"></vscode-single-select>
  </div>
  <div id="status" role="status"></div>
</header>
<main id="views" hidden>
  ${view('spectrum', 'Operator spectrum λⱼ, readouts ρⱼ and A_k')}
  ${view('scatter', 'Tokens in two eigen-coordinates')}
  ${view('calibration', 'Calibration: mean NLL against mean entropy')}
</main>
<script nonce="${nonce}" src="${asset('dist', 'spectrum.js')}"></script>
</body>
</html>`;
}
