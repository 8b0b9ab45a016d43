// Reads for the Runs table: the keys present (for the column chooser and filter completion), one column's value
// for every run (to sort a whole table without reading whole runs), and the chosen columns of a page of runs.

import type { CellValue, ColumnCatalog, ColumnSpec, TableAttribute } from '../core/runsTable';
import type { RunStatus } from '../core/types';
import type { Store } from './store';
import { connectionOf } from './connection';

/** A run's facts as the table shows them. */
export interface TableRunFacts {
  id: string;
  name: string;
  status: RunStatus;
  experimentName: string;
  startTime: number;
  endTime: number | null;
  commit: string | null;
  branch: string | null;
  user: string | null;
  sourceFile: string | null;
  starred: boolean;
}

/** A page of runs with the values of the chosen param, tag and metric columns. */
export interface TableRunData extends TableRunFacts {
  params: Map<string, string>;
  tags: Map<string, string>;
  /** Keyed by `<aggregate>:<key>` (see `metricValueKey`). */
  metrics: Map<string, number>;
}

/** The key under which `tableRuns` keeps a metric column's value. */
export function metricValueKey(aggregate: string, key: string): string {
  return `${aggregate}:${key}`;
}

const FACT_COLUMNS = `r.id, r.name, r.status, e.name AS experiment_name, r.start_time, r.end_time, r.git_commit, r.git_branch,
  r.user, r.source_file, r.starred`;

type FactRow = [string, string, RunStatus, string, number, number | null, string | null, string | null, string | null, string | null, number];

function toFacts([id, name, status, experimentName, startTime, endTime, commit, branch, user, sourceFile, starred]: FactRow): TableRunFacts {
  return { id, name, status, experimentName, startTime, endTime, commit, branch, user, sourceFile, starred: starred === 1 };
}

function scope(experimentId: number | null): { sql: string; params: number[] } {
  return experimentId === null ? { sql: '', params: [] } : { sql: ' AND r.experiment_id = ?', params: [experimentId] };
}

// Distinct keys come from the key index; each is then checked for one active run in scope, which stops at the
// first match (a join over every row took ~0.5 s for 10,000 runs of 45 keys).
function distinctKeys(store: Store, table: string, experimentId: number | null): string[] {
  const { sql, params } = scope(experimentId);
  return connectionOf(store)
    .prepare(
      `SELECT k.key FROM (SELECT DISTINCT key FROM ${table}) k
       WHERE EXISTS (SELECT 1 FROM ${table} t JOIN runs r ON r.id = t.run_id WHERE t.key = k.key AND r.lifecycle = 'active'${sql})`,
    )
    .pluck()
    .all(...params) as string[];
}

// Keys in natural order, so layer_2 comes before layer_10 in the column chooser and the default columns.
const naturalOrder = new Intl.Collator(undefined, { numeric: true }).compare;

/** The param, metric and tag keys of the active runs of an experiment (null: every experiment), in natural order. */
export function tableCatalog(store: Store, experimentId: number | null): ColumnCatalog {
  const keys = (table: string): string[] => distinctKeys(store, table, experimentId).sort(naturalOrder);
  return { params: keys('params'), metrics: keys('metric_series'), tags: keys('tags') };
}

const ATTRIBUTE_SQL: Readonly<Record<Exclude<TableAttribute, 'duration'>, string>> = {
  name: 'r.name',
  status: 'r.status',
  experiment: 'e.name',
  start: 'r.start_time',
  commit: 'r.git_commit',
  branch: 'r.git_branch',
  user: 'r.user',
  source: 'r.source_file',
  id: 'r.id',
};

function pairs(store: Store, sql: string, params: readonly (string | number)[]): Map<string, CellValue> {
  const values = new Map<string, CellValue>();
  for (const [runId, value] of connectionOf(store)
    .prepare(sql)
    .raw()
    .iterate(...params) as Iterable<[string, CellValue]>)
    values.set(runId, value);
  return values;
}

/**
 * One column's value for every run that has one (runs without it are absent). A live run's duration runs to
 * `now`. NaN metrics come back as NaN (the store keeps them as NULL).
 */
export function columnValues(store: Store, column: ColumnSpec, now: number): Map<string, CellValue> {
  switch (column.kind) {
    case 'param':
      return pairs(store, 'SELECT run_id, value FROM params WHERE key = ?', [column.key]);
    case 'tag':
      return pairs(store, 'SELECT run_id, value FROM tags WHERE key = ?', [column.key]);
    case 'metric': {
      const values = pairs(store, `SELECT run_id, ${column.aggregate} FROM metric_series WHERE key = ?`, [column.key]);
      for (const [runId, value] of values) if (value === null) values.set(runId, Number.NaN);
      return values;
    }
    case 'attribute':
      if (column.key === 'duration') return pairs(store, 'SELECT id, COALESCE(end_time, ?) - start_time FROM runs', [now]);
      return pairs(store, `SELECT r.id, ${ATTRIBUTE_SQL[column.key]} FROM runs r JOIN experiments e ON e.id = r.experiment_id`, []);
  }
}

function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

function keyedValues(store: Store, table: string, runIds: readonly string[], keys: readonly string[]): Map<string, Map<string, string>> {
  const byRun = new Map<string, Map<string, string>>();
  if (keys.length === 0) return byRun;
  const rows = connectionOf(store)
    .prepare(`SELECT run_id, key, value FROM ${table} WHERE run_id IN (${placeholders(runIds.length)}) AND key IN (${placeholders(keys.length)})`)
    .raw()
    .all(...runIds, ...keys) as [string, string, string][];
  for (const [runId, key, value] of rows) {
    if (!byRun.has(runId)) byRun.set(runId, new Map());
    byRun.get(runId)!.set(key, value);
  }
  return byRun;
}

function metricValues(store: Store, runIds: readonly string[], columns: readonly ColumnSpec[]): Map<string, Map<string, number>> {
  const byRun = new Map<string, Map<string, number>>();
  const keys = [...new Set(columns.flatMap((c) => (c.kind === 'metric' ? [c.key] : [])))];
  if (keys.length === 0) return byRun;
  const rows = connectionOf(store)
    .prepare(
      `SELECT run_id, key, last, min, max FROM metric_series WHERE run_id IN (${placeholders(runIds.length)}) AND key IN (${placeholders(keys.length)})`,
    )
    .raw()
    .all(...runIds, ...keys) as [string, string, number | null, number | null, number | null][];
  for (const [runId, key, last, min, max] of rows) {
    if (!byRun.has(runId)) byRun.set(runId, new Map());
    const values = byRun.get(runId)!;
    for (const [aggregate, value] of [
      ['last', last],
      ['min', min],
      ['max', max],
    ] as const)
      values.set(metricValueKey(aggregate, key), value ?? Number.NaN);
  }
  return byRun;
}

/** The facts and the chosen columns' values of these runs, in the order given; unknown ids are left out. */
export function tableRuns(store: Store, runIds: readonly string[], columns: readonly ColumnSpec[]): TableRunData[] {
  if (runIds.length === 0) return [];
  const facts = connectionOf(store)
    .prepare(`SELECT ${FACT_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id IN (${placeholders(runIds.length)})`)
    .raw()
    .all(...runIds) as FactRow[];
  const byId = new Map(facts.map((row) => [row[0], toFacts(row)]));
  const keysOf = (kind: 'param' | 'tag'): string[] => [...new Set(columns.flatMap((c) => (c.kind === kind ? [c.key] : [])))];
  const params = keyedValues(store, 'params', runIds, keysOf('param'));
  const tags = keyedValues(store, 'tags', runIds, keysOf('tag'));
  const metrics = metricValues(store, runIds, columns);
  return runIds.flatMap((id) => {
    const run = byId.get(id);
    if (!run) return [];
    return [{ ...run, params: params.get(id) ?? new Map(), tags: tags.get(id) ?? new Map(), metrics: metrics.get(id) ?? new Map() }];
  });
}
