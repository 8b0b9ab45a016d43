// The sidebar Monitoring view: the running model servers (`labbook serve-model`, found by their discovery files)
// with request rate, latency, error rate and drift share charted live from their /metrics, and the drift alert:
// when a server's drift share passes labbook.drift.alertShare, a warning with "Open Drift Panel", once per crossing.
// Scrapes go on while the view is hidden (the alert needs them); the page gets them only while it shows.

import * as vscode from 'vscode';
import { parseMonitoringMessage } from '../protocol/monitoringView';
import type { MonitoringFromWebview, MonitoringToWebview } from '../protocol/monitoringView';
import type { ServedModel } from '../server/scoring/discovery';
import type { Reporter } from './errors';
import { openLiveDrift, runningServers, type LiveDriftDeps } from './liveDrift';
import { WebviewHost } from './panels/webviewHost';
import type { WebviewProtocol } from './panels/webviewHost';
import { viewSurface, webviewRoots } from './panels/webviewPage';
import { scrapeServedModel } from './servingClient';
import { ServingWatch } from './servingWatch';

/** Id of the Monitoring view (package.json contributes.views). */
export const MONITORING_VIEW_ID = 'labbook.monitoring';
/** How often the servers are listed and scraped. */
const SCRAPE_MS = 2000;
const DEFAULT_ALERT_SHARE = 0.3;

/** What the view needs from the extension. */
export interface MonitoringViewDeps extends LiveDriftDeps {
  extensionUri: vscode.Uri;
  reporter: Reporter;
}

const PROTOCOL: WebviewProtocol<MonitoringToWebview, MonitoringFromWebview> = {
  parse: parseMonitoringMessage,
  readyType: 'monitoringView/ready',
  error: (message) => ({ type: 'monitoringView/error', message }),
};

/** labbook.drift.alertShare, clamped to [0, 1]. */
function alertShare(): number {
  const value = vscode.workspace.getConfiguration('labbook').get<number>('drift.alertShare', DEFAULT_ALERT_SHARE);
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(Math.max(value, 0), 1) : DEFAULT_ALERT_SHARE;
}

/** Provides the Monitoring webview view, scrapes the servers and raises the drift alert. */
export class MonitoringViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private host: WebviewHost<MonitoringToWebview, MonitoringFromWebview> | undefined;
  private readonly watch: ServingWatch;
  private readonly timer: ReturnType<typeof setInterval>;
  private ticking = false;

  constructor(private readonly deps: MonitoringViewDeps) {
    this.watch = new ServingWatch({
      list: () => runningServers(deps.host),
      scrape: (served) => scrapeServedModel(served),
      alertShare,
      onAlert: (served, share) => void this.alert(served, share),
    });
    this.timer = setInterval(() => void this.tick(), SCRAPE_MS);
    void this.tick();
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    view.webview.options = { enableScripts: true, localResourceRoots: webviewRoots(this.deps.extensionUri) };
    const host: WebviewHost<MonitoringToWebview, MonitoringFromWebview> = new WebviewHost(
      viewSurface(view, { extensionUri: this.deps.extensionUri, name: 'monitoringView', title: 'Labbook monitoring' }, this.deps.reporter.log),
      PROTOCOL,
      {
        receive: (message) => this.receive(message),
        disposed: () => {
          if (this.host === host) this.host = undefined;
        },
      },
      this.deps.reporter.log,
    );
    this.host = host;
  }

  dispose(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.watch.tick();
      this.push();
    } catch (error) {
      this.host?.showError(error);
    } finally {
      this.ticking = false;
    }
  }

  private push(): void {
    if (this.host?.showing) this.host.post({ type: 'monitoringView/update', servers: this.watch.servers() });
  }

  private async receive(message: MonitoringFromWebview): Promise<void> {
    if (message.type === 'monitoringView/ready') return this.push();
    const served = this.watch.server(Number(message.id));
    if (!served) throw new Error('That model server has stopped.');
    await this.openDrift(served);
  }

  private async openDrift(served: ServedModel): Promise<void> {
    try {
      await openLiveDrift(this.deps, served);
    } catch (error) {
      this.deps.reporter.report(error, 'labbook.monitoring.openDrift');
    }
  }

  private async alert(served: ServedModel, share: number): Promise<void> {
    const choice = await vscode.window.showWarningMessage(
      `Labbook: the drift share of ${served.model} version ${served.version} is ${share.toFixed(2)}, above labbook.drift.alertShare (${alertShare()}).`,
      'Open Drift Panel',
    );
    if (choice) await this.openDrift(served);
  }
}
