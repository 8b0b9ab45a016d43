// The window's long-lived MLflow-compatible tracking server (`labbook.trackingServer.enabled`): it serves the
// store this window shows on 127.0.0.1 with an ephemeral port and a random token, and new integrated terminals
// get MLFLOW_TRACKING_URI / _TOKEN through the environment variable collection. Terminals opened before keep
// their environment (VS Code marks them stale and offers to relaunch them).

import * as vscode from 'vscode';
import { startTrackingServer, type TrackingServer } from '../server/trackingServer';
import type { Store } from '../store/store';
import type { StoreHost } from './storeHost';
import type { TerminalEnvironment } from './terminalEnvironment';
import { newTrackingToken, trackingEnv, trackingEnvDescription } from './trackingEnv';

const SETTING = 'trackingServer.enabled';

/** What runs: the server, the store it serves and its token. */
interface Serving {
  server: TrackingServer;
  store: Store;
  token: string;
}

/** Starts, stops and restarts the tracking server with the setting and the store. */
export class TrackingService implements vscode.Disposable {
  private serving: Serving | undefined;
  // Every change goes through this chain, so a start and a stop never interleave.
  private queue: Promise<void> = Promise.resolve();
  private disposed = false;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly host: StoreHost,
    private readonly environment: TerminalEnvironment,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions = [
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(`labbook.${SETTING}`)) void this.apply();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.apply()),
      // The host closes and reopens its store (another folder, a reset): serve the new one.
      host.onDidChange(() => {
        if (this.serving && this.serving.store !== host.store) void this.apply();
      }),
    ];
    void this.apply();
  }

  /** The URL while the server runs. */
  get url(): string | undefined {
    return this.serving?.server.url;
  }

  /** The token while the server runs. */
  get token(): string | undefined {
    return this.serving?.token;
  }

  /** True when the setting asks for the server. */
  enabled(): boolean {
    return vscode.workspace.getConfiguration('labbook').get<boolean>(SETTING, false);
  }

  /** Turns the setting on for this workspace and resolves once the server runs. */
  async enable(): Promise<void> {
    await vscode.workspace.getConfiguration('labbook').update(SETTING, true, vscode.ConfigurationTarget.Workspace);
    await this.apply();
  }

  /** Brings the server in line with the setting and the current store. */
  apply(): Promise<void> {
    this.queue = this.queue
      .then(() => this.reconcile())
      .catch((error: unknown) => {
        this.log.error(`Tracking server: ${error instanceof Error ? error.message : String(error)}`);
        void vscode.window.showErrorMessage(`Labbook could not start the tracking server: ${error instanceof Error ? error.message : String(error)}`);
      });
    return this.queue;
  }

  private async reconcile(): Promise<void> {
    if (this.disposed || !this.enabled() || !vscode.workspace.isTrusted) {
      await this.stop();
      return;
    }
    // The server writes runs, so it may create the store (as launching a run does).
    const store = this.host.store ?? this.host.open(true);
    if (!store) {
      await this.stop();
      this.log.warn('Tracking server: open a folder first; runs are stored in the workspace.');
      return;
    }
    if (this.serving?.store === store) return;
    await this.stop();
    const token = newTrackingToken();
    const server = await startTrackingServer({ store, token, host: '127.0.0.1', port: 0, log: (line) => this.log.info(`tracking server: ${line}`) });
    this.serving = { server, store, token };
    if (this.disposed) {
      await this.stop();
      return;
    }
    this.environment.set('tracking', { replace: trackingEnv(server.url, token), description: trackingEnvDescription(server.url) });
    this.log.info(`Tracking server listening on ${server.url} (store ${store.dir}).`);
  }

  private async stop(): Promise<void> {
    const serving = this.serving;
    this.serving = undefined;
    this.environment.set('tracking', undefined);
    if (!serving) return;
    await serving.server.close();
    this.log.info('Tracking server stopped.');
  }

  /** Closes the listening socket now; a start still in flight closes itself when it ends. */
  dispose(): void {
    this.disposed = true;
    for (const subscription of this.subscriptions) subscription.dispose();
    void this.stop();
  }
}

/** `labbook.copyTrackingUri`: copies the URI, offering to start the server when it is off. */
export async function copyTrackingUri(service: TrackingService): Promise<void> {
  if (!service.url) {
    const choice = await vscode.window.showInformationMessage(
      'The Labbook tracking server is off. Turn it on for this workspace? New terminals then get MLFLOW_TRACKING_URI and MLFLOW_TRACKING_TOKEN.',
      'Turn On',
    );
    if (choice !== 'Turn On') return;
    await service.enable();
  }
  const url = service.url;
  if (!url) throw new Error('The tracking server did not start; see the Labbook log.');
  await vscode.env.clipboard.writeText(url);
  const copyToken = await vscode.window.showInformationMessage(
    `Copied ${url}. Clients outside VS Code terminals also need MLFLOW_TRACKING_TOKEN.`,
    'Copy Token',
  );
  if (copyToken && service.token) await vscode.env.clipboard.writeText(service.token);
}
