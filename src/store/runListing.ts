// Run listings: runs matching an MLflow filter with their params, tags and metric summaries, ids and counts.
import { runsJson } from '../core/format';
import type { MetricSummary, RunListing } from '../core/types';
import { compileFilter, compileOrderBy } from './filterSql';
import * as paramsTags from './paramsTags';
import { metricSummaries } from './metrics';
import { getRun, RUN_COLUMNS, toRun } from './runs';
import type { RunRow } from './runs';
import type { SqlDatabase } from './sqlite';
import { nanFromSql } from './statements';
import type { Lifecycle } from './tracking';

/** Options of listRuns: MLflow filter and order-by text, experiment scope, lifecycles and paging. */
export interface ListRunsOptions {
  experimentIds?: number[];
  /** Which runs to list: active ones by default; 'deleted' are those in the Trash. */
  lifecycles?: readonly Lifecycle[];
  filter?: string;
  orderBy?: string[];
  limit?: number;
  offset?: number;
}

/** One metric summary as stored (NaN is NULL). */
type SummaryRow = [
  runId: string,
  key: string,
  last: number | null,
  lastStep: number,
  lastTimestamp: number,
  min: number | null,
  max: number | null,
  count: number,
];

/** Runs matching an MLflow filter, newest first unless ordered otherwise. */
export function listRuns(db: SqlDatabase, options: ListRunsOptions = {}): RunListing[] {
  return selectRuns(db, options, (rows, selectIds, params) => withDetails(db, rows, selectIds, params));
}

/**
 * Visits the JSON text of each run listRuns lists (runsJson of its listing) as UTF-8, in its order, in one read
 * transaction. An ended run's text is stored (run_summaries) and read as bytes, never decoded; any other is built.
 */
export function visitListingTexts(db: SqlDatabase, options: ListRunsOptions, visit: (text: Uint8Array) => void): void {
  const { where, orderSql, paging, params } = selection(options);
  db.transaction(() => {
    const rows = db
      .prepare(`SELECT r.id, (SELECT json FROM run_summaries WHERE run_id = r.id) FROM runs r WHERE ${where} ORDER BY ${orderSql}${paging}`)
      .raw()
      .all(...params) as [string, Uint8Array | null][];
    for (const [runId, text] of rows) visit(text ?? Buffer.from(listingText(db, runId)));
  })();
}

/** The JSON text of one run's listing (its run fields, params, tags and metric summaries), as runsJson writes it. */
export function listingText(db: SqlDatabase, runId: string): string {
  const listing: RunListing = { ...getRun(db, runId), params: paramsTags.params(db, runId), tags: paramsTags.tags(db, runId), metrics: {} };
  for (const summary of metricSummaries(db, runId)) setOwn(listing.metrics, summary.key, summary);
  return runsJson(listing);
}

/** The SQL pieces that select and order the runs `options` ask for (runs aliased `r`), with their parameters. */
function selection(options: ListRunsOptions): { where: string; whereParams: unknown[]; orderSql: string; paging: string; params: unknown[] } {
  const { where, whereParams } = runWhere(options);
  const order = (options.orderBy ?? []).map((text) => compileOrderBy(text, 'r'));
  const orderSql = [...order.map((o) => o.sql), 'r.start_time DESC', 'r.id'].join(', ');
  const paging =
    options.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(options.limit))} OFFSET ${Math.max(0, Math.floor(options.offset ?? 0))}` : '';
  return { where, whereParams, orderSql, paging, params: [...whereParams, ...order.flatMap((o) => o.params)] };
}

/** Runs `read` over the selected run rows and the SQL (with its parameters) that selects their ids, in one read transaction. */
function selectRuns<T>(db: SqlDatabase, options: ListRunsOptions, read: (rows: RunRow[], selectIds: string, params: unknown[]) => T): T {
  const { where, whereParams, orderSql, paging, params } = selection(options);
  // One read transaction: a run another process creates between the statements would have children but no row.
  return db.transaction(() => {
    const rows = db
      .prepare(`SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE ${where} ORDER BY ${orderSql}${paging}`)
      .all(...params) as RunRow[];
    // The children of exactly these runs: the same selection again (ordered only when paged).
    const selectIds = `SELECT r.id FROM runs r WHERE ${where}${paging ? ` ORDER BY ${orderSql}${paging}` : ''}`;
    return read(rows, selectIds, paging ? params : whereParams);
  })();
}

/** Ids of the runs matching an MLflow filter, newest first (no details read: cheap for whole tables). */
export function runIds(db: SqlDatabase, options: Pick<ListRunsOptions, 'experimentIds' | 'filter' | 'lifecycles'> = {}): string[] {
  const { where, whereParams } = runWhere(options);
  return db
    .prepare(`SELECT r.id FROM runs r WHERE ${where} ORDER BY r.start_time DESC, r.id`)
    .pluck()
    .all(...whereParams) as string[];
}

/** Counts runs matching the same options as listRuns. */
export function countRuns(db: SqlDatabase, options: ListRunsOptions = {}): number {
  const { where, whereParams } = runWhere(options);
  return (db.prepare(`SELECT COUNT(*) AS n FROM runs r WHERE ${where}`).get(...whereParams) as { n: number }).n;
}

function runWhere(options: ListRunsOptions): { where: string; whereParams: unknown[] } {
  const lifecycles = options.lifecycles ?? ['active'];
  const clauses = [`r.lifecycle IN (${lifecycles.map(() => '?').join(', ')})`];
  const whereParams: unknown[] = [...lifecycles];
  if (options.experimentIds?.length) {
    clauses.push(`r.experiment_id IN (${options.experimentIds.map(() => '?').join(', ')})`);
    whereParams.push(...options.experimentIds);
  }
  if (options.filter?.trim()) {
    const compiled = compileFilter(options.filter, 'r');
    clauses.push(`(${compiled.sql})`);
    whereParams.push(...compiled.params);
  }
  return { where: clauses.join(' AND '), whereParams };
}

// One query per child table for the whole selection rather than three per run.
function withDetails(db: SqlDatabase, rows: RunRow[], selectIds: string, params: unknown[]): RunListing[] {
  const listings = withParamsAndTags(db, rows, selectIds, params);
  if (listings.size === 0) return [];
  // Raw rows: a listing can hold hundreds of thousands of summaries, and row objects would double the work.
  const summaries = db
    .prepare(`SELECT run_id, key, last, last_step, last_timestamp, min, max, count FROM metric_series WHERE run_id IN (${selectIds})`)
    .raw();
  for (const row of summaries.iterate(...params) as Iterable<SummaryRow>) setOwn(listings.get(row[0])!.metrics, row[1], summaryOfRow(row));
  return [...listings.values()];
}

/** The rows as listings with their params and tags, metrics still empty, by run id in the rows' order. */
function withParamsAndTags(db: SqlDatabase, rows: RunRow[], selectIds: string, params: unknown[]): Map<string, RunListing> {
  const listings = new Map<string, RunListing>();
  for (const row of rows) listings.set(row.id, { ...toRun(row), params: {}, tags: {}, metrics: {} });
  if (listings.size === 0) return listings;
  const inIds = `run_id IN (${selectIds})`;
  for (const p of db.prepare(`SELECT run_id, key, value FROM params WHERE ${inIds}`).all(...params) as {
    run_id: string;
    key: string;
    value: string;
  }[]) {
    setOwn(listings.get(p.run_id)!.params, p.key, p.value);
  }
  for (const t of db.prepare(`SELECT run_id, key, value FROM tags WHERE ${inIds}`).all(...params) as {
    run_id: string;
    key: string;
    value: string;
  }[]) {
    setOwn(listings.get(t.run_id)!.tags, t.key, t.value);
  }
  return listings;
}

/** A stored summary row as the summary a listing holds (NULL is NaN). */
function summaryOfRow([, key, last, lastStep, lastTimestamp, min, max, count]: SummaryRow): MetricSummary {
  return { key, last: nanFromSql(last), lastStep, lastTimestamp, min: nanFromSql(min), max: nanFromSql(max), count };
}

/** Sets an own property even for keys such as `__proto__`, which plain assignment would swallow. */
function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
