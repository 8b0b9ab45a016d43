// A run's metrics: appending points while keeping each key's summary current, summaries and full histories.
import type { HistoryPoint, MetricPoint, MetricSummary } from '../core/types';
import { touchRun } from './runs';
import type { SqlDatabase } from './sqlite';
import { nanFromSql, prepared } from './statements';

const POINT_COLUMNS = 5;
const POINTS_PER_INSERT = 64;

interface SeriesRow {
  id: number;
  run_id: string;
  key: string;
  last: number | null;
  last_step: number;
  last_timestamp: number;
  min: number | null;
  max: number | null;
  count: number;
}

function toSummary(row: SeriesRow): MetricSummary {
  return {
    key: row.key,
    last: nanFromSql(row.last),
    lastStep: row.last_step,
    lastTimestamp: row.last_timestamp,
    min: nanFromSql(row.min),
    max: nanFromSql(row.max),
    count: row.count,
  };
}

// NaN never wins min/max: a NaN point must not hide the real extremes.
function minOf(a: number | null, b: number): number | null {
  if (Number.isNaN(b)) return a;
  return a === null || b < a ? b : a;
}
function maxOf(a: number | null, b: number): number | null {
  if (Number.isNaN(b)) return a;
  return a === null || b > a ? b : a;
}

/**
 * Appends metric points in one transaction and keeps each key's summary current in the same transaction.
 * "last" follows the highest step (ties: the latest write), as MLflow's latest metric does.
 */
export function logMetrics(db: SqlDatabase, runId: string, points: readonly MetricPoint[]): void {
  if (points.length === 0) return;
  const getSeries = prepared(db, 'SELECT * FROM metric_series WHERE run_id = ? AND key = ?');
  const newSeries = prepared(
    db,
    'INSERT INTO metric_series (run_id, key, last, last_step, last_timestamp, min, max, count) VALUES (?, ?, NULL, 0, 0, NULL, NULL, 0) RETURNING *',
  );
  const saveSeries = prepared(db, 'UPDATE metric_series SET last = ?, last_step = ?, last_timestamp = ?, min = ?, max = ?, count = ? WHERE id = ?');
  db.transaction(() => {
    touchRun(db, runId);
    const touched = new Map<string, SeriesRow>();
    const rows: (number | null)[] = new Array(points.length * POINT_COLUMNS);
    points.forEach((point, i) => {
      let series = touched.get(point.key);
      if (!series) {
        series = (getSeries.get(runId, point.key) ?? newSeries.get(runId, point.key)) as SeriesRow;
        touched.set(point.key, series);
      }
      const step = Math.trunc(point.step);
      const value = Number.isNaN(point.value) ? null : point.value;
      const at = i * POINT_COLUMNS;
      rows[at] = series.id;
      rows[at + 1] = series.count;
      rows[at + 2] = step;
      rows[at + 3] = Math.trunc(point.timestamp);
      rows[at + 4] = value;
      if (series.count === 0 || step >= series.last_step) {
        series.last = value;
        series.last_step = step;
        series.last_timestamp = Math.trunc(point.timestamp);
      }
      series.min = minOf(series.min, point.value);
      series.max = maxOf(series.max, point.value);
      series.count += 1;
    });
    insertPoints(db, rows);
    for (const s of touched.values()) saveSeries.run(s.last, s.last_step, s.last_timestamp, s.min, s.max, s.count, s.id);
  }).immediate();
}

// Many rows per INSERT: binding one statement per point costs about twice as much as the B-tree work itself.
function insertPoints(db: SqlDatabase, rows: (number | null)[]): void {
  const sql = (count: number): string =>
    `INSERT INTO metrics (series_id, seq, step, timestamp, value) VALUES ${Array(count).fill('(?, ?, ?, ?, ?)').join(', ')}`;
  const chunk = POINTS_PER_INSERT * POINT_COLUMNS;
  let offset = 0;
  for (const wide = prepared(db, sql(POINTS_PER_INSERT)); offset + chunk <= rows.length; offset += chunk)
    wide.run(rows.slice(offset, offset + chunk));
  const rest = rows.length - offset;
  if (rest > 0) prepared(db, sql(rest / POINT_COLUMNS)).run(rows.slice(offset));
}

/** A run's metric summaries (last, min, max, count per key), by key. */
export function metricSummaries(db: SqlDatabase, runId: string): MetricSummary[] {
  return (prepared(db, 'SELECT * FROM metric_series WHERE run_id = ? ORDER BY key').all(runId) as SeriesRow[]).map(toSummary);
}

/** Full history of one metric in logging order (use core/series to downsample before charting). */
export function history(db: SqlDatabase, runId: string, key: string, page: { offset?: number; limit?: number } = {}): HistoryPoint[] {
  const limit = page.limit ?? -1;
  const rows = prepared(
    db,
    `SELECT m.step, m.timestamp, m.value FROM metrics m JOIN metric_series s ON s.id = m.series_id
     WHERE s.run_id = ? AND s.key = ? ORDER BY m.seq LIMIT ? OFFSET ?`,
  )
    // Arrays, not row objects: node:sqlite builds each row object property by property (1.5x the read time).
    .raw()
    .all(runId, key, limit, page.offset ?? 0) as [step: number, timestamp: number, value: number | null][];
  return rows.map(([step, timestamp, value]) => ({ step, timestamp, value: nanFromSql(value) }));
}
