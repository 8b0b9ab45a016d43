// The editor's face of sync state: the Remotes view (each remote of labbook.yaml, its experiments, and under them
// the workspace's runs with their state there and the remote's runs never pulled, "remote only") and a badge on
// every run of the Runs tree for its state against the default remote. States come from src/sync/syncState.ts (the
// ledger read through the sync layer); they are computed again, at most once a second, when the store or
// labbook.yaml changes. The remote's own listing is read in the background (never in getChildren) when the view
// first shows a remote, on Refresh, after a push or pull and when labbook.yaml changes.
import * as vscode from 'vscode';
import type { MlflowClient } from '../sync/client';
import { listRemote, remoteTree } from '../sync/remoteListing';
import type { RemoteExperiment, TreeExperiment, TreeRun } from '../sync/remoteListing';
import { findRemote, listRemotes } from '../sync/remotes';
import type { Remote } from '../sync/remotes';
import { Ledger } from '../sync/ledger';
import { syncStates } from '../sync/syncState';
import type { SyncState } from '../sync/syncState';
import type { RunListing } from '../core/types';
import { clickCommand } from './rowClick';
import type { StoreHost } from './storeHost';

/** Id of the Remotes view. */
export const REMOTES_VIEW_ID = 'labbook.remotes';
/** Scheme of the resource a run row carries so its sync state can decorate it. */
export const RUN_RESOURCE_SCHEME = 'labbook-run';
/** Runs listed under a remote: the newest. */
const MOST_RUNS = 200;
const REFRESH_MS = 1000;

/** The resource of a run's row (decorated with its sync state). */
export function runResource(runId: string): vscode.Uri {
  return vscode.Uri.from({ scheme: RUN_RESOURCE_SCHEME, path: `/${runId}` });
}

/** A run's state in the Remotes view: a sync state, or only on the remote (never pulled). */
export type TreeState = SyncState | 'remote';

/** How each state looks: icon, badge, words. */
export const STATE_LOOK: Record<TreeState, { icon: string; badge: string; words: string; color?: string }> = {
  local: { icon: 'circle-outline', badge: '○', words: 'local only' },
  pushed: { icon: 'cloud', badge: '✓', words: 'pushed', color: 'charts.green' },
  changed: { icon: 'cloud-upload', badge: '↑', words: 'changed since push', color: 'charts.yellow' },
  pulled: { icon: 'cloud-download', badge: '↓', words: 'pulled (remote run, read-only)', color: 'charts.blue' },
  remote: { icon: 'cloud', badge: '☁', words: 'remote only' },
};

/** A remote row of the Remotes view. */
export interface RemoteNode {
  readonly kind: 'remote';
  readonly remote: Remote;
}

/** An experiment row under a remote (on the remote, or only with local runs so far). */
export interface RemoteExperimentNode {
  readonly kind: 'remoteExperiment';
  readonly remote: Remote;
  readonly experiment: TreeExperiment;
}

/** A run row under a remote's experiment: the run and its state there (`remote`: only there, never pulled). */
export interface SyncRunNode {
  readonly kind: 'syncRun';
  readonly remote: Remote;
  readonly experimentName: string;
  readonly run: TreeRun;
}

/** A line under a remote while its listing loads, or why it could not be read. */
interface RemoteMessageNode {
  readonly kind: 'remoteMessage';
  readonly remote: Remote;
  readonly text: string;
  readonly failed: boolean;
}

/** A row of the Remotes view. */
export type RemotesNode = RemoteNode | RemoteExperimentNode | SyncRunNode | RemoteMessageNode;

interface Snapshot {
  remotes: Remote[];
  runs: RunListing[];
  states: Map<string, Map<string, SyncState>>;
  defaultRemote: string | undefined;
}

/** What was read of a remote: its listing, or why it could not be read (undefined for both while it loads). */
interface Listing {
  experiments?: RemoteExperiment[];
  error?: string;
}

/** The Remotes view's data and the Runs tree's sync badges, from one snapshot of states. */
export class SyncStates implements vscode.TreeDataProvider<RemotesNode>, vscode.FileDecorationProvider, vscode.Disposable {
  private snapshot: Snapshot | undefined;
  /** The remotes' listings by URL. */
  private readonly listings = new Map<string, Listing>();
  private timer: NodeJS.Timeout | undefined;
  private readonly treeChanged = new vscode.EventEmitter<undefined>();
  private readonly decorationsChanged = new vscode.EventEmitter<undefined>();
  private readonly subscriptions: vscode.Disposable[];

  readonly onDidChangeTreeData = this.treeChanged.event;
  readonly onDidChangeFileDecorations = this.decorationsChanged.event;

  constructor(
    private readonly host: StoreHost,
    private readonly log: vscode.LogOutputChannel,
    /** The client of a remote (its token from the environment or SecretStorage). */
    private readonly clientFor: (remote: Remote) => Promise<MlflowClient>,
  ) {
    this.subscriptions = [this.treeChanged, this.decorationsChanged, host.onDidChange(() => this.refreshSoon())];
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder) {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '{labbook.yaml,labbook.yml}'));
      this.subscriptions.push(
        watcher,
        watcher.onDidChange(() => this.refresh(true)),
        watcher.onDidCreate(() => this.refresh(true)),
        watcher.onDidDelete(() => this.refresh(true)),
      );
    }
  }

  /** Computes the states again at once (after a push or pull, or a change of remotes); `remotes`: reads the remotes' listings again too. */
  refresh(remotes = false): void {
    if (remotes) this.listings.clear();
    this.snapshot = undefined;
    this.treeChanged.fire(undefined);
    this.decorationsChanged.fire(undefined);
  }

  // A live run writes many times a second: one recomputation a second is plenty for a badge.
  private refreshSoon(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refresh();
    }, REFRESH_MS);
  }

  private current(): Snapshot {
    this.snapshot ??= this.compute();
    return this.snapshot;
  }

  private compute(): Snapshot {
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const store = this.host.store;
    const empty: Snapshot = { remotes: [], runs: [], states: new Map(), defaultRemote: undefined };
    if (!root) return empty;
    try {
      const remotes = listRemotes(root);
      if (!store || remotes.length === 0) return { ...empty, remotes };
      const runs = store.listRuns({ limit: MOST_RUNS });
      const ids = runs.map((run) => run.id);
      const states = new Map(remotes.map((remote) => [remote.name, syncStates(store, new Ledger(store.dir, remote.url), ids)]));
      return { remotes, runs, states, defaultRemote: defaultRemoteName(root) };
    } catch (error) {
      this.log.warn(`Reading sync states failed: ${(error as Error).message}`);
      return empty;
    }
  }

  /** The sync state of a run against the default remote (the only one, or `origin`). */
  stateOf(runId: string): SyncState | undefined {
    const snapshot = this.current();
    return snapshot.defaultRemote === undefined ? undefined : snapshot.states.get(snapshot.defaultRemote)?.get(runId);
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== RUN_RESOURCE_SCHEME) return undefined;
    const state = this.stateOf(uri.path.slice(1));
    if (!state) return undefined;
    const look = STATE_LOOK[state];
    return new vscode.FileDecoration(
      look.badge,
      `${look.words} (${this.current().defaultRemote})`,
      look.color ? new vscode.ThemeColor(look.color) : undefined,
    );
  }

  getTreeItem(node: RemotesNode): vscode.TreeItem {
    if (node.kind === 'remote') return this.remoteItem(node.remote);
    if (node.kind === 'remoteExperiment') return experimentItem(node);
    if (node.kind === 'remoteMessage') return messageItem(node);
    return runItem(node);
  }

  private remoteItem(remote: Remote): vscode.TreeItem {
    const counts: Partial<Record<TreeState, number>> = {};
    for (const experiment of this.tree(remote)) for (const run of experiment.runs) counts[run.state] = (counts[run.state] ?? 0) + 1;
    const item = new vscode.TreeItem(remote.name, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `remote/${remote.name}`;
    const parts = (Object.keys(STATE_LOOK) as TreeState[])
      .filter((state) => counts[state])
      .map((state) => `${counts[state]} ${STATE_LOOK[state].words.split(' (')[0]}`);
    item.description = `${remote.url}${parts.length ? ` · ${parts.join(', ')}` : ''}`;
    item.tooltip = `${remote.url}${remote.tokenEnv ? `\ntoken from $${remote.tokenEnv}` : ''}`;
    item.iconPath = new vscode.ThemeIcon('remote');
    item.contextValue = 'remote';
    return item;
  }

  getChildren(node?: RemotesNode): RemotesNode[] {
    const snapshot = this.current();
    if (!node) return snapshot.remotes.map((remote): RemoteNode => ({ kind: 'remote', remote }));
    if (node.kind === 'remoteExperiment')
      return node.experiment.runs.map((run): SyncRunNode => ({ kind: 'syncRun', remote: node.remote, experimentName: node.experiment.name, run }));
    if (node.kind !== 'remote') return [];
    const remote = node.remote;
    const listing = this.listingOf(remote);
    const experiments = this.tree(remote).map((experiment): RemoteExperimentNode => ({ kind: 'remoteExperiment', remote, experiment }));
    if (listing.error) return [{ kind: 'remoteMessage', remote, text: listing.error, failed: true }, ...experiments];
    if (!listing.experiments) return [{ kind: 'remoteMessage', remote, text: 'Reading the remote’s runs…', failed: false }, ...experiments];
    return experiments;
  }

  /** The remote's experiments with the workspace's runs and the remote's own (those read so far). */
  private tree(remote: Remote): TreeExperiment[] {
    const snapshot = this.current();
    return remoteTree(
      this.listings.get(remote.url)?.experiments,
      snapshot.runs,
      snapshot.states.get(remote.name) ?? new Map(),
      (runId) => this.host.store?.findRun(runId) !== undefined,
    );
  }

  /** The remote's listing as read so far; starts reading it when it has not been. */
  private listingOf(remote: Remote): Listing {
    let listing = this.listings.get(remote.url);
    if (listing) return listing;
    this.listings.set(remote.url, (listing = {}));
    const read = listing;
    this.clientFor(remote)
      .then((client) => listRemote(client, MOST_RUNS))
      .then(
        (experiments) => (read.experiments = experiments),
        (error: unknown) => {
          read.error = `Cannot list ${remote.url}: ${(error as Error).message}`;
          this.log.warn(read.error);
        },
      )
      .finally(() => this.treeChanged.fire(undefined));
    return listing;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}

function experimentItem(node: RemoteExperimentNode): vscode.TreeItem {
  const { experiment } = node;
  const item = new vscode.TreeItem(experiment.name, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `${node.remote.name}/experiment/${experiment.name}`;
  const runs = `${experiment.runs.length} run${experiment.runs.length === 1 ? '' : 's'}`;
  item.description = experiment.onRemote ? runs : `${runs} · not on the remote yet`;
  item.iconPath = new vscode.ThemeIcon('beaker');
  item.contextValue = experiment.onRemote ? 'remoteExperiment onRemote' : 'remoteExperiment';
  return item;
}

function runItem(node: SyncRunNode): vscode.TreeItem {
  const { run, remote } = node;
  const look = STATE_LOOK[run.state];
  const item = new vscode.TreeItem(run.name, vscode.TreeItemCollapsibleState.None);
  item.id = `${remote.name}/${run.id}`;
  item.description = look.words;
  item.iconPath = new vscode.ThemeIcon(look.icon, look.color ? new vscode.ThemeColor(look.color) : undefined);
  item.contextValue = `syncRun ${run.state}`;
  item.tooltip = `${run.name} (${run.id.slice(0, 8)}) in ${node.experimentName}: ${look.words} on ${remote.name} (${remote.url})`;
  // A run only on the remote has nothing here to show until it is pulled (its inline action).
  if (run.state !== 'remote') item.command = clickCommand('labbook.previewRemoteRun', 'Preview Run');
  return item;
}

function messageItem(node: RemoteMessageNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
  item.id = `${node.remote.name}/message`;
  item.iconPath = new vscode.ThemeIcon(node.failed ? 'warning' : 'loading~spin');
  item.tooltip = node.text;
  return item;
}

function defaultRemoteName(root: string): string | undefined {
  try {
    return findRemote(root, undefined).name;
  } catch {
    return undefined; // none, or several without an `origin`: the Runs tree shows no badge
  }
}
