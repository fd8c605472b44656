/**
 * The layer-lens panel's static HTML, under the same CSP as the other panels (scripts only with a
 * fresh nonce, styles only from the extension's files). Data arrives by message.
 */
import type * as vscode from 'vscode';
import { webviewPageBasics } from './webviewHtml';

export function layerLensHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const { nonce, asset, head } = webviewPageBasics(webview, extensionUri);
  return `<!DOCTYPE html>
<html lang="en">
${head('Markov Lens Layer Lens', ['dist', 'layers.css'])}
<body data-state="empty">
<header id="header">
  <div id="title"></div>
  <div id="controls">
    <label for="metric">Colour by</label>
    <vscode-single-select id="metric"></vscode-single-select>
    <vscode-checkbox id="depth-colouring" title="Underline the tokens in the editor by the layer at which their prediction settles">Colour the editor by prediction depth</vscode-checkbox>
    <vscode-button id="alignment" secondary title="A_k of the spectrum panel at every layer (runs the analysis with the geometry)">Alignment per layer</vscode-button>
    <vscode-button id="recompute" secondary hidden>Recompute</vscode-button>
  </div>
  <div id="legend" aria-label="Colour scale"></div>
  <div id="status" role="status"></div>
</header>
<div id="grid-scroll">
  <div id="grid" role="grid" tabindex="0" aria-label="Layers by tokens: each layer's top prediction for each token"></div>
</div>
<section id="alignment-view" hidden>
  <h2>Alignment A_k per layer</h2>
  <div id="alignment-body"></div>
</section>
<div id="tooltip" role="tooltip" hidden></div>
<script nonce="${nonce}" src="${asset('dist', 'layers.js')}"></script>
</body>
</html>`;
}
