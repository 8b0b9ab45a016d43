// The Runs table: one webview listing the runs of an experiment (or all) with chosen columns, fed by a
// RunsTableFeed. The query and the columns are remembered per workspace (workspaceState). Like the other
// panels, the page is discarded while hidden and says 'ready' again when shown; a window reload restores it.

import * as vscode from 'vscode';
import { DEFAULT_RUNS_TABLE_QUERY, parseRunsTableMessage, readRunsTableQuery } from '../../protocol/runsTable';
import type { RunsTableFromWebview, RunsTableQuery, RunsTableSnapshotMessage, RunsTableToWebview } from '../../protocol/runsTable';
import { columnId } from '../../core/runsTable';
import type { Store } from '../../store/store';
import type { MetricDirections } from '../metricDirections';
import { columnsOf, RunsTableFeed } from './runsTableFeed';
import { WebviewHost } from './webviewHost';
import type { HostLog, WebviewProtocol } from './webviewHost';
import { panelSurface, webviewRoots } from './webviewPage';

/** The webview panel type of the Runs table. */
export const RUNS_TABLE_VIEW_TYPE = 'labbook.runsTable';

/** What the Runs table needs from the extension. */
export interface RunsTablePanelDeps {
  extensionUri: vscode.Uri;
  /** Where the query and columns are remembered. */
  workspaceState: vscode.Memento;
  store: () => Store | undefined;
  onDidChangeStore: vscode.Event<unknown>;
  openRun: (runId: string) => void;
  log: HostLog;
  /** Which way each metric is better; asks the user about metrics whose name does not tell. */
  directions: MetricDirections;
}

const PROTOCOL: WebviewProtocol<RunsTableToWebview, RunsTableFromWebview> = {
  parse: parseRunsTableMessage,
  readyType: 'runsTable/ready',
  error: (message) => ({ type: 'runsTable/error', message: `Labbook: ${message}` }),
};

/** What is remembered per workspace. */
interface TableState {
  query: RunsTableQuery;
  /** Column ids; undefined until the user chooses (then the defaults follow the runs' keys). */
  columns?: string[];
}

const STATE_KEY = 'labbook.runsTable';
const REFRESH_MS = 1000;
/** Where exports are offered first, inside the store folder (git-ignored). */
const EXPORTS_FOLDER = 'exports';

function readState(memento: vscode.Memento): TableState {
  const saved = memento.get<{ query?: unknown; columns?: unknown }>(STATE_KEY);
  const query = readRunsTableQuery(saved?.query) ?? DEFAULT_RUNS_TABLE_QUERY;
  if (!Array.isArray(saved?.columns)) return { query };
  return { query, columns: columnsOf(saved.columns.filter((id): id is string => typeof id === 'string')).map(columnId) };
}

/** Opens the single Runs table and keeps it current. */
export class RunsTablePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private host: WebviewHost<RunsTableToWebview, RunsTableFromWebview> | undefined;
  private readonly feed: RunsTableFeed;
  private state: TableState;
  /** The columns the last snapshot showed, which row requests are answered with. */
  private shownColumns: string[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly deps: RunsTablePanelDeps) {
    this.state = readState(deps.workspaceState);
    this.feed = new RunsTableFeed({
      primaryMetric: () => vscode.workspace.getConfiguration('labbook.runs').get<string>('primaryMetric')?.trim() || undefined,
      direction: (key) => deps.directions.get(key),
    });
    // Live runs commit every few hundred ms; the table re-queries at most once a second.
    this.disposables = [
      deps.onDidChangeStore(() => {
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          this.send();
        }, REFRESH_MS);
      }),
      vscode.window.registerWebviewPanelSerializer(RUNS_TABLE_VIEW_TYPE, { deserializeWebviewPanel: async (panel) => this.adopt(panel) }),
    ];
  }

  /** Shows the table, creating it if needed. */
  open(): void {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    this.adopt(
      vscode.window.createWebviewPanel(RUNS_TABLE_VIEW_TYPE, 'Runs', vscode.ViewColumn.Active, {
        enableScripts: true,
        localResourceRoots: webviewRoots(this.deps.extensionUri),
      }),
    );
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const disposable of this.disposables) disposable.dispose();
    this.panel?.dispose();
  }

  private adopt(panel: vscode.WebviewPanel): void {
    panel.webview.options = { enableScripts: true, localResourceRoots: webviewRoots(this.deps.extensionUri) };
    panel.iconPath = vscode.Uri.joinPath(this.deps.extensionUri, 'media', 'labbook.svg');
    const disposed = (): void => {
      this.panel = undefined;
      this.host = undefined;
    };
    this.host = new WebviewHost(
      panelSurface(panel, { extensionUri: this.deps.extensionUri, name: 'runsTablePanel', title: 'Labbook runs' }),
      PROTOCOL,
      { receive: (message) => this.handle(message), disposed },
      this.deps.log,
    );
    this.panel = panel;
  }

  private async handle(message: RunsTableFromWebview): Promise<void> {
    switch (message.type) {
      case 'runsTable/ready':
        this.send();
        return;
      case 'runsTable/setQuery':
        this.send(message.query);
        return;
      case 'runsTable/setColumns':
        await this.remember({ ...this.state, columns: message.columns });
        this.send();
        return;
      case 'runsTable/requestRows':
        if (this.host?.ready) this.host.post(this.feed.rows(this.requireStore(), message.generation, message.runIds, this.shownColumns));
        return;
      case 'runsTable/openRun':
        this.deps.openRun(message.runId);
        return;
      case 'runsTable/compare':
        await vscode.commands.executeCommand('labbook.compareRuns', message.runIds);
        return;
      case 'runsTable/toggleStar':
        await vscode.commands.executeCommand('labbook.toggleStar', message.runId);
        return;
      case 'runsTable/exportCsv':
        await this.exportCsv(message.runIds);
        return;
      case 'runsTable/askMetricDirection': {
        const direction = (await this.deps.directions.resolve(message.key)) ?? null;
        if (this.host?.ready) this.host.post({ type: 'runsTable/metricDirection', key: message.key, direction });
        return;
      }
    }
  }

  /** Sends the table for `query` (default: the remembered one); a query that works is remembered. */
  private send(query = this.state.query): void {
    const host = this.host;
    if (!host?.showing) return;
    const store = this.deps.store();
    if (!store) {
      host.post(this.emptySnapshot(query));
      return;
    }
    host.guard(() => {
      const message = this.feed.snapshot(store, query, this.state.columns);
      if (message.type === 'runsTable/snapshot') {
        this.shownColumns = message.columns.map((column) => column.id);
        void this.remember({ ...this.state, query: message.query });
      }
      host.post(message);
    });
  }

  private emptySnapshot(query: RunsTableQuery): RunsTableSnapshotMessage {
    return {
      type: 'runsTable/snapshot',
      generation: 0,
      query,
      columns: [],
      catalog: { params: [], metrics: [], tags: [] },
      metricDirections: {},
      experiments: [],
      totalRuns: 0,
      runIds: [],
      rows: [],
    };
  }

  private async exportCsv(runIds: string[] | null): Promise<void> {
    const store = this.requireStore();
    const ids = runIds ?? this.feed.orderedIds(store, this.state.query);
    if (ids.length === 0) throw new Error('there are no runs to export.');
    // Inside the store folder, which its own .gitignore keeps out of git: an export never turns up as a change to commit.
    const folder = vscode.Uri.joinPath(vscode.Uri.file(store.dir), EXPORTS_FOLDER);
    await vscode.workspace.fs.createDirectory(folder);
    const target = await vscode.window.showSaveDialog({
      title: `Export ${ids.length === 1 ? 'one run' : `${ids.length} runs`} as CSV`,
      defaultUri: vscode.Uri.joinPath(folder, 'labbook-runs.csv'),
      filters: { CSV: ['csv'] },
    });
    if (!target) return;
    const text = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Labbook: exporting runs…' }, async () =>
      this.feed.csv(store, ids, this.shownColumns),
    );
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    const choice = await vscode.window.showInformationMessage(
      `Labbook: exported ${ids.length === 1 ? 'one run' : `${ids.length} runs`} to ${vscode.workspace.asRelativePath(target)}.`,
      'Open',
    );
    if (choice === 'Open') await vscode.commands.executeCommand('vscode.open', target);
  }

  private requireStore(): Store {
    const store = this.deps.store();
    if (!store) throw new Error('there are no runs in this workspace yet.');
    return store;
  }

  private async remember(state: TableState): Promise<void> {
    this.state = state;
    await this.deps.workspaceState.update(STATE_KEY, state);
  }
}
