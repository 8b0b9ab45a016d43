import * as vscode from 'vscode';
import { parseFilter } from '../core/filter';
import { bestFirstDescending } from '../core/metricDirection';
import { describeSort, orderByFor, parseSort, sortFromSetting, type RunSort } from '../core/runSort';
import { choosePrimaryMetric } from '../core/runDistinction';
import { Cancelled } from './errors';
import { clickedRowAfterRedraw } from './rowClick';
import type { MetricDirections } from './metricDirections';
import type { ExperimentNode, TreeNode } from './runItems';
import { RunsTreeProvider, type RunQuery } from './runsTree';
import type { StoreHost } from './storeHost';

/** Id of the Runs view. */
export const RUNS_VIEW_ID = 'labbook.runs';

const FILTER_KEY = 'labbook.runs.filter';
const SORT_KEY = 'labbook.runs.sort';
/** Primary metric chosen per experiment name; the key '' holds the choice for every experiment. */
const PRIMARY_KEY = 'labbook.runs.primaryMetrics';
/** Relative times in descriptions change once a minute; redraw rows that often even when nothing was written. */
const AGE_REFRESH_MS = 30_000;
/** Shortest time between two redraws caused by store changes. */
const SYNC_MS = 900;

/** The Runs view: its tree, the filter and sort the user chose (kept per workspace), and what it says about them. */
export class RunsView implements vscode.Disposable {
  readonly provider: RunsTreeProvider;
  readonly view: vscode.TreeView<TreeNode>;
  private readonly subscriptions: vscode.Disposable[];
  private readonly timer: NodeJS.Timeout;
  private problem: string | undefined;
  private empty = true;
  private pendingSync: NodeJS.Timeout | undefined;
  private lastSync = 0;

  constructor(
    private readonly host: StoreHost,
    private readonly state: vscode.Memento,
    private readonly directions: MetricDirections,
  ) {
    this.provider = new RunsTreeProvider(
      host,
      () => this.query(),
      (state) => {
        this.problem = state.problem;
        this.empty = state.empty;
        this.showMessage();
      },
    );
    this.view = vscode.window.createTreeView(RUNS_VIEW_ID, { treeDataProvider: this.provider, canSelectMany: true, showCollapseAll: true });
    this.subscriptions = [
      this.provider,
      this.view,
      this.view.onDidCollapseElement((event) => this.provider.collapsed(event.element)),
      host.onDidChange((change) => {
        this.showMessage();
        // The user's own edit (rename, tag) shows at once, not up to SYNC_MS later; writes by runs keep the throttle.
        if (change === 'wroteHere') this.syncNow();
        else this.scheduleSync();
      }),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('labbook.runs')) this.changedQuery();
      }),
    ];
    this.timer = setInterval(() => this.provider.sync(), AGE_REFRESH_MS);
    this.changedQuery();
  }

  // A live run writes several times a second. Every redraw of an expanded run refetches its details (and the
  // workbench flashes its progress bar), so redraws happen at most once per SYNC_MS: at once, then trailing.
  private scheduleSync(): void {
    if (this.pendingSync) return;
    const wait = this.lastSync + SYNC_MS - Date.now();
    if (wait <= 0) this.syncNow();
    else this.pendingSync = setTimeout(() => this.syncNow(), wait);
  }

  private syncNow(): void {
    clearTimeout(this.pendingSync);
    this.pendingSync = undefined;
    this.lastSync = Date.now();
    this.provider.sync();
  }

  /** The row a click on the tree was on (see rowClick.ts), or `clicked` when a menu or command named one. */
  clickedRow(clicked: unknown): Promise<unknown> {
    return clickedRowAfterRedraw(clicked, this.view, this.provider.onDidServeChildren);
  }

  /** The current filter text ('' for none). */
  get filter(): string {
    return this.state.get<string>(FILTER_KEY, '');
  }

  /** The current sort: the one picked in this workspace, else the `labbook.runs.sort` setting. */
  get sort(): RunSort {
    const settings = vscode.workspace.getConfiguration('labbook.runs');
    return (
      parseSort(this.state.get(SORT_KEY)) ??
      sortFromSetting(settings.get<string>('sort'), settings.get<string>('primaryMetric'), (key) => this.directions.get(key))
    );
  }

  query(): RunQuery {
    const settings = vscode.workspace.getConfiguration('labbook.runs');
    return {
      filter: this.filter,
      orderBy: orderByFor(this.sort),
      primaryMetricOf: (experiment) => this.primaryMetricOf(experiment),
      limit: Math.max(1, settings.get<number>('maxPerExperiment', 500)),
    };
  }

  /** The primary metric chosen for an experiment: in this workspace (for it, else for all), else in settings. */
  primaryMetricOf(experiment: string): string | undefined {
    const chosen = this.chosenMetrics();
    const setting = vscode.workspace.getConfiguration('labbook.runs').get<string>('primaryMetric')?.trim() || undefined;
    return chosen[experiment] ?? chosen[''] ?? setting;
  }

  private chosenMetrics(): Record<string, string> {
    const value: unknown = this.state.get(PRIMARY_KEY);
    if (typeof value !== 'object' || value === null) return {};
    return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  }

  /**
   * Asks which metric run rows show: for one experiment (its menu), or for every experiment (the view's title,
   * which replaces the per-experiment choices). "Automatic" forgets the choice.
   */
  async pickPrimaryMetric(experiment: ExperimentNode | undefined): Promise<void> {
    const keys = experiment ? this.provider.metricKeys(experiment.experimentId) : this.metricKeysInStore();
    if (keys.length === 0) throw new Error('No run has logged a metric yet, so there is no metric to choose.');
    const scope = experiment ? experiment.name : '';
    const current = this.chosenMetrics()[scope];
    type Item = vscode.QuickPickItem & { metric: string | undefined };
    const items: Item[] = [
      {
        label: '$(sparkle) Automatic',
        description: `now ${choosePrimaryMetric(keys) ?? 'none'}: validation, then test metrics; loss, then accuracy`,
        metric: undefined,
      },
      ...keys.map((key) => ({ label: key, description: key === current ? 'current' : undefined, metric: key })),
    ];
    const picked = await vscode.window.showQuickPick(items, {
      title: experiment ? `Primary Metric of ${experiment.name}` : 'Primary Metric of Every Experiment',
      placeHolder: 'The metric each run row shows',
    });
    if (!picked) throw new Cancelled();
    const chosen = experiment ? this.chosenMetrics() : {};
    if (picked.metric === undefined) delete chosen[scope];
    else chosen[scope] = picked.metric;
    await this.state.update(PRIMARY_KEY, chosen);
    this.changedQuery();
  }

  private metricKeysInStore(): string[] {
    return [...new Set((this.host.store?.listRuns({ limit: 200 }) ?? []).flatMap((run) => Object.keys(run.metrics)))].sort();
  }

  /** Asks for an MLflow filter, validating as the user types. */
  async editFilter(): Promise<void> {
    const text = await vscode.window.showInputBox({
      title: 'Filter Runs',
      prompt: "MLflow search syntax, clauses joined by AND, e.g. metrics.acc > 0.9 AND params.lr = '0.01' AND attributes.status = 'FINISHED'",
      placeHolder: "metrics.acc > 0.9 AND params.optimizer = 'adam'",
      value: this.filter,
      ignoreFocusOut: true,
      validateInput: (value) => filterProblem(value),
    });
    if (text === undefined) throw new Cancelled();
    await this.setFilter(text.trim());
  }

  async setFilter(text: string): Promise<void> {
    const problem = filterProblem(text);
    if (problem) throw new Error(`Invalid filter: ${problem}`);
    await this.state.update(FILTER_KEY, text || undefined);
    this.changedQuery();
  }

  /** Offers the orders the view knows, a metric order (best first) for any metric key in the store, and reversing it. */
  async pickSort(): Promise<void> {
    type Item = vscode.QuickPickItem & { sort?: RunSort; askMetric?: boolean };
    const sort = this.sort;
    const current = describeSort(sort);
    const items: Item[] = [
      { label: '$(history) Newest first', sort: { by: 'newest' } },
      { label: '$(history) Oldest first', sort: { by: 'oldest' } },
      { label: '$(symbol-text) By name', sort: { by: 'name' } },
      { label: '$(graph-line) By metric, best first…', askMetric: true },
    ];
    if (sort.by === 'metric')
      items.push({
        label: `$(arrow-swap) Reverse (${sort.metric} ${sort.descending ? 'lowest' : 'highest'} first)`,
        sort: { ...sort, descending: !sort.descending },
      });
    const picked = await vscode.window.showQuickPick(items, { title: `Sort Runs (now: ${current})`, placeHolder: 'How should runs be ordered?' });
    if (!picked) throw new Cancelled();
    await this.state.update(SORT_KEY, picked.sort ?? (await this.pickMetricSort()));
    this.changedQuery();
  }

  private async pickMetricSort(): Promise<RunSort> {
    const keys = this.metricKeysInStore();
    if (keys.length === 0) throw new Error('No run has logged a metric yet, so there is nothing to sort by.');
    const described = { lower: 'lowest first', higher: 'highest first' } as const;
    const items = keys.map((label) => {
      const direction = this.directions.get(label);
      return { label, description: direction ? described[direction] : undefined };
    });
    const key = (await vscode.window.showQuickPick(items, { title: 'Sort Runs by Metric, Best First', placeHolder: 'Metric' }))?.label;
    if (!key) throw new Cancelled();
    const direction = await this.directions.resolve(key);
    if (!direction) throw new Cancelled();
    return { by: 'metric', metric: key, descending: bestFirstDescending(direction) };
  }

  /** Redraws after the filter, sort or settings changed, and says what the view shows. */
  changedQuery(): void {
    void vscode.commands.executeCommand('setContext', 'labbook.filtered', this.filter.length > 0);
    this.showMessage();
    this.provider.reset();
  }

  // A query problem (say, a filter the grammar no longer accepts), a store that would not open, or the filter.
  // Not the view's description: a view alone in its container does not show it, and it renames the view's
  // accessible header ("Runs - … Section"). An empty filtered view says nothing here, because any message
  // hides the welcome content, which offers to edit or clear the filter.
  private showMessage(): void {
    const filter = this.filter && !this.empty ? `Filtered: ${this.filter}` : undefined;
    this.view.message = this.problem ?? this.host.error?.message ?? filter;
  }

  dispose(): void {
    clearInterval(this.timer);
    clearTimeout(this.pendingSync);
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}

/** Why a filter text does not parse, or undefined when it does. */
export function filterProblem(text: string): string | undefined {
  try {
    parseFilter(text);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
