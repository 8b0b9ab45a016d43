// The vscode side of webviewHtml: the local resource roots every Labbook page may load from, and the page of
// one webview entry (dist/webview/<name>.js with media/base.css and media/<name>.css) for a panel or a view.

import * as vscode from 'vscode';
import type { HostLog, WebviewSurface } from './webviewHost';
import { newNonce, pageStylesheets, webviewHtml } from './webviewHtml';

/** The folders a Labbook webview may load from: the built webview scripts and media/. */
export function webviewRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
}

// Sets the page (dist/webview/<name>.js, media/base.css + <name>.css) with a fresh nonce.
function showWebviewPage(webview: vscode.Webview, { extensionUri, name, title }: LabbookPage): void {
  const [scripts, media] = webviewRoots(extensionUri);
  webview.html = webviewHtml({
    cspSource: webview.cspSource,
    nonce: newNonce(),
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(scripts, `${name}.js`)).toString(),
    styleUris: pageStylesheets(name).map((file) => webview.asWebviewUri(vscode.Uri.joinPath(media, file)).toString()),
    title,
  });
}

/** A Labbook page: its webview entry (dist/webview/<name>.js) and its title. */
export interface LabbookPage {
  extensionUri: vscode.Uri;
  name: string;
  title: string;
}

// A panel and a view differ in the event that says they may have been shown or hidden, and in how a page that
// never loaded is brought back.
function surfaceOf(
  owner: vscode.WebviewPanel | vscode.WebviewView,
  visibilityEvent: vscode.Event<unknown>,
  page: LabbookPage,
  reload: () => void,
): WebviewSurface {
  return {
    get visible() {
      return owner.visible;
    },
    load: () => showWebviewPage(owner.webview, page),
    reload,
    postMessage: (message) => owner.webview.postMessage(message),
    onDidReceiveMessage: (listener) => owner.webview.onDidReceiveMessage(listener),
    onDidChangeVisibility: (listener) => visibilityEvent(() => listener()),
    onDidDispose: (listener) => owner.onDidDispose(listener),
  };
}

/** A webview panel showing `page`, as a WebviewHost surface. */
export function panelSurface(panel: vscode.WebviewPanel, page: LabbookPage): WebviewSurface {
  return surfaceOf(panel, panel.onDidChangeViewState, page, () => showWebviewPage(panel.webview, page));
}

/** Times a view may be rebuilt in a window, so one that never loads is not rebuilt forever. */
const VIEW_REBUILDS = 2;
const rebuiltViews = new Map<string, number>();

/**
 * Hides the view and shows it again: VS Code sometimes never lays out a view's webview (it stays blank, with no page,
 * until its pane is laid out again; collapsing and expanding it brings it, setting its page does not). The view
 * comes back as a new pane, and resolveWebviewView is called again.
 */
async function rebuildView(view: vscode.WebviewView, page: LabbookPage): Promise<void> {
  const rebuilt = rebuiltViews.get(view.viewType) ?? 0;
  if (rebuilt >= VIEW_REBUILDS) return showWebviewPage(view.webview, page);
  rebuiltViews.set(view.viewType, rebuilt + 1);
  const toggle = `${view.viewType}.toggleVisibility`;
  await vscode.commands.executeCommand(toggle);
  await vscode.commands.executeCommand(toggle);
}

/** A webview view (the sidebar) showing `page`, as a WebviewHost surface. */
export function viewSurface(view: vscode.WebviewView, page: LabbookPage, log: HostLog): WebviewSurface {
  const reload = (): void =>
    void rebuildView(view, page).catch((error: unknown) => log.warn(`Could not show the ${view.viewType} view again: ${String(error)}`));
  return surfaceOf(view, view.onDidChangeVisibility, page, reload);
}
