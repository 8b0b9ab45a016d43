// The Runs table page: every run of an experiment (or all) in a virtualized grid, with the MLflow filter (with
// completion), quick filters, multi-column sort, a column chooser, selection, Compare and CSV export. The host owns
// the query and the columns: the page posts what the user asks for and draws the snapshots and rows it gets back.

import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import { bestFirstDescending } from '../src/core/metricDirection';
import type { MetricDirection } from '../src/core/metricDirection';
import { parseColumnId } from '../src/core/runsTable';
import type { RunStatus } from '../src/core/types';
import { isRunsTableToWebview } from '../src/protocol/runsTable';
import type { RunsTableFromWebview, RunsTableQuery, RunsTableSnapshotMessage, RunsTableToWebview } from '../src/protocol/runsTable';
import { ColumnChooser } from './runsTable/columnChooser';
import { FilterBox } from './runsTable/filterBox';
import { RunsGrid } from './runsTable/grid';
import { nextSort } from './runsTable/sortTerms';
import { el, oncePerFrame } from './shared/dom';
import { MessageClient } from './shared/messageClient';

/** What the page keeps across being hidden and shown. */
interface SavedState {
  scrollTop: number;
  selected: string[];
  focused?: string;
  /** Column widths the user dragged, by column id. */
  widths: Record<string, number>;
}

/** What tests and the bench may read of the page. */
interface RunsTableInspection {
  /** Ids of the rows in the DOM, in table order. */
  renderedRowIds(): string[];
  /** Selected ids, in table order. */
  selection(): string[];
  focused(): string | undefined;
  /** The generation of the snapshot shown (-1 before the first). */
  generation(): number;
}

declare global {
  interface Window {
    labbookRunsTable?: RunsTableInspection;
  }
}

/** The experiment dropdown's value for every experiment (experiment ids are numbers). */
const ALL_EXPERIMENTS = 'all';

const QUICK_STATUSES: readonly { status: RunStatus; label: string }[] = [
  { status: 'RUNNING', label: 'Running' },
  { status: 'FINISHED', label: 'Finished' },
  { status: 'FAILED', label: 'Failed' },
  { status: 'KILLED', label: 'Killed' },
  { status: 'CRASHED', label: 'Crashed' },
];

function readSavedState(raw: unknown): SavedState {
  const state = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const selected = Array.isArray(state.selected) ? state.selected.filter((id): id is string => typeof id === 'string') : [];
  const scrollTop = typeof state.scrollTop === 'number' && Number.isFinite(state.scrollTop) ? state.scrollTop : 0;
  const widths = typeof state.widths === 'object' && state.widths !== null ? (state.widths as Record<string, number>) : {};
  return { scrollTop, selected, focused: typeof state.focused === 'string' ? state.focused : undefined, widths };
}

function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

/** Sets text only when it changes: live refreshes must not make screen readers repeat a live region. */
function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

const client = new MessageClient<RunsTableToWebview, RunsTableFromWebview>(isRunsTableToWebview);

class RunsTablePage {
  private readonly experiment = el('vscode-single-select', { className: 'experiment-select', attributes: { 'aria-label': 'Experiment' } });
  private readonly filter = new FilterBox((filter) => this.setQuery({ filter }));
  private readonly quick = QUICK_STATUSES.map(({ status, label }) => ({ status, button: this.chip(label, `status-${status.toLowerCase()}`) }));
  private readonly starred = this.chip('★ Starred', 'starred');
  private readonly columnsButton = el('vscode-button', { className: 'columns-button', text: 'Columns', attributes: { 'aria-haspopup': 'dialog' } });
  private readonly count = el('span', { className: 'run-count', attributes: { 'aria-live': 'polite' } });
  private readonly selectedCount = el('span', { className: 'selected-count' });
  private readonly compare = el('vscode-button', { className: 'compare-button', text: 'Compare' });
  private readonly exportButton = el('vscode-button', { className: 'export-button', text: 'Export CSV' });
  private readonly banner = el('p', { className: 'banner', attributes: { role: 'alert' } });
  private readonly empty = el('div', { className: 'empty-state' });
  private readonly chooser = new ColumnChooser((columns) => client.post({ type: 'runsTable/setColumns', columns }));
  private readonly main = el('main', { className: 'runs-table', attributes: { 'aria-busy': 'true' } });
  readonly grid: RunsGrid;
  private snapshot: RunsTableSnapshotMessage | undefined;
  /** The latest query asked for (the snapshot's until the user changes something). */
  private query: RunsTableQuery | undefined;
  private restore: SavedState | undefined;
  /** The experiments the dropdown lists, as JSON. */
  private experimentsShown = '';
  private readonly saveView = oncePerFrame(() => this.saveState());
  /** A metric header click waiting for the user to say which way the metric is better. */
  private pendingSort: { columnId: string; additive: boolean; key: string } | undefined;

  constructor(saved: SavedState) {
    this.restore = saved;
    this.grid = new RunsGrid({
      requestRows: (runIds) => client.post({ type: 'runsTable/requestRows', generation: this.grid.cache.current(), runIds }),
      openRun: (runId) => client.post({ type: 'runsTable/openRun', runId }),
      toggleStar: (runId) => client.post({ type: 'runsTable/toggleStar', runId }),
      sortBy: (columnId, additive) => this.sortBy(columnId, additive),
      selectionChanged: () => this.selectionChanged(),
      viewChanged: () => this.saveView(),
    });
    this.banner.hidden = true;
    this.empty.hidden = true;
    this.compare.disabled = true;
    this.wireToolbar();
    this.main.append(this.toolbar(), this.banner, this.empty, this.grid.element, this.chooser.element);
    document.body.append(this.main);
    this.grid.restoreWidths(saved.widths);
    this.grid.mount();
  }

  handle(message: RunsTableToWebview): void {
    switch (message.type) {
      case 'runsTable/snapshot':
        this.show(message);
        return;
      case 'runsTable/rows':
        this.grid.addRows(message.generation, message.rows);
        return;
      case 'runsTable/filterError':
        if (this.query && this.snapshot) this.query = { ...this.query, filter: this.snapshot.query.filter };
        this.filter.showError(message.filter, message.message, message.position);
        return;
      case 'runsTable/error':
        this.banner.textContent = message.message;
        this.banner.hidden = false;
        return;
      case 'runsTable/metricDirection':
        this.directionAnswered(message.key, message.direction);
        return;
    }
  }

  /** A header click: a metric not yet sorted by starts best first, once the host knows (or asked) which way is best. */
  private sortBy(columnId: string, additive: boolean): void {
    const sort = this.query?.sort ?? [];
    const column = parseColumnId(columnId);
    if (column?.kind !== 'metric' || sort.some((term) => term.columnId === columnId)) {
      this.setQuery({ sort: nextSort(sort, columnId, additive) });
      return;
    }
    const direction = this.snapshot?.metricDirections[column.key];
    if (direction) {
      this.setQuery({ sort: nextSort(sort, columnId, additive, bestFirstDescending(direction)) });
      return;
    }
    this.pendingSort = { columnId, additive, key: column.key };
    client.post({ type: 'runsTable/askMetricDirection', key: column.key });
  }

  private directionAnswered(key: string, direction: MetricDirection | null): void {
    const pending = this.pendingSort;
    if (pending?.key !== key) return;
    this.pendingSort = undefined;
    if (direction === null) return;
    if (this.snapshot) this.snapshot.metricDirections[key] = direction;
    this.sortBy(pending.columnId, pending.additive);
  }

  inspect(): RunsTableInspection {
    return {
      renderedRowIds: () => this.grid.renderedIds(),
      selection: () => this.grid.selection.list(),
      focused: () => this.grid.selection.focused,
      generation: () => this.snapshot?.generation ?? -1,
    };
  }

  private show(snapshot: RunsTableSnapshotMessage): void {
    // A new query starts at the top; a live refresh of the same query keeps the place.
    const newQuery = this.snapshot !== undefined && JSON.stringify(snapshot.query) !== JSON.stringify(this.snapshot.query);
    this.snapshot = snapshot;
    this.query = snapshot.query;
    this.banner.hidden = true;
    this.filter.update(snapshot.query.filter, snapshot.catalog);
    this.showQuery(snapshot);
    this.showEmpty(snapshot);
    this.grid.show(snapshot.generation, snapshot.columns, snapshot.runIds, snapshot.rows, snapshot.query.sort);
    if (newQuery) this.grid.scrollTo(0);
    if (this.restore) {
      this.grid.selection.restore(this.restore.selected, this.restore.focused);
      this.grid.scrollTo(this.restore.scrollTop);
      this.grid.refreshMarks();
      this.restore = undefined;
    }
    this.selectionChanged();
    this.main.setAttribute('aria-busy', 'false');
  }

  private showQuery(snapshot: RunsTableSnapshotMessage): void {
    // Rebuilt only when the experiments change, so a live refresh does not close an open dropdown.
    const experiments = JSON.stringify(snapshot.experiments);
    if (experiments !== this.experimentsShown) {
      const options = [
        el('vscode-option', { text: 'All experiments', attributes: { value: ALL_EXPERIMENTS } }),
        ...snapshot.experiments.map((e) => el('vscode-option', { text: e.name, attributes: { value: String(e.id) } })),
      ];
      this.experiment.replaceChildren(...options);
      this.experimentsShown = experiments;
    }
    this.experiment.value = snapshot.query.experimentId === null ? ALL_EXPERIMENTS : String(snapshot.query.experimentId);
    for (const { status, button } of this.quick) button.setAttribute('aria-pressed', String(snapshot.query.statuses.includes(status)));
    this.starred.setAttribute('aria-pressed', String(snapshot.query.starredOnly));
    setText(this.count, `${formatCount(snapshot.runIds.length)} of ${formatCount(snapshot.totalRuns)} runs`);
  }

  private showEmpty(snapshot: RunsTableSnapshotMessage): void {
    const none = snapshot.runIds.length === 0;
    this.grid.element.hidden = none;
    this.empty.hidden = !none;
    if (!none) return;
    if (snapshot.totalRuns === 0) {
      this.empty.replaceChildren(
        el('h2', { text: 'No runs yet' }),
        el('p', { text: 'Start one with “Labbook: Run and Track” from the command palette, or run a script with `labbook run -- python train.py`.' }),
      );
      return;
    }
    const clear = el('vscode-button', { className: 'clear-filters', text: 'Clear filters' });
    clear.addEventListener('click', () => this.setQuery({ filter: '', statuses: [], starredOnly: false }));
    this.empty.replaceChildren(
      el('h2', { text: 'No runs match' }),
      el('p', { text: 'No run of this experiment matches the filter and quick filters.' }),
      clear,
    );
  }

  private setQuery(change: Partial<RunsTableQuery>): void {
    if (!this.query) return;
    this.query = { ...this.query, ...change };
    client.post({ type: 'runsTable/setQuery', query: this.query });
  }

  private selectionChanged(): void {
    const size = this.grid.selection.size;
    setText(this.selectedCount, size ? `${formatCount(size)} selected` : '');
    this.compare.disabled = size < 2;
    this.compare.title = size < 2 ? 'Select two or more runs to compare them' : `Compare the ${formatCount(size)} selected runs`;
    this.exportButton.title = size ? `Export the ${formatCount(size)} selected runs` : 'Export every matching run';
    this.saveState();
  }

  private saveState(): void {
    const state: SavedState = {
      scrollTop: this.grid.scrollTop,
      selected: this.grid.selection.list(),
      focused: this.grid.selection.focused,
      widths: this.grid.columnWidths(),
    };
    client.saveState(state);
  }

  private chip(label: string, name: string): HTMLButtonElement {
    return el('button', { className: `chip chip-${name}`, text: label, attributes: { type: 'button', 'aria-pressed': 'false' } });
  }

  private toolbar(): HTMLElement {
    this.columnsButton.secondary = true;
    this.exportButton.secondary = true;
    return el(
      'div',
      { className: 'toolbar', attributes: { role: 'toolbar', 'aria-label': 'Runs table' } },
      el('div', { className: 'toolbar-row' }, this.experiment, this.filter.element, this.columnsButton),
      el(
        'div',
        { className: 'toolbar-row' },
        el(
          'div',
          { className: 'quick-filters', attributes: { role: 'group', 'aria-label': 'Quick filters' } },
          ...this.quick.map((q) => q.button),
          this.starred,
        ),
        el('div', { className: 'actions' }, this.count, this.selectedCount, this.compare, this.exportButton),
      ),
    );
  }

  private wireToolbar(): void {
    this.experiment.addEventListener('change', () =>
      this.setQuery({ experimentId: this.experiment.value === ALL_EXPERIMENTS ? null : Number(this.experiment.value) }),
    );
    for (const { status, button } of this.quick) {
      button.addEventListener('click', () => {
        const statuses = this.query?.statuses ?? [];
        const next = statuses.includes(status) ? statuses.filter((s) => s !== status) : [...statuses, status];
        button.setAttribute('aria-pressed', String(next.includes(status)));
        this.setQuery({ statuses: next });
      });
    }
    this.starred.addEventListener('click', () => {
      const starredOnly = !(this.query?.starredOnly ?? false);
      this.starred.setAttribute('aria-pressed', String(starredOnly));
      this.setQuery({ starredOnly });
    });
    this.columnsButton.addEventListener('click', () => {
      if (this.chooser.isOpen) this.chooser.close();
      else if (this.snapshot)
        this.chooser.open(
          this.snapshot.catalog,
          this.snapshot.columns.map((c) => c.id),
          this.columnsButton,
        );
    });
    this.compare.addEventListener('click', () => {
      if (this.grid.selection.size >= 2) client.post({ type: 'runsTable/compare', runIds: this.grid.selection.list() });
    });
    // A click elsewhere closes the column chooser, as any popover.
    document.addEventListener('mousedown', (event) => {
      const target = event.target as Node;
      if (this.chooser.isOpen && !this.chooser.element.contains(target) && !this.columnsButton.contains(target)) this.chooser.close();
    });
    this.exportButton.addEventListener('click', () =>
      client.post({ type: 'runsTable/exportCsv', runIds: this.grid.selection.size ? this.grid.selection.list() : null }),
    );
  }
}

const page = new RunsTablePage(readSavedState(client.savedState()));
// Compiled out of the shipped build (LABBOOK_TEST_HOOKS is false there).
if (LABBOOK_TEST_HOOKS) Object.defineProperty(window, 'labbookRunsTable', { value: Object.freeze(page.inspect()) });
client.listen((message) => page.handle(message));
client.post({ type: 'runsTable/ready' });
