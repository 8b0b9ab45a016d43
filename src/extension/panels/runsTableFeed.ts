// What the Runs table shows, from the store (no vscode, so unit tests and the bench drive it against a real
// store). Filtering runs in SQL (the MLflow grammar, plus the quick filters written in it); sorting reads only the
// sorted columns' values for every matching run and sorts in JS, so params that read as numbers sort as numbers
// and missing values go last. Rows are read a page at a time, for the ids the page is about to show.

import { toCsv } from '../../core/csv';
import { FilterError } from '../../core/filter';
import { formatDateTime, formatDuration, formatMetric } from '../../core/format';
import { metricDirection } from '../../core/metricDirection';
import type { MetricDirection } from '../../core/metricDirection';
import { columnId, columnLabel, compareRows, defaultColumns, isNumericColumn, parseColumnId } from '../../core/runsTable';
import type { CellValue, ColumnSpec, TableAttribute } from '../../core/runsTable';
import type {
  RunsTableColumn,
  RunsTableFilterErrorMessage,
  RunsTableQuery,
  RunsTableRow,
  RunsTableRowsMessage,
  RunsTableSnapshotMessage,
} from '../../protocol/runsTable';
import { columnValues, metricValueKey, tableCatalog, tableRuns } from '../../store/runsTable';
import type { TableRunData } from '../../store/runsTable';
import type { Store } from '../../store/store';

/** Rows sent with a snapshot, enough to fill a tall panel without a round trip. */
export const FIRST_ROWS = 100;
/** Runs read per query while exporting. */
const EXPORT_PAGE = 500;

/** The MLflow filter a query stands for: the user's text, then the quick filters (positions stay the user's). */
export function queryFilter(query: RunsTableQuery): string {
  const parts = [query.filter.trim()].filter((text) => text.length > 0);
  if (query.statuses.length) parts.push(`attributes.status IN (${query.statuses.map((status) => `'${status}'`).join(', ')})`);
  if (query.starredOnly) parts.push('attributes.starred = true');
  return parts.join(' AND ');
}

/** The columns of the ids, dropping ids that are not well-formed (stored state may be old). */
export function columnsOf(ids: readonly string[]): ColumnSpec[] {
  return ids.flatMap((id) => parseColumnId(id) ?? []);
}

function header(column: ColumnSpec): RunsTableColumn {
  return { id: columnId(column), label: columnLabel(column), kind: column.kind, numeric: isNumericColumn(column) };
}

function attributeValue(run: TableRunData, key: TableAttribute, now: number): CellValue {
  switch (key) {
    case 'name':
      return run.name;
    case 'status':
      return run.status;
    case 'experiment':
      return run.experimentName;
    case 'start':
      return run.startTime;
    case 'duration':
      return (run.endTime ?? now) - run.startTime;
    case 'commit':
      return run.commit;
    case 'branch':
      return run.branch;
    case 'user':
      return run.user;
    case 'source':
      return run.sourceFile;
    case 'id':
      return run.id;
  }
}

/** A run's value in a column (null: none), as stored. */
function cellValue(run: TableRunData, column: ColumnSpec, now: number): CellValue {
  switch (column.kind) {
    case 'attribute':
      return attributeValue(run, column.key, now);
    case 'param':
      return run.params.get(column.key) ?? null;
    case 'tag':
      return run.tags.get(column.key) ?? null;
    case 'metric':
      return run.metrics.get(metricValueKey(column.aggregate, column.key)) ?? null;
  }
}

/** A cell as the table shows it. */
function displayText(column: ColumnSpec, value: CellValue): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return column.kind === 'attribute' && column.key === 'commit' ? value.slice(0, 7) : value;
  if (column.kind === 'attribute') return column.key === 'start' ? formatDateTime(value) : formatDuration(value);
  return formatMetric(value);
}

/** A cell as CSV holds it: full precision, ISO times, durations in seconds. */
function csvText(column: ColumnSpec, value: CellValue): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (column.kind === 'attribute') return column.key === 'start' ? new Date(value).toISOString() : String(value / 1000);
  return Number.isFinite(value) ? String(value) : formatMetric(value);
}

/** What the feed reads from the extension's settings and state. */
export interface RunsTableFeedOptions {
  /** `labbook.runs.primaryMetric`, which leads the default metric columns. */
  primaryMetric?: () => string | undefined;
  /** Which way a metric is better (default: by its name). */
  direction?: (key: string) => MetricDirection | undefined;
}

/** Builds the Runs table's messages; one feed per panel, so generations only grow. */
export class RunsTableFeed {
  private generation = 0;

  constructor(private readonly options: RunsTableFeedOptions = {}) {}

  /** The table for a query: every matching id in order and the first rows, or why the filter is wrong. */
  snapshot(
    store: Store,
    asked: RunsTableQuery,
    columnIds: readonly string[] | undefined,
    now = Date.now(),
  ): RunsTableSnapshotMessage | RunsTableFilterErrorMessage {
    // A remembered experiment may have been deleted since: show every experiment rather than "no runs yet".
    const gone = asked.experimentId !== null && store.experimentById(asked.experimentId)?.lifecycle !== 'active';
    const query = gone ? { ...asked, experimentId: null } : asked;
    const experimentIds = query.experimentId === null ? undefined : [query.experimentId];
    let runIds: string[];
    try {
      runIds = this.orderedIds(store, query, now);
    } catch (error) {
      if (!(error instanceof FilterError)) throw error;
      // queryFilter trims the text, so the offset counts from its first non-blank character.
      const leading = query.filter.length - query.filter.trimStart().length;
      return {
        type: 'runsTable/filterError',
        filter: query.filter,
        message: error.message,
        position: Math.min(leading + error.position, query.filter.length),
      };
    }
    const catalog = tableCatalog(store, query.experimentId);
    const columns = columnIds ? columnsOf(columnIds) : defaultColumns(catalog, this.options.primaryMetric?.());
    this.generation++;
    return {
      type: 'runsTable/snapshot',
      generation: this.generation,
      query,
      columns: columns.map(header),
      catalog,
      metricDirections: this.directions(catalog.metrics),
      experiments: store
        .listExperiments()
        .filter((e) => e.lifecycle === 'active')
        .map((e) => ({ id: e.id, name: e.name })),
      totalRuns: store.countRuns({ experimentIds }),
      runIds,
      rows: this.rowsOf(store, runIds.slice(0, FIRST_ROWS), columns, now),
    };
  }

  /** The rows of these runs for the current columns, answering the page's request of a generation. */
  rows(store: Store, generation: number, runIds: readonly string[], columnIds: readonly string[], now = Date.now()): RunsTableRowsMessage {
    return { type: 'runsTable/rows', generation, rows: this.rowsOf(store, runIds, columnsOf(columnIds), now) };
  }

  /** CSV of the shown columns for these runs (in this order), with a run id column first. */
  csv(store: Store, runIds: readonly string[], columnIds: readonly string[], now = Date.now()): string {
    const columns = columnsOf(columnIds).filter((column) => !(column.kind === 'attribute' && column.key === 'id'));
    const lines: string[][] = [];
    for (let from = 0; from < runIds.length; from += EXPORT_PAGE) {
      for (const run of tableRuns(store, runIds.slice(from, from + EXPORT_PAGE), columns)) {
        lines.push([run.id, ...columns.map((column) => csvText(column, cellValue(run, column, now)))]);
      }
    }
    return toCsv(['run_id', ...columns.map(csvHeader)], lines);
  }

  /** Every run matching the query, in table order (the CSV export of "all"). */
  orderedIds(store: Store, query: RunsTableQuery, now = Date.now()): string[] {
    const experimentIds = query.experimentId === null ? undefined : [query.experimentId];
    const ids = store.runIds({ experimentIds, filter: queryFilter(query) });
    if (query.sort.length === 0) return ids;
    const values = query.sort.map((term) => {
      const column = parseColumnId(term.columnId);
      return column ? columnValues(store, column, now) : new Map<string, CellValue>();
    });
    const keyed = ids.map((id) => ({ id, key: values.map((byRun) => byRun.get(id) ?? null) }));
    keyed.sort((a, b) => compareRows(a.key, b.key, query.sort));
    return keyed.map((row) => row.id);
  }

  private directions(keys: readonly string[]): Record<string, MetricDirection> {
    const directionOf = this.options.direction ?? metricDirection;
    return Object.fromEntries(
      keys.flatMap((key) => {
        const direction = directionOf(key);
        return direction ? [[key, direction]] : [];
      }),
    );
  }

  private rowsOf(store: Store, runIds: readonly string[], columns: readonly ColumnSpec[], now: number): RunsTableRow[] {
    return tableRuns(store, runIds, columns).map((run) => ({
      id: run.id,
      status: run.status,
      starred: run.starred,
      cells: columns.map((column) => displayText(column, cellValue(run, column, now))),
    }));
  }
}

/** A CSV header names what the column holds: `param.lr`, `metric.acc.min`, `duration_s`, … */
function csvHeader(column: ColumnSpec): string {
  if (column.kind === 'metric') return column.aggregate === 'last' ? `metric.${column.key}` : `metric.${column.key}.${column.aggregate}`;
  if (column.kind === 'attribute') return column.key === 'duration' ? 'duration_s' : column.key === 'start' ? 'start_time' : column.key;
  return `${column.kind}.${column.key}`;
}
