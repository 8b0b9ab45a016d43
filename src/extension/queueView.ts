// The Queue view: the store's run queue (waiting, running, ended entries) with Cancel, Move Up/Down and Retry. The
// queue is run by `labbook queue worker` processes, not by this window; the view only shows and edits it.
import * as vscode from 'vscode';
import { relativeTime } from '../core/format';
import { cancelEntry, enqueue, listQueue, moveEntry, retryEntry, type QueueEntry } from '../store/queue';
import type { Store } from '../store/store';
import type { CommandTable } from './commands';
import { requireStore } from './commands';
import type { Launcher } from './launcher';
import { clickCommand } from './rowClick';
import type { StoreHost } from './storeHost';

/** Id of the Queue view (package.json contributes.views). */
export const QUEUE_VIEW_ID = 'labbook.queue';

/** A row of the Queue view: one entry, by id. */
export interface QueueNode {
  kind: 'queueEntry';
  id: number;
}

const STATE_ICONS: Readonly<Record<QueueEntry['state'], vscode.ThemeIcon>> = {
  waiting: new vscode.ThemeIcon('clock'),
  running: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')),
  done: new vscode.ThemeIcon('pass', new vscode.ThemeColor('charts.green')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('charts.red')),
  cancelled: new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground')),
};

function entryItem(entry: QueueEntry, now: number): vscode.TreeItem {
  const command = entry.command.join(' ');
  const item = new vscode.TreeItem(`#${entry.id} ${entry.name ?? command}`, vscode.TreeItemCollapsibleState.None);
  item.id = `queue:${entry.id}`;
  const stopping = entry.state === 'running' && entry.cancelRequested ? ' (stopping)' : '';
  const when = entry.endedAt ?? entry.startedAt ?? entry.createdAt;
  const gpu = entry.state === 'running' && entry.device !== null ? ` · GPU ${entry.device}` : '';
  item.description = [`${entry.state}${stopping}${gpu}`, entry.reason, relativeTime(when, now)].filter(Boolean).join(' · ');
  item.tooltip = [command, `in ${entry.cwd}`, entry.runId ? `run ${entry.runId}` : undefined, entry.reason ?? undefined].filter(Boolean).join('\n');
  item.iconPath = STATE_ICONS[entry.state];
  item.contextValue = `queueEntry ${entry.state}${entry.runId ? ' hasRun' : ''}`;
  if (entry.runId) item.command = clickCommand('labbook.openQueuedRun', 'Open Run');
  return item;
}

/** Feeds the Queue view from the store; redraws when the queue changed. */
class QueueTreeProvider implements vscode.TreeDataProvider<QueueNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private entries = new Map<number, QueueEntry>();
  private shown = '';

  constructor(private readonly host: StoreHost) {}

  /** Rereads the queue and redraws when it differs from what is shown. */
  sync(): void {
    let entries: QueueEntry[] = [];
    try {
      entries = this.host.store ? listQueue(this.host.store) : [];
    } catch {
      return; // a busy or damaged store: the Runs view says so; this view keeps what it shows
    }
    const key = JSON.stringify(entries);
    if (key === this.shown) return;
    this.shown = key;
    this.entries = new Map(entries.map((entry) => [entry.id, entry]));
    this.changed.fire(undefined);
  }

  /** The run an entry started, if it started one. */
  runIdOf(id: number): string | undefined {
    return this.entries.get(id)?.runId ?? undefined;
  }

  getTreeItem(node: QueueNode): vscode.TreeItem {
    const entry = this.entries.get(node.id);
    return entry ? entryItem(entry, Date.now()) : new vscode.TreeItem(`#${node.id}`);
  }

  getChildren(node?: QueueNode): QueueNode[] {
    if (node) return [];
    return [...this.entries.keys()].map((id): QueueNode => ({ kind: 'queueEntry', id }));
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** The Queue view and its tree. */
export class QueueView implements vscode.Disposable {
  readonly view: vscode.TreeView<QueueNode>;
  private readonly provider: QueueTreeProvider;
  private readonly subscriptions: vscode.Disposable[];

  constructor(host: StoreHost) {
    this.provider = new QueueTreeProvider(host);
    this.view = vscode.window.createTreeView(QUEUE_VIEW_ID, { treeDataProvider: this.provider });
    this.subscriptions = [this.provider, this.view, host.onDidChange(() => this.provider.sync())];
    this.provider.sync();
  }

  /** The entry ids a command acts on: the clicked row, else the selection. */
  idsOf(clicked: unknown): number[] {
    const node = clicked as Partial<QueueNode> | undefined;
    if (node?.kind === 'queueEntry' && typeof node.id === 'number') return [node.id];
    return this.view.selection.map((selected) => selected.id);
  }

  /** The run of the clicked entry (else of the one selected), if it started one. */
  runOf(clicked: unknown): string | undefined {
    const ids = this.idsOf(clicked);
    return ids.length === 1 ? this.provider.runIdOf(ids[0]) : undefined;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}

/** What the queue commands work with. */
export interface QueueCommandDeps {
  host: StoreHost;
  launcher: Launcher;
  queue: QueueView;
}

/** The Queue view's commands; each edit is one store transaction, then the views redraw. */
export function queueCommandTable(deps: QueueCommandDeps): CommandTable {
  const { host, launcher, queue } = deps;
  const onEntries = (clicked: unknown, edit: (store: Store, id: number) => unknown): void => {
    const ids = queue.idsOf(clicked);
    if (ids.length === 0) throw new Error('Pick an entry in the Queue view first.');
    const store = requireStore(host);
    for (const id of ids) edit(store, id);
    host.wroteHere(); // data_version does not move for this window's own commits
  };
  return {
    'labbook.queueRun': async () => {
      const spec = await launcher.pickForQueue();
      const store = host.open(true);
      if (!store) throw new Error('The Labbook store could not be opened; see the Runs view.');
      const entry = enqueue(store, { command: spec.command, cwd: spec.cwd, experiment: spec.experiment, name: spec.name, tags: spec.tags });
      host.wroteHere();
      void vscode.window.showInformationMessage(`Queued #${entry.id}: ${entry.command.join(' ')}`, 'Start Queue Worker').then((choice) => {
        if (choice) launcher.startQueueWorker();
      });
    },
    'labbook.startQueueWorker': () => launcher.startQueueWorker(),
    'labbook.openQueuedRun': (clicked) => {
      const runId = queue.runOf(clicked);
      if (!runId) throw new Error('Click an entry of the Queue view that has started its run.');
      return vscode.commands.executeCommand('labbook.previewRun', runId);
    },
    'labbook.queueCancel': (clicked) => onEntries(clicked, cancelEntry),
    'labbook.queueRetry': (clicked) => onEntries(clicked, retryEntry),
    'labbook.queueMoveUp': (clicked) => onEntries(clicked, (store, id) => moveEntry(store, id, 'up')),
    'labbook.queueMoveDown': (clicked) => onEntries(clicked, (store, id) => moveEntry(store, id, 'down')),
  };
}
