// The sidebar Metrics view: small charts of the run selected in the Runs view, or of the live run, growing as
// metrics arrive. The page is thrown away while the view is hidden; a new page says 'ready' and gets a snapshot.

import * as vscode from 'vscode';
import { parseMetricsViewMessage } from '../protocol/metricsView';
import type { MetricsViewFromWebview, MetricsViewToWebview } from '../protocol/metricsView';
import { runIdsOf } from './commands';
import { MetricsViewFeed } from './metricsViewFeed';
import { WebviewHost } from './panels/webviewHost';
import type { WebviewProtocol } from './panels/webviewHost';
import { viewSurface, webviewRoots } from './panels/webviewPage';
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

const PROTOCOL: WebviewProtocol<MetricsViewToWebview, MetricsViewFromWebview> = {
  parse: parseMetricsViewMessage,
  readyType: 'metricsView/ready',
  error: (message) => ({ type: 'metricsView/error', message }),
};

/** Provides the Metrics webview view and feeds it from the store and the Runs view's selection. */
export class MetricsViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private host: WebviewHost<MetricsViewToWebview, MetricsViewFromWebview> | undefined;
  private readonly feed = new MetricsViewFeed();
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly deps: MetricsViewDeps) {
    this.subscriptions = [deps.host.onDidChange(() => this.push()), deps.runsView.view.onDidChangeSelection(() => this.push())];
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.feed.reset();
    view.webview.options = { enableScripts: true, localResourceRoots: webviewRoots(this.deps.extensionUri) };
    const host: WebviewHost<MetricsViewToWebview, MetricsViewFromWebview> = new WebviewHost(
      viewSurface(view, { extensionUri: this.deps.extensionUri, name: 'metricsView', title: 'Labbook metrics' }, this.deps.log),
      PROTOCOL,
      {
        receive: (message) => this.receive(message),
        // The next page starts from a snapshot.
        hidden: () => this.feed.reset(),
        disposed: () => {
          if (this.host === host) this.host = undefined;
        },
      },
      this.deps.log,
    );
    this.host = host;
  }

  private receive(message: MetricsViewFromWebview): void {
    if (message.type === 'metricsView/ready') {
      this.feed.reset();
      this.push();
      return;
    }
    void vscode.commands.executeCommand('labbook.openRun', message.runId);
  }

  private push(): void {
    const host = this.host;
    if (!host?.showing) return;
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
    host.post(...messages);
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
