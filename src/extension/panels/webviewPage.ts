// The vscode side of webviewHtml: the local resource roots every Labbook page may load from, and the page of
// one webview entry (dist/webview/<name>.js with media/base.css and media/<name>.css) for a panel or a view.

import * as vscode from 'vscode';
import { newNonce, pageStylesheets, webviewHtml } from './webviewHtml';

/** The folders a Labbook webview may load from: the built webview scripts and media/. */
export function webviewRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
}

/** Sets the page of entry `name` (dist/webview/<name>.js, media/base.css + <name>.css) with a fresh nonce. */
export function showWebviewPage(webview: vscode.Webview, extensionUri: vscode.Uri, name: string, title: string): void {
  const [scripts, media] = webviewRoots(extensionUri);
  webview.html = webviewHtml({
    cspSource: webview.cspSource,
    nonce: newNonce(),
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(scripts, `${name}.js`)).toString(),
    styleUris: pageStylesheets(name).map((file) => webview.asWebviewUri(vscode.Uri.joinPath(media, file)).toString()),
    title,
  });
}
