/**
 * What every Markov Lens webview page shares: a fresh crypto nonce per render, the Content-Security-
 * Policy (no default source, scripts only with that nonce, styles, fonts and images only from the
 * extension's own resources) and URIs of the extension's files as the webview may load them.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export interface WebviewPageBasics {
  nonce: string;
  csp: string;
  asset(...path: string[]): string;
  /** The document's <head>: charset, CSP, viewport, the shared base.css, then `stylesheet`. */
  head(title: string, stylesheet: string[]): string;
}

export function webviewPageBasics(webview: vscode.Webview, extensionUri: vscode.Uri): WebviewPageBasics {
  const nonce = randomBytes(16).toString('base64');
  const csp = [
    `default-src 'none'`,
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
  ].join('; ');
  const asset = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  const head = (title: string, stylesheet: string[]) => `<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('media', 'base.css')}">
<link rel="stylesheet" href="${asset(...stylesheet)}">
<title>${title}</title>
</head>`;
  return { nonce, csp, asset, head };
}
