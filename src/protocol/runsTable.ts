// Messages between the Runs table webview and the extension host.
// The host owns the query (filter, quick filters, multi-column sort) and the columns, remembers them per
// workspace, sorts and filters in the store, and sends the ordered ids of every matching run with only the first
// rows. The page virtualizes: it asks for the rows it is about to show, by id, and keeps rows it has by id, so a
// refresh while runs are live never blanks the table. `generation` tells answers to an older query apart.

import type { MetricDirection } from '../core/metricDirection';
import type { ColumnCatalog, ColumnSpec, SortTerm } from '../core/runsTable';
import { parseColumnId } from '../core/runsTable';
import { RUN_STATUSES } from '../core/types';
import type { RunStatus } from '../core/types';
import { InvalidMessage, isFields, parseWebviewMessage, unknownType } from './messageFields';
import type { Fields, ParseResult } from './messageFields';

/** What the table shows: an experiment (null: all), a filter in the MLflow grammar, quick filters and the sort. */
export interface RunsTableQuery {
  experimentId: number | null;
  filter: string;
  /** Only runs with one of these statuses; empty: any status. */
  statuses: RunStatus[];
  starredOnly: boolean;
  /** Sort terms, most significant first; empty: newest first. */
  sort: SortTerm[];
}

/** A column as the page draws it. */
export interface RunsTableColumn {
  /** core/runsTable columnId. */
  id: string;
  label: string;
  kind: ColumnSpec['kind'];
  /** Numbers are right-aligned. */
  numeric: boolean;
}

/** One run's row: display text per column, in column order (null: the run has no such value). */
export interface RunsTableRow {
  id: string;
  status: RunStatus;
  starred: boolean;
  cells: (string | null)[];
}

/** An experiment the table can be scoped to. */
export interface RunsTableExperiment {
  id: number;
  name: string;
}

/** Everything the page needs to draw the table for a query. */
export interface RunsTableSnapshotMessage {
  type: 'runsTable/snapshot';
  /** Grows with every snapshot; rows answer a generation. */
  generation: number;
  query: RunsTableQuery;
  columns: RunsTableColumn[];
  /** Keys for the column chooser and filter completion. */
  catalog: ColumnCatalog;
  /** Which way each catalog metric is better, where its name or the user's answer tells (a first header click sorts best first). */
  metricDirections: Record<string, MetricDirection>;
  experiments: RunsTableExperiment[];
  /** Runs in the chosen experiment before the filter and quick filters; 0: no runs yet. */
  totalRuns: number;
  /** Every matching run's id, in table order. */
  runIds: string[];
  /** The first rows of `runIds`, so the first paint needs no round trip. */
  rows: RunsTableRow[];
}

/** Rows the page asked for (ids no longer in the store are left out). */
export interface RunsTableRowsMessage {
  type: 'runsTable/rows';
  generation: number;
  rows: RunsTableRow[];
}

/** The filter text does not parse; the table keeps showing the last good query's runs. */
export interface RunsTableFilterErrorMessage {
  type: 'runsTable/filterError';
  filter: string;
  message: string;
  /** 0-based offset of the problem in `filter`. */
  position: number;
}

/** Something failed on the host side; the page shows it until the next snapshot. */
export interface RunsTableErrorMessage {
  type: 'runsTable/error';
  message: string;
}

/** The user's answer to which way a metric is better (null: dismissed). */
export interface RunsTableMetricDirectionMessage {
  type: 'runsTable/metricDirection';
  key: string;
  direction: MetricDirection | null;
}

/** Every message the host sends to the Runs table. */
export type RunsTableToWebview =
  RunsTableSnapshotMessage | RunsTableRowsMessage | RunsTableFilterErrorMessage | RunsTableErrorMessage | RunsTableMetricDirectionMessage;

/** The page has loaded. */
export interface RunsTableReadyMessage {
  type: 'runsTable/ready';
}

/** The user changed the filter, a quick filter, the experiment or the sort. */
export interface RunsTableSetQueryMessage {
  type: 'runsTable/setQuery';
  query: RunsTableQuery;
}

/** The user chose columns (ids, in display order). */
export interface RunsTableSetColumnsMessage {
  type: 'runsTable/setColumns';
  columns: string[];
}

/** The page is about to show these runs and needs their rows. */
export interface RunsTableRequestRowsMessage {
  type: 'runsTable/requestRows';
  generation: number;
  runIds: string[];
}

/** Open a run in its Run panel. */
export interface RunsTableOpenRunMessage {
  type: 'runsTable/openRun';
  runId: string;
}

/** Compare the selected runs. */
export interface RunsTableCompareMessage {
  type: 'runsTable/compare';
  runIds: string[];
}

/** Save the shown columns as CSV: these runs, or every matching run when null. */
export interface RunsTableExportCsvMessage {
  type: 'runsTable/exportCsv';
  runIds: string[] | null;
}

/** Star or unstar a run. */
export interface RunsTableToggleStarMessage {
  type: 'runsTable/toggleStar';
  runId: string;
}

/** A metric header was clicked whose direction nobody knows yet: ask the user which way is better. */
export interface RunsTableAskMetricDirectionMessage {
  type: 'runsTable/askMetricDirection';
  key: string;
}

/** Every message the Runs table sends to the host. */
export type RunsTableFromWebview =
  | RunsTableAskMetricDirectionMessage
  | RunsTableReadyMessage
  | RunsTableSetQueryMessage
  | RunsTableSetColumnsMessage
  | RunsTableRequestRowsMessage
  | RunsTableOpenRunMessage
  | RunsTableCompareMessage
  | RunsTableExportCsvMessage
  | RunsTableToggleStarMessage;

/** The outcome of checking a message from the webview. */
export type RunsTableParseResult = ParseResult<RunsTableFromWebview>;

/** Most rows one request may ask for. */
export const MAX_ROWS_PER_REQUEST = 500;
/** Most columns a table may show. */
export const MAX_TABLE_COLUMNS = 200;
/** Most sort terms. */
export const MAX_SORT_TERMS = 10;
/** Most runs one compare or export may name. */
export const MAX_SELECTED_RUNS = 100_000;
/** Longest filter text accepted (core/filter refuses longer ones too). */
export const MAX_TABLE_FILTER_LENGTH = 100_000;

const RUN_ID = /^[0-9a-f]{32}$/;

function arrayOf(fields: Fields, name: string, max: number): unknown[] {
  const value = fields[name];
  if (!Array.isArray(value)) throw new InvalidMessage(`'${name}' must be an array.`);
  if (value.length > max) throw new InvalidMessage(`'${name}' may hold at most ${max} items.`);
  return value;
}

function runIdOf(value: unknown, name: string): string {
  if (typeof value !== 'string' || !RUN_ID.test(value)) throw new InvalidMessage(`'${name}' must hold run ids of 32 lowercase hex characters.`);
  return value;
}

function runIds(fields: Fields, name: string, max: number): string[] {
  return arrayOf(fields, name, max).map((id) => runIdOf(id, name));
}

function columnIdOf(value: unknown, name: string): string {
  if (typeof value !== 'string' || parseColumnId(value) === undefined)
    throw new InvalidMessage(`'${name}' holds an unknown column ${JSON.stringify(String(value)).slice(0, 80)}.`);
  return value;
}

function sortTerms(value: unknown): SortTerm[] {
  if (!Array.isArray(value) || value.length > MAX_SORT_TERMS) throw new InvalidMessage(`'sort' must be an array of at most ${MAX_SORT_TERMS} terms.`);
  return value.map((term) => {
    if (!isFields(term) || typeof term.descending !== 'boolean') throw new InvalidMessage("'sort' terms need 'columnId' and a boolean 'descending'.");
    return { columnId: columnIdOf(term.columnId, 'sort'), descending: term.descending };
  });
}

function statuses(value: unknown): RunStatus[] {
  if (!Array.isArray(value)) throw new InvalidMessage("'statuses' must be an array.");
  return value.map((status) => {
    const match = RUN_STATUSES.find((known) => known === status);
    if (match === undefined) throw new InvalidMessage(`'statuses' must hold ${RUN_STATUSES.join(', ')}.`);
    return match;
  });
}

function query(value: unknown): RunsTableQuery {
  if (!isFields(value)) throw new InvalidMessage("'query' must be an object.");
  const { experimentId, filter, starredOnly } = value;
  if (experimentId !== null && !(typeof experimentId === 'number' && Number.isSafeInteger(experimentId)))
    throw new InvalidMessage("'experimentId' must be an integer or null.");
  if (typeof filter !== 'string' || filter.length > MAX_TABLE_FILTER_LENGTH)
    throw new InvalidMessage(`'filter' must be a string of at most ${MAX_TABLE_FILTER_LENGTH} characters.`);
  if (typeof starredOnly !== 'boolean') throw new InvalidMessage("'starredOnly' must be a boolean.");
  return { experimentId, filter, statuses: statuses(value.statuses), starredOnly, sort: sortTerms(value.sort) };
}

function metricKey(value: unknown): string {
  if (typeof value !== 'string' || parseColumnId(`metric:last:${value}`) === undefined) throw new InvalidMessage("'key' must be a metric key.");
  return value;
}

function generation(fields: Fields): number {
  const value = fields.generation;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new InvalidMessage("'generation' must be a non-negative integer.");
  return value;
}

// Builds a fresh message from the checked fields only, so nothing unexpected rides along.
function build(fields: Fields): RunsTableFromWebview {
  switch (fields.type) {
    case 'runsTable/ready':
      return { type: 'runsTable/ready' };
    case 'runsTable/setQuery':
      return { type: 'runsTable/setQuery', query: query(fields.query) };
    case 'runsTable/setColumns':
      return { type: 'runsTable/setColumns', columns: arrayOf(fields, 'columns', MAX_TABLE_COLUMNS).map((id) => columnIdOf(id, 'columns')) };
    case 'runsTable/requestRows':
      return { type: 'runsTable/requestRows', generation: generation(fields), runIds: runIds(fields, 'runIds', MAX_ROWS_PER_REQUEST) };
    case 'runsTable/openRun':
      return { type: 'runsTable/openRun', runId: runIdOf(fields.runId, 'runId') };
    case 'runsTable/toggleStar':
      return { type: 'runsTable/toggleStar', runId: runIdOf(fields.runId, 'runId') };
    case 'runsTable/compare':
      return { type: 'runsTable/compare', runIds: runIds(fields, 'runIds', MAX_SELECTED_RUNS) };
    case 'runsTable/askMetricDirection':
      return { type: 'runsTable/askMetricDirection', key: metricKey(fields.key) };
    case 'runsTable/exportCsv':
      return { type: 'runsTable/exportCsv', runIds: fields.runIds === null ? null : runIds(fields, 'runIds', MAX_SELECTED_RUNS) };
    default:
      throw unknownType(fields);
  }
}

/** Checks a message from the webview; a malformed one yields an error that says what is wrong. */
export function parseRunsTableMessage(value: unknown): RunsTableParseResult {
  return parseWebviewMessage(value, 'runs table', build);
}

/** The query of a table nobody has changed yet: every experiment, no filter, newest first. */
export const DEFAULT_RUNS_TABLE_QUERY: RunsTableQuery = { experimentId: null, filter: '', statuses: [], starredOnly: false, sort: [] };

/** A query read back from storage, or undefined when it is not well-formed. */
export function readRunsTableQuery(value: unknown): RunsTableQuery | undefined {
  try {
    return query(value);
  } catch (error) {
    if (error instanceof InvalidMessage) return undefined;
    throw error;
  }
}

const TO_WEBVIEW_TYPES: ReadonlySet<unknown> = new Set<RunsTableToWebview['type']>([
  'runsTable/snapshot',
  'runsTable/rows',
  'runsTable/filterError',
  'runsTable/error',
  'runsTable/metricDirection',
]);

/** True for a message from the host; the host is trusted, so the webview checks only the discriminant. */
export function isRunsTableToWebview(value: unknown): value is RunsTableToWebview {
  return isFields(value) && TO_WEBVIEW_TYPES.has(value.type);
}
