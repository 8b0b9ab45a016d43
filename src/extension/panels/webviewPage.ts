// The vscode side of webviewHtml: the local resource roots every Labbook page may load from, and the page of
// one webview entry (dist/webview/<name>.js with media/<name>.css) for a panel or a view.

import * as vscode from 'vscode';
import { newNonce, webviewHtml } from './webviewHtml';

/** The folders a Labbook webview may load from: the built webview scripts and media/. */
export function webviewRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
}

/** Sets the page of entry `name` (dist/webview/<name>.js, media/<name>.css) with a fresh nonce. */
export function showWebviewPage(webview: vscode.Webview, extensionUri: vscode.Uri, name: string, title: string): void {
  const [scripts, media] = webviewRoots(extensionUri);
  webview.html = webviewHtml({
    cspSource: webview.cspSource,
    nonce: newNonce(),
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(scripts, `${name}.js`)).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, `${name}.css`)).toString(),
    title,
  });
}
