/** The folder scan panel's static HTML, under the shared CSP (scripts only with a fresh nonce). Data arrives by message. */
import type * as vscode from 'vscode';
import { webviewPageBasics } from './webviewHtml';

export function folderScanHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const { nonce, asset, head } = webviewPageBasics(webview, extensionUri);
  const column = (key: string, label: string, title: string, numeric = false) =>
    `<th scope="col" data-key="${key}" aria-sort="none" title="${title}"${numeric ? ' class="num"' : ''}><button type="button" class="sort" data-key="${key}">${label}<span class="arrow" aria-hidden="true"></span></button></th>`;
  return `<!DOCTYPE html>
<html lang="en">
${head('Markov Lens Folder Scan', ['media', 'folderScan.css'])}
<body data-state="loading">
<header id="header">
  <div id="title-row"><h1 id="title"></h1><span id="model"></span></div>
  <div id="controls">
    <input id="filter" type="search" placeholder="Filter by path" aria-label="Filter files by path">
    <button type="button" id="cancel">Cancel</button>
    <button type="button" id="rerun">Scan again</button>
    <button type="button" id="export">Export JSONL</button>
  </div>
  <div id="progress-row"><progress id="progress" max="1" value="0"></progress><span id="status" role="status" aria-live="polite"></span></div>
</header>
<main>
  <table id="files" aria-label="Files ranked by bits per byte">
    <thead><tr>${column('path', 'File', 'Path in the folder')}${column('tokens', 'Tokens', 'Tokens scored', true)}${column('bitsPerByte', 'Bits/byte', 'Bits per byte: total NLL / ln 2 / UTF-8 bytes (exact)', true)}${column('meanEntropy', 'Entropy', 'Mean entropy of the next-token distribution, bits per token (exact)', true)}${column('hot', 'Hottest passage', 'The 16 tokens with the highest mean NLL: line and text (click to select it)')}</tr></thead>
    <tbody id="rows"></tbody>
  </table>
  <div id="more" hidden></div>
</main>
<script nonce="${nonce}" src="${asset('dist', 'folderScan.js')}"></script>
</body>
</html>`;
}
