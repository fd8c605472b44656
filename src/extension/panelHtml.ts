/**
 * The panel's static HTML. Nothing from the document is templated in (data arrives by message and
 * is put in the DOM with textContent). CSP: no default source, scripts only with a fresh crypto
 * nonce per render, styles and fonts only from the extension's own resources.
 */
import type * as vscode from 'vscode';
import { webviewPageBasics } from './webviewHtml';

export function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const { nonce, asset, head } = webviewPageBasics(webview, extensionUri);
  return `<!DOCTYPE html>
<html lang="en">
${head('Markov Lens', ['media', 'panel.css'])}
<body>
<header id="header">
  <div id="title"></div>
  <div id="summary" aria-label="Document figures"></div>
  <div id="controls">
    <span class="control"><label for="metric">Colour by</label>
    <vscode-single-select id="metric" aria-label="Colour by"></vscode-single-select></span>
    <span class="control"><label for="scale">Scale</label>
    <vscode-single-select id="scale" aria-label="Colour scale"></vscode-single-select></span>
    <vscode-checkbox id="follow" checked title="Keep the panel on the editor's visible lines">Follow editor</vscode-checkbox>
    <vscode-button id="rerun" secondary>Re-run</vscode-button>
    <vscode-button id="show-spectrum" secondary title="Operator spectrum, token scatter and calibration">Spectrum</vscode-button>
    <vscode-button id="export" secondary title="Save the analysis (JSON, CSV) or this view (PNG)">Export…</vscode-button>
  </div>
  <div id="legend" role="group" aria-label="Colour scale: what each colour means and its share of the tokens"></div>
  <div id="status" role="status"></div>
</header>
<main id="heatmap" tabindex="0" role="listbox" aria-label="Heatmap of the document"></main>
<div id="tooltip" role="tooltip" hidden></div>
<script nonce="${nonce}" src="${asset('dist', 'webview.js')}"></script>
</body>
</html>`;
}
