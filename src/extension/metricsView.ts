// The sidebar Metrics view: small charts of the run selected in the Runs view, or of the live run, growing as
// metrics arrive. The page is thrown away while the view is hidden; a new page says 'ready' and gets a snapshot.

import * as vscode from 'vscode';
import { parseMetricsViewMessage, type MetricsViewToWebview } from '../protocol/metricsView';
import { runIdsOf } from './commands';
import { MetricsViewFeed } from './metricsViewFeed';
import { showWebviewPage, webviewRoots } from './panels/webviewPage';
import type { RunsView } from './runsView';
import type { StoreHost } from './storeHost';

/** Id of the Metrics view (package.json contributes.views). */
export const METRICS_VIEW_ID = 'labbook.metrics';

/** What the view needs from the extension. */
export interface MetricsViewDeps {
  extensionUri: vscode.Uri;
  host: StoreHost;
  runsView: RunsView;
  log: vscode.LogOutputChannel;
}

/** Provides the Metrics webview view and feeds it from the store and the Runs view's selection. */
export class MetricsViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private readonly feed = new MetricsViewFeed();
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly deps: MetricsViewDeps) {
    this.subscriptions = [deps.host.onDidChange(() => this.push()), deps.runsView.view.onDidChangeSelection(() => this.push())];
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    this.feed.reset();
    const webview = view.webview;
    webview.options = { enableScripts: true, localResourceRoots: webviewRoots(this.deps.extensionUri) };
    showWebviewPage(webview, this.deps.extensionUri, 'metricsView', 'Labbook metrics');
    const listeners = [
      webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
      view.onDidChangeVisibility(() => {
        // Hidden pages are discarded; the next page announces itself with 'ready'.
        if (view.visible) return;
        this.ready = false;
        this.feed.reset();
      }),
    ];
    view.onDidDispose(() => {
      for (const listener of listeners) listener.dispose();
      if (this.view === view) this.view = undefined;
    });
  }

  private receive(raw: unknown): void {
    const parsed = parseMetricsViewMessage(raw);
    if (!parsed.ok) {
      this.deps.log.warn(parsed.error);
      return;
    }
    if (parsed.message.type === 'metricsView/ready') {
      this.ready = true;
      this.feed.reset();
      this.push();
      return;
    }
    void vscode.commands.executeCommand('labbook.openRun', parsed.message.runId);
  }

  private push(): void {
    const view = this.view;
    if (!view || !this.ready || !view.visible) return;
    let messages: MetricsViewToWebview[];
    try {
      const { store, error } = this.deps.host;
      if (!store && error) throw error;
      messages = this.feed.update(store, runIdsOf([undefined, this.deps.runsView.view.selection]));
    } catch (error) {
      // Busy, corrupt or closed store: say so in the view rather than only in the log.
      this.feed.reset();
      messages = [{ type: 'metricsView/error', message: error instanceof Error ? error.message : String(error) }];
    }
    for (const message of messages) void view.webview.postMessage(message);
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
