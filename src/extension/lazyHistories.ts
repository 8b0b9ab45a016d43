// Pulled runs' large histories (docs/sync.md, "Large histories") fetched when a Run or Compare panel opens on them:
// in the background, once; the panels refresh when the store has them, and a remote that fails leaves the latest
// value shown and says so.
import * as vscode from 'vscode';
import type { Store } from '../store/store';
import { MlflowClient } from '../sync/client';
import { HistoryFetcher } from '../sync/lazyHistory';
import { findRemoteByUrl } from '../sync/remotes';
import type { StoreHost } from './storeHost';
import { remoteClient } from './syncActions';

/** Fetches the deferred histories of the runs a panel opens on. */
export class LazyHistories {
  private fetcher: { store: Store; fetcher: HistoryFetcher } | undefined;

  constructor(
    private readonly host: StoreHost,
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Starts fetching what the runs left on their remote; returns at once. */
  fetch(runIds: readonly string[]): void {
    const store = this.host.store;
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (!store || !root) return;
    if (this.fetcher?.store !== store) this.fetcher = { store, fetcher: new HistoryFetcher(store, (url) => this.client(root, url)) };
    const { fetcher } = this.fetcher;
    for (const runId of runIds) {
      if (fetcher.deferred(runId).length === 0) continue;
      fetcher.fetch(runId).then(
        (keys) => {
          this.log.info(`Fetched the full history of ${keys.join(', ')} (run ${runId.slice(0, 8)}) from its remote.`);
          this.host.wroteHere();
        },
        (error: unknown) => {
          this.log.warn((error as Error).message);
          void vscode.window.showWarningMessage(`Labbook: ${(error as Error).message}`);
        },
      );
    }
  }

  /** The client of a run's origin: the remote of labbook.yaml with that URL (its token), else one without a token. */
  private async client(root: string, url: string): Promise<MlflowClient> {
    const remote = findRemoteByUrl(root, url);
    return remote ? remoteClient(this.secrets, remote) : new MlflowClient(url);
  }
}
