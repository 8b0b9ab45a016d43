// Large histories a pull left on the remote (docs/sync.md, "Large histories"): the store keeps their latest point,
// the run's ledger names them `deferred`, and the first reader that needs one (the run panel, Compare, `labbook
// serve`'s get-history, `labbook adopt`) fetches it whole here, once; afterwards it is an ordinary local history.
import type { Store } from '../store/store';
import { MlflowClient, SyncError } from './client';
import { Ledger } from './ledger';
import { findRemoteByUrl, remoteToken } from './remotes';
import { remoteHistory } from './remoteRuns';

/** Fetches pulled runs' deferred histories on first need; one fetch per run and key at a time. */
export class HistoryFetcher {
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly store: Store,
    /** The client of the remote a run was pulled from (its URL is the run's origin). */
    private readonly clientFor: (url: string) => MlflowClient | Promise<MlflowClient>,
  ) {}

  /** The keys of a run whose history is still only on its remote (none for runs of this store). */
  deferred(runId: string): string[] {
    const origin = this.store.originOf(runId);
    if (origin === undefined) return [];
    return new Ledger(this.store.dir, origin).get(runId)?.deferred ?? [];
  }

  /**
   * Fetches a run's deferred histories (all, or those among `keys`) and resolves to the keys fetched. When the
   * remote fails, the SyncError says which history and the store keeps the latest value it had.
   */
  async fetch(runId: string, keys?: readonly string[]): Promise<string[]> {
    const wanted = this.deferred(runId).filter((key) => !keys || keys.includes(key));
    await Promise.all(wanted.map((key) => this.once(runId, key)));
    return wanted;
  }

  private once(runId: string, key: string): Promise<void> {
    const id = `${runId}/${key}`;
    let job = this.running.get(id);
    if (!job) {
      job = this.fetchKey(runId, key).finally(() => this.running.delete(id));
      this.running.set(id, job);
    }
    return job;
  }

  private async fetchKey(runId: string, key: string): Promise<void> {
    const origin = this.store.originOf(runId);
    if (origin === undefined) return;
    let points;
    try {
      points = await remoteHistory(await this.clientFor(origin), runId, key);
    } catch (error) {
      if (!(error instanceof SyncError)) throw error;
      throw new SyncError(
        `The full history of '${key}' (run ${runId.slice(0, 8)}) is on ${origin} and could not be fetched: ${error.message} The latest value is shown; it is fetched the next time it is opened.`,
        error.kind,
        error.status,
        error.code,
      );
    }
    // The store first, then the ledger: a kill between them only fetches it again.
    this.store.asImport(() => this.store.replaceHistory(runId, key, points));
    const ledger = new Ledger(this.store.dir, origin);
    const entry = ledger.get(runId);
    if (!entry) return;
    const deferred = (entry.deferred ?? []).filter((k) => k !== key);
    ledger.put({ ...entry, metrics: { ...entry.metrics, [key]: points.length }, deferred: deferred.length ? deferred : undefined });
  }
}

/**
 * The client for a run's origin: the remote of labbook.yaml with that URL gives the token (from its variable in
 * `env`); an origin no remote names any more is asked without one.
 */
export function originClient(workspaceDir: string, url: string, env: NodeJS.ProcessEnv = process.env): MlflowClient {
  const remote = findRemoteByUrl(workspaceDir, url);
  return new MlflowClient(url, { token: remote ? remoteToken(remote, env) : undefined });
}
