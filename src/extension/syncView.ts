// The editor's face of sync state: the Remotes view (each remote of labbook.yaml, its runs and their state against
// it) and a badge on every run of the Runs tree for its state against the default remote. States come from
// src/sync/syncState.ts (the ledger read through the sync layer); they are computed again, at most once a second,
// when the store or labbook.yaml changes.
import * as vscode from 'vscode';
import { findRemote, listRemotes } from '../sync/remotes';
import type { Remote } from '../sync/remotes';
import { Ledger } from '../sync/ledger';
import { countStates, syncStates } from '../sync/syncState';
import type { SyncState } from '../sync/syncState';
import type { RunListing } from '../core/types';
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

/** How each state looks: icon, badge, words. */
export const STATE_LOOK: Record<SyncState, { icon: string; badge: string; words: string; color?: string }> = {
  local: { icon: 'circle-outline', badge: '○', words: 'local only' },
  pushed: { icon: 'cloud', badge: '✓', words: 'pushed', color: 'charts.green' },
  changed: { icon: 'cloud-upload', badge: '↑', words: 'changed since push', color: 'charts.yellow' },
  pulled: { icon: 'cloud-download', badge: '↓', words: 'pulled (remote run, read-only)', color: 'charts.blue' },
};

/** A remote row of the Remotes view. */
export interface RemoteNode {
  readonly kind: 'remote';
  readonly remote: Remote;
}

/** A run row under a remote: the run and its state there. */
export interface SyncRunNode {
  readonly kind: 'syncRun';
  readonly remote: Remote;
  readonly run: RunListing;
  readonly state: SyncState;
}

type RemotesNode = RemoteNode | SyncRunNode;

interface Snapshot {
  remotes: Remote[];
  runs: RunListing[];
  states: Map<string, Map<string, SyncState>>;
  defaultRemote: string | undefined;
}

/** The Remotes view's data and the Runs tree's sync badges, from one snapshot of states. */
export class SyncStates implements vscode.TreeDataProvider<RemotesNode>, vscode.FileDecorationProvider, vscode.Disposable {
  private snapshot: Snapshot | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly treeChanged = new vscode.EventEmitter<undefined>();
  private readonly decorationsChanged = new vscode.EventEmitter<undefined>();
  private readonly subscriptions: vscode.Disposable[];

  readonly onDidChangeTreeData = this.treeChanged.event;
  readonly onDidChangeFileDecorations = this.decorationsChanged.event;

  constructor(
    private readonly host: StoreHost,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions = [this.treeChanged, this.decorationsChanged, host.onDidChange(() => this.refreshSoon())];
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder) {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '{labbook.yaml,labbook.yml}'));
      this.subscriptions.push(
        watcher,
        watcher.onDidChange(() => this.refresh()),
        watcher.onDidCreate(() => this.refresh()),
        watcher.onDidDelete(() => this.refresh()),
      );
    }
  }

  /** Computes the states again at once (after a push or pull, or a change of remotes). */
  refresh(): void {
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
    const look = STATE_LOOK[node.state];
    const item = new vscode.TreeItem(node.run.name, vscode.TreeItemCollapsibleState.None);
    item.id = `${node.remote.name}/${node.run.id}`;
    item.description = `${look.words} · ${node.run.experimentName}`;
    item.iconPath = new vscode.ThemeIcon(look.icon, look.color ? new vscode.ThemeColor(look.color) : undefined);
    item.contextValue = `syncRun ${node.state}`;
    item.tooltip = `${node.run.name} (${node.run.id.slice(0, 8)}): ${look.words} on ${node.remote.name} (${node.remote.url})`;
    item.command = { command: 'labbook.previewRun', title: 'Preview Run', arguments: [node.run.id] };
    return item;
  }

  private remoteItem(remote: Remote): vscode.TreeItem {
    const counts = countStates(this.current().states.get(remote.name) ?? new Map());
    const item = new vscode.TreeItem(remote.name, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `remote/${remote.name}`;
    const parts = (Object.keys(counts) as SyncState[])
      .filter((state) => counts[state] > 0)
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
    if (node.kind !== 'remote') return [];
    const states = snapshot.states.get(node.remote.name) ?? new Map<string, SyncState>();
    return snapshot.runs.flatMap((run): SyncRunNode[] => {
      const state = states.get(run.id);
      return state ? [{ kind: 'syncRun', remote: node.remote, run, state }] : [];
    });
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}

function defaultRemoteName(root: string): string | undefined {
  try {
    return findRemote(root, undefined).name;
  } catch {
    return undefined; // none, or several without an `origin`: the Runs tree shows no badge
  }
}
