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
  return { nonce, csp, asset: (...p) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString() };
}
