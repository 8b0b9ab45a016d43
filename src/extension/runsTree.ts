import * as vscode from 'vscode';
import { choosePrimaryMetric, distinguishingParams } from '../core/runDistinction';
import { runDescription, type RowFocus } from '../core/runPresentation';
import { groupSweeps, prunedStep } from '../core/sweepGroups';
import type { RunListing } from '../core/types';
import type { Store } from '../store/store';
import { listTrash, trashCount } from '../store/trash';
import {
  experimentItem,
  groupItem,
  groupsOf,
  leavesOf,
  markBestRun,
  markPrunedRun,
  moreItem,
  runItem,
  sweepItem,
  trashedRunItem,
  trashItem,
  type ExperimentNode,
  type MoreNode,
  type RunNode,
  type SweepNode,
  type TrashedRunNode,
  type TrashNode,
  type TreeNode,
} from './runItems';
import type { StoreHost } from './storeHost';

/** What the view currently asks of the store. */
export interface RunQuery {
  filter: string;
  orderBy: string[];
  /** The metric chosen for an experiment (in this workspace, else in settings); undefined lets the view choose. */
  primaryMetricOf(experimentName: string): string | undefined;
  /** Most runs listed per experiment. */
  limit: number;
}

// What a run row shows; when it is unchanged the row (and its expanded details) is not redrawn.
function rowKey(run: RunListing, focus: RowFocus, now: number): string {
  return JSON.stringify([run.name, run.status, run.starred, run.updatedAt, run.endTime, runDescription(run, focus, now)]);
}

const NO_FOCUS: RowFocus = { paramKeys: [], metric: undefined };

/** What the rows of an experiment show: the params that differ among its listed runs and its primary metric. */
function focusOf(runs: readonly RunListing[], chosenMetric: string | undefined): RowFocus {
  return { paramKeys: distinguishingParams(runs), metric: chosenMetric ?? choosePrimaryMetric(runs.flatMap((run) => Object.keys(run.metrics))) };
}

/**
 * The Runs tree: experiments, their runs, and each run's details. Node objects are kept per experiment and
 * run and updated in place, so a change in the store redraws only the rows that changed; item ids are stable
 * (the run id), so expansion and selection survive every refresh.
 */
export class RunsTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>();
  private readonly served = new vscode.EventEmitter<void>();
  private readonly experiments = new Map<number, ExperimentNode>();
  private readonly runs = new Map<string, RunNode>();
  /** Run ids (and the more-row) last listed under each experiment whose children were shown. */
  private readonly listed = new Map<number, string>();
  /** What each listed run row last showed (see rowKey). */
  private readonly rows = new Map<string, string>();
  /** What the rows of each listed experiment show besides names (see focusOf). */
  private readonly focus = new Map<number, RowFocus>();
  /** The best run of each listed sweep, marked in its row. */
  private readonly bestRuns = new Set<string>();
  private rootKey = '';
  private problem: string | undefined;
  private empty = true;

  readonly onDidChangeTreeData = this.changed.event;
  /** Fires once VS Code has taken rows from getChildren, and so knows them (and a selection among them) again. */
  readonly onDidServeChildren = this.served.event;

  constructor(
    private readonly host: StoreHost,
    private readonly query: () => RunQuery,
    private readonly onState: (state: { problem: string | undefined; empty: boolean }) => void,
  ) {}

  getTreeItem(node: TreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'experiment':
        return experimentItem(node);
      case 'run': {
        const item = runItem(node.run, this.focus.get(node.run.experimentId) ?? NO_FOCUS, Date.now());
        const pruned = prunedStep(node.run);
        if (pruned !== undefined) return markPrunedRun(item, pruned);
        return this.bestRuns.has(node.run.id) ? markBestRun(item) : item;
      }
      case 'sweep':
        return sweepItem(node);
      case 'group':
        return groupItem(node);
      case 'leaf':
        return node.item;
      case 'more':
        return moreItem(node);
      case 'trash':
        return trashItem(node);
      case 'trashedRun':
        return trashedRunItem(node.run, Date.now());
    }
  }

  getChildren(node?: TreeNode): TreeNode[] {
    // VS Code registers the rows in a promise callback after this returns: a macrotask later it has.
    setImmediate(() => this.served.fire());
    const store = this.host.store;
    if (!store) {
      if (!node) this.setState(undefined, true);
      return [];
    }
    return this.guarded(() => {
      if (!node) return this.rootNodes(store);
      if (node.kind === 'trash') return listTrash(store).map((run): TrashedRunNode => ({ kind: 'trashedRun', run }));
      if (node.kind === 'experiment') return this.runNodes(store, node);
      if (node.kind === 'sweep') return node.runs;
      if (node.kind === 'run') return groupsOf(store, node);
      if (node.kind === 'group') return leavesOf(store, node);
      return [];
    });
  }

  /** Forgets which experiments are expanded so they are not re-queried while collapsed. */
  collapsed(node: TreeNode): void {
    if (node.kind === 'experiment') this.listed.delete(node.experimentId);
  }

  /** Redraws everything (filter, sort or store changed). */
  reset(): void {
    this.rootKey = '';
    this.listed.clear();
    this.rows.clear();
    this.focus.clear();
    this.bestRuns.clear();
    this.runs.clear();
    this.experiments.clear();
    this.changed.fire(undefined);
  }

  /** Metric keys the listed runs of an experiment logged, for choosing its primary metric. */
  metricKeys(experimentId: number): string[] {
    const store = this.host.store;
    if (!store) return [];
    return [...new Set(this.listRuns(store, experimentId).flatMap((run) => Object.keys(run.metrics)))].sort();
  }

  /** The primary metric the rows of an experiment show now, if its runs are listed. */
  shownMetric(experimentId: number): string | undefined {
    return this.focus.get(experimentId)?.metric;
  }

  /**
   * Compares what the store holds now with what the view shows and redraws only the difference: the whole
   * tree when experiments came or went, an experiment when its runs came, went or moved, else single runs.
   */
  sync(): void {
    const store = this.host.store;
    if (!store) {
      if (this.rootKey) this.reset();
      return;
    }
    this.guarded(() => {
      const rows = this.experimentRows(store);
      if (this.rootKeyOf(rows, trashCount(store)) !== this.rootKey) {
        this.reset();
        return [];
      }
      const dirty: TreeNode[] = [];
      for (const row of rows) {
        const node = this.experiments.get(row.id);
        if (!node || !this.listed.has(row.id)) continue;
        const runs = this.listRuns(store, row.id);
        const focus = focusOf(runs, this.query().primaryMetricOf(row.name));
        if (
          row.count !== node.count ||
          this.listingKey(runs, row.count, focus) !== this.listed.get(row.id) ||
          JSON.stringify(focus) !== JSON.stringify(this.focus.get(row.id))
        ) {
          node.count = row.count;
          dirty.push(node);
          continue;
        }
        dirty.push(...this.changedRuns(runs, focus));
      }
      if (dirty.length) this.changed.fire(dirty);
      return [];
    });
  }

  private changedRuns(runs: RunListing[], focus: RowFocus): RunNode[] {
    const now = Date.now();
    const changed: RunNode[] = [];
    for (const run of runs) {
      const node = this.runs.get(run.id);
      const key = rowKey(run, focus, now);
      if (!node || this.rows.get(run.id) === key) continue;
      node.run = run;
      this.rows.set(run.id, key);
      changed.push(node);
    }
    return changed;
  }

  private guarded(read: () => TreeNode[]): TreeNode[] {
    try {
      const nodes = read();
      this.setState(undefined, this.empty);
      return nodes;
    } catch (error) {
      // getChildren never notifies: the view's message says what is wrong until it is fixed.
      this.setState(error instanceof Error ? error.message : String(error), this.empty);
      return [];
    }
  }

  private setState(problem: string | undefined, empty: boolean): void {
    if (problem === this.problem && empty === this.empty) return;
    this.problem = problem;
    this.empty = empty;
    this.onState({ problem, empty });
  }

  private experimentRows(store: Store): { id: number; name: string; count: number }[] {
    const { filter } = this.query();
    return store
      .listExperiments()
      .filter((experiment) => experiment.lifecycle === 'active')
      .map((experiment) => ({ id: experiment.id, name: experiment.name, count: store.countRuns({ experimentIds: [experiment.id], filter }) }))
      .filter((row) => row.count > 0);
  }

  // The Trash's count is part of the root: moving runs in or out of it redraws the tree (a user action, rare).
  private rootKeyOf(rows: readonly { id: number; name: string }[], trashed: number): string {
    return JSON.stringify([rows.map((row) => [row.id, row.name]), trashed]);
  }

  private rootNodes(store: Store): (ExperimentNode | TrashNode)[] {
    const rows = this.experimentRows(store);
    const trashed = trashCount(store);
    this.rootKey = this.rootKeyOf(rows, trashed);
    this.setState(this.problem, rows.length === 0 && trashed === 0);
    const trash: TrashNode[] = trashed > 0 ? [{ kind: 'trash', count: trashed }] : [];
    return [...this.experimentNodes(rows), ...trash];
  }

  private experimentNodes(rows: readonly { id: number; name: string; count: number }[]): ExperimentNode[] {
    return rows.map((row) => {
      const node = this.experiments.get(row.id) ?? { kind: 'experiment', experimentId: row.id, name: row.name, count: row.count };
      node.name = row.name;
      node.count = row.count;
      this.experiments.set(row.id, node);
      return node;
    });
  }

  private listRuns(store: Store, experimentId: number): RunListing[] {
    const { filter, orderBy, limit } = this.query();
    return store.listRuns({ experimentIds: [experimentId], filter, orderBy, limit });
  }

  // A sweep's best run is part of the listing: when another run becomes best, the experiment is redrawn.
  private listingKey(runs: RunListing[], total: number, focus: RowFocus): string {
    const best = groupSweeps(runs, focus.metric).map((entry) => (entry.kind === 'sweep' ? entry.group.best?.id : undefined));
    return JSON.stringify([runs.map((run) => run.id), total, best]);
  }

  private runNodes(store: Store, experiment: ExperimentNode): (RunNode | SweepNode | MoreNode)[] {
    const runs = this.listRuns(store, experiment.experimentId);
    const total = store.countRuns({ experimentIds: [experiment.experimentId], filter: this.query().filter });
    experiment.count = total;
    const focus = focusOf(runs, this.query().primaryMetricOf(experiment.name));
    this.listed.set(experiment.experimentId, this.listingKey(runs, total, focus));
    this.focus.set(experiment.experimentId, focus);
    const now = Date.now();
    const runNode = (run: RunListing): RunNode => {
      const node = this.runs.get(run.id) ?? { kind: 'run', run };
      node.run = run;
      this.runs.set(run.id, node);
      this.rows.set(run.id, rowKey(run, focus, now));
      return node;
    };
    for (const run of runs) this.bestRuns.delete(run.id);
    const nodes: (RunNode | SweepNode | MoreNode)[] = groupSweeps(runs, focus.metric).map((entry) => {
      if (entry.kind === 'run') return runNode(entry.run);
      if (entry.group.best) this.bestRuns.add(entry.group.best.id);
      return { kind: 'sweep', experimentId: experiment.experimentId, group: entry.group, runs: entry.group.runs.map(runNode) };
    });
    if (total > runs.length) nodes.push({ kind: 'more', experimentId: experiment.experimentId, shown: runs.length, total });
    return nodes;
  }

  dispose(): void {
    this.changed.dispose();
    this.served.dispose();
  }
}
