// A run's metrics: appending points in chunks while keeping each key's summary current, summaries and histories.
// Layout (docs/architecture.md, "Metric history"): closed chunks in `metric_chunks`, the open chunk as rows of
// `metrics`; `metric_series.sealed` counts the points in closed chunks, so seq < sealed is in a chunk.
import type { HistoryPoint, MetricPoint, MetricSummary } from '../core/types';
import { decodeChunk, decodeChunkInto, encodeChunk } from './chunkCodec';
import type { ColumnTarget, PointColumns } from './chunkCodec';
import { touchRun } from './runs';
import type { SqlDatabase } from './sqlite';
import { nanFromSql, prepared } from './statements';

/** Points in a full chunk. */
export const CHUNK_POINTS = 1024;
/** A batch that brings this many points of a key writes them as chunks at once rather than as open rows. */
export const MIN_CHUNK_POINTS = 256;
/**
 * A batch bringing this many points of a key (MLflow's log-batch of many keys brings about a hundred each) writes
 * them as a small chunk of their own: one BLOB costs far less than as many rows, which a later seal reads back.
 */
export const MIN_BATCH_CHUNK_POINTS = 32;

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
  sealed: number;
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

/** One key's points of a batch, as columns in logging order. */
interface KeyPoints {
  series: SeriesRow;
  steps: number[];
  timestamps: number[];
  values: number[];
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
    'INSERT INTO metric_series (run_id, key, last, last_step, last_timestamp, min, max, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
  ).pluck();
  const saveSeries = prepared(
    db,
    'UPDATE metric_series SET last = ?, last_step = ?, last_timestamp = ?, min = ?, max = ?, count = ?, sealed = ? WHERE id = ?',
  );
  db.transaction(() => {
    touchRun(db, runId);
    const byKey = new Map<string, KeyPoints>();
    for (const point of points) {
      let group = byKey.get(point.key);
      if (!group) {
        const series = (getSeries.get(runId, point.key) as SeriesRow | undefined) ?? unsavedSeries(runId, point.key);
        byKey.set(point.key, (group = { series, steps: [], timestamps: [], values: [] }));
      }
      group.steps.push(Math.trunc(point.step));
      group.timestamps.push(Math.trunc(point.timestamp));
      group.values.push(point.value);
    }
    for (const group of byKey.values()) {
      const s = group.series;
      const [countBefore, sealedBefore] = [s.count, s.sealed];
      summarize(group);
      // A new key's row is inserted with its summary: an insert then an update cost two writes and two trigger runs.
      const inserted = s.id === UNSAVED;
      if (inserted) s.id = newSeries.get(runId, s.key, s.last, s.last_step, s.last_timestamp, s.min, s.max, s.count) as number;
      append(db, group, countBefore);
      if (!inserted || s.sealed !== sealedBefore) saveSeries.run(s.last, s.last_step, s.last_timestamp, s.min, s.max, s.count, s.sealed, s.id);
    }
  }).immediate();
}

/**
 * Replaces a key's whole history (pull swaps the latest-value stub of a large remote history for the full one).
 * Dropping the series drops its rows and chunks (ON DELETE CASCADE); the summary is rebuilt from `points`.
 */
export function replaceHistory(db: SqlDatabase, runId: string, key: string, points: readonly MetricPoint[]): void {
  db.transaction(() => {
    touchRun(db, runId);
    prepared(db, 'DELETE FROM metric_series WHERE run_id = ? AND key = ?').run(runId, key);
    logMetrics(db, runId, points);
  }).immediate();
}

// The id of a series not yet in the table (SQLite's rowids start at 1).
const UNSAVED = 0;

function unsavedSeries(runId: string, key: string): SeriesRow {
  return { id: UNSAVED, run_id: runId, key, last: null, last_step: 0, last_timestamp: 0, min: null, max: null, count: 0, sealed: 0 };
}

function summarize({ series, steps, timestamps, values }: KeyPoints): void {
  for (let i = 0; i < steps.length; i++) {
    if (series.count === 0 || steps[i] >= series.last_step) {
      series.last = Number.isNaN(values[i]) ? null : values[i];
      series.last_step = steps[i];
      series.last_timestamp = timestamps[i];
    }
    series.min = minOf(series.min, values[i]);
    series.max = maxOf(series.max, values[i]);
    series.count += 1;
  }
}

// Small appends (a live run's one point per call) stay cheap one-row inserts into the open chunk. A batch big enough
// is written as chunks with the open rows; a batch of a hundred points or so becomes a small chunk at the series'
// end, and once those small chunks and the batch hold a full chunk's points they are written again as full chunks,
// so reads and bytes on disk stay those of full chunks and each point is rewritten about once.
function append(db: SqlDatabase, group: KeyPoints, countBefore: number): void {
  const { series } = group;
  const batch = group.steps.length;
  const open = countBefore - series.sealed;
  if (open + batch < CHUNK_POINTS && batch < MIN_BATCH_CHUNK_POINTS) {
    insertRows(db, series.id, countBefore, group, 0, batch);
    return;
  }
  // The small chunks at the end are written again with the batch once together they fill a chunk.
  const tail = smallTailStart(db, series);
  const from = countBefore - tail + batch >= CHUNK_POINTS ? tail : series.sealed;
  const all = from < countBefore ? storedThenBatch(db, series, from, countBefore, group) : group;
  if (from < series.sealed) prepared(db, 'DELETE FROM metric_chunks WHERE series_id = ? AND first_seq >= ?').run(series.id, from);
  if (open > 0) prepared(db, 'DELETE FROM metrics WHERE series_id = ?').run(series.id);
  series.sealed = writeBatch(db, series.id, from, all, all.steps.length);
}

/**
 * The first seq of the chunks under MIN_CHUNK_POINTS at a series' end (its sealed count when there are none): where
 * its last full chunk ends, or 0 when every chunk is small (chunks cover seq 0 to sealed, with no gap). One row in
 * SQL: walking the last chunks in JS cost 18 µs a key, a third of a small batch's time in the store.
 */
function smallTailStart(db: SqlDatabase, series: SeriesRow): number {
  const lastFullEnd = prepared(db, 'SELECT first_seq + count FROM metric_chunks WHERE series_id = ? AND count >= ? ORDER BY first_seq DESC LIMIT 1')
    .pluck()
    .get(series.id, MIN_CHUNK_POINTS) as number | undefined;
  return lastFullEnd ?? 0;
}

/** Stored points [from, to) of a series (chunks and open rows) followed by the batch's points. */
function storedThenBatch(db: SqlDatabase, series: SeriesRow, from: number, to: number, group: KeyPoints): ColumnTarget {
  const batch = group.steps.length;
  const all = readPoints(db, series, from, to, (size) => freshColumns(size + batch));
  all.steps.set(group.steps, to - from);
  all.timestamps.set(group.timestamps, to - from);
  all.values.set(group.values, to - from);
  return all;
}

/**
 * Writes rows [from, to) of `columns` as chunks of CHUNK_POINTS starting at seq `sealed`; a last part of at least
 * MIN_CHUNK_POINTS is a chunk too, a smaller one stays as open rows. Returns the new sealed count.
 */
export function sealChunks(db: SqlDatabase, seriesId: number, sealed: number, columns: PointColumns, from: number, to: number): number {
  let at = from;
  while (to - at >= MIN_CHUNK_POINTS) at = putChunk(db, seriesId, sealed + at - from, columns, at, Math.min(to, at + CHUNK_POINTS));
  if (at < to) insertRows(db, seriesId, sealed + at - from, columns, at, to);
  return sealed + at - from;
}

/**
 * Writes a batch's rows [0, count) from seq `sealed`: full chunks while a full chunk's points are left, the rest
 * as small chunks (a later batch merges them), or as open rows when fewer than MIN_BATCH_CHUNK_POINTS. Returns
 * the new sealed count.
 */
function writeBatch(db: SqlDatabase, seriesId: number, sealed: number, columns: PointColumns, count: number): number {
  let at = 0;
  while (count - at >= CHUNK_POINTS) at = putChunk(db, seriesId, sealed + at, columns, at, at + CHUNK_POINTS);
  const rest = count - at;
  if (rest < MIN_BATCH_CHUNK_POINTS) {
    if (rest > 0) insertRows(db, seriesId, sealed + at, columns, at, count);
    return sealed + at;
  }
  // Pieces under MIN_CHUNK_POINTS; one that spills into an overflow page is cut by putChunk, so loop to the end.
  const size = Math.ceil(rest / Math.ceil(rest / (MIN_CHUNK_POINTS - 1)));
  while (at < count) at = putChunk(db, seriesId, sealed + at, columns, at, Math.min(count, at + size));
  return sealed + count;
}

/** Writes rows [at, end) as one chunk starting at seq `first`, cut shorter to fill whole pages; returns where it ended. */
function putChunk(db: SqlDatabase, seriesId: number, first: number, columns: PointColumns, at: number, end: number): number {
  let data = encodeChunk(columns, at, end);
  const fitted = at + fittedCount(db, data.length, end - at);
  if (fitted < end) data = encodeChunk(columns, at, (end = fitted));
  const h = chunkHeader(columns, at, end);
  prepared(
    db,
    'INSERT INTO metric_chunks (series_id, first_seq, count, min_step, max_step, min_value, max_value, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(seriesId, first, end - at, h.minStep, h.maxStep, h.minValue, h.maxValue, data);
  return end;
}

const pageSizes = new WeakMap<SqlDatabase, number>();
// The chunk row's columns besides the BLOB, with their record header, at most.
const ROW_BYTES = 64;

/**
 * How many of `count` points to put in a chunk so that its row fills whole pages. SQLite keeps a long row's first
 * K bytes in its table B-tree leaf, K = M + (P - M) modulo an overflow page (M is 489 bytes for 4 KiB pages), and
 * the rest in overflow pages (K is M when that would pass X = page - 35). A 1,024-point chunk left K at ~2,200
 * bytes, so each leaf page held one row, half empty: 12.2 bytes a point. Cut to M + whole overflow pages, a leaf
 * holds eight rows' first bytes and every overflow page is full: ~10.3.
 */
function fittedCount(db: SqlDatabase, bytes: number, count: number): number {
  let page = pageSizes.get(db);
  if (page === undefined) pageSizes.set(db, (page = db.pragma('page_size', { simple: true }) as number));
  const overflow = page - 4;
  const least = Math.floor(((page - 12) * 32) / 255) - 23;
  const row = bytes + ROW_BYTES;
  const pages = Math.floor((row - least) / overflow);
  if (row <= page - 35 || pages === 0) return count; // the whole row stays in its leaf
  const fits = least + pages * overflow - ROW_BYTES;
  // Bytes per point, rounded up, so the shorter chunk is at most `fits` bytes long.
  return Math.min(count, Math.floor(((fits - 64) * count) / bytes));
}

function chunkHeader(
  columns: PointColumns,
  from: number,
  to: number,
): { minStep: number; maxStep: number; minValue: number | null; maxValue: number | null } {
  let minStep = Infinity;
  let maxStep = -Infinity;
  let minValue: number | null = null;
  let maxValue: number | null = null;
  for (let i = from; i < to; i++) {
    const step = columns.steps[i];
    if (step < minStep) minStep = step;
    if (step > maxStep) maxStep = step;
    minValue = minOf(minValue, columns.values[i]);
    maxValue = maxOf(maxValue, columns.values[i]);
  }
  return { minStep, maxStep, minValue, maxValue };
}

// Many rows per INSERT: binding one statement per point costs about twice as much as the B-tree work itself.
function insertRows(db: SqlDatabase, seriesId: number, firstSeq: number, columns: PointColumns, from: number, to: number): void {
  const sql = (count: number): string =>
    `INSERT INTO metrics (series_id, seq, step, timestamp, value) VALUES ${Array(count).fill('(?, ?, ?, ?, ?)').join(', ')}`;
  const rowsOf = (start: number, end: number): (number | null)[] => {
    const rows: (number | null)[] = [];
    for (let i = start; i < end; i++) {
      const value = columns.values[i];
      rows.push(seriesId, firstSeq + i - from, columns.steps[i], columns.timestamps[i], Number.isNaN(value) ? null : value);
    }
    return rows;
  };
  let at = from;
  for (const wide = prepared(db, sql(POINTS_PER_INSERT)); at + POINTS_PER_INSERT <= to; at += POINTS_PER_INSERT)
    wide.run(rowsOf(at, at + POINTS_PER_INSERT));
  if (at < to) prepared(db, sql(to - at)).run(rowsOf(at, to));
}

/** Moves every series' rows into chunks (migration 8); `progress` hears points done of the total. */
export function sealAllSeries(db: SqlDatabase, progress: (done: number, total: number) => void = () => undefined): void {
  const total = prepared(db, 'SELECT count(*) FROM metrics').pluck().get() as number;
  const series = prepared(db, 'SELECT DISTINCT series_id FROM metrics').pluck().all() as number[];
  const setSealed = prepared(db, 'UPDATE metric_series SET sealed = ? WHERE id = ?');
  let done = 0;
  progress(done, total);
  for (const id of series) {
    const rows = prepared(db, 'SELECT step, timestamp, value FROM metrics WHERE series_id = ? ORDER BY seq').raw().all(id) as [
      number,
      number,
      number | null,
    ][];
    const columns = { steps: rows.map((r) => r[0]), timestamps: rows.map((r) => r[1]), values: rows.map((r) => nanFromSql(r[2])) };
    prepared(db, 'DELETE FROM metrics WHERE series_id = ?').run(id);
    // Chunks of at least MIN_CHUNK_POINTS, a shorter rest back as open rows, as a large batch is written.
    setSealed.run(sealChunks(db, id, 0, columns, 0, rows.length), id);
    done += rows.length;
    progress(done, total);
  }
}

/**
 * Migration 13's move: every chunk copied into metric_chunks_by_rowid (one series at a time, for progress in points),
 * which then takes metric_chunks' name.
 */
export function moveChunksToRowidTable(db: SqlDatabase, progress: (done: number, total: number) => void = () => undefined): void {
  const perSeries = db.prepare('SELECT series_id, sum(count) FROM metric_chunks GROUP BY series_id').raw().all() as [number, number][];
  const total = perSeries.reduce((sum, [, points]) => sum + points, 0);
  const copy = db.prepare('INSERT INTO metric_chunks_by_rowid SELECT * FROM metric_chunks WHERE series_id = ? ORDER BY first_seq');
  let done = 0;
  progress(done, total);
  for (const [seriesId, points] of perSeries) {
    copy.run(seriesId);
    done += points;
    progress(done, total);
  }
  db.exec('DROP TABLE metric_chunks; ALTER TABLE metric_chunks_by_rowid RENAME TO metric_chunks;');
}

/** A run's metric summaries (last, min, max, count per key), by key. */
export function metricSummaries(db: SqlDatabase, runId: string): MetricSummary[] {
  return (prepared(db, 'SELECT * FROM metric_series WHERE run_id = ? ORDER BY key').all(runId) as SeriesRow[]).map(toSummary);
}

/** The stored series of a run's key: id, points and points in closed chunks; undefined when never logged. */
export function seriesOf(db: SqlDatabase, runId: string, key: string): { id: number; count: number; sealed: number } | undefined {
  return prepared(db, 'SELECT id, count, sealed FROM metric_series WHERE run_id = ? AND key = ?').get(runId, key) as
    { id: number; count: number; sealed: number } | undefined;
}

/**
 * Points [from, to) of a series in logging order as columns, reading only the chunks that overlap; call it in a
 * read transaction with the series row it was given, so a concurrent seal cannot move points between the two.
 */
export function readPoints(
  db: SqlDatabase,
  series: { id: number; sealed: number },
  from: number,
  to: number,
  target: (size: number) => ColumnTarget = freshColumns,
): ColumnTarget {
  const size = Math.max(0, to - from);
  const out = target(size);
  if (size === 0) return out;
  if (from < series.sealed) {
    const chunks = prepared(
      db,
      'SELECT first_seq, count, data FROM metric_chunks WHERE series_id = ? AND first_seq < ? AND first_seq + count > ? ORDER BY first_seq',
    )
      .raw()
      .iterate(series.id, to, from) as Iterable<[number, number, Uint8Array]>;
    for (const [first, count, data] of chunks) copyChunk(data, first, count, out, from, to);
  }
  if (to > series.sealed) {
    const rows = prepared(db, 'SELECT seq, step, timestamp, value FROM metrics WHERE series_id = ? AND seq >= ? AND seq < ? ORDER BY seq')
      .raw()
      .iterate(series.id, Math.max(from, series.sealed), to) as Iterable<[number, number, number, number | null]>;
    for (const [seq, step, timestamp, value] of rows) {
      out.steps[seq - from] = step;
      out.timestamps[seq - from] = timestamp;
      out.values[seq - from] = nanFromSql(value);
    }
  }
  return out;
}

/** New columns of `size` rows. */
export function freshColumns(size: number): ColumnTarget {
  return { steps: new Float64Array(size), timestamps: new Float64Array(size), values: new Float64Array(size) };
}

function copyChunk(data: Uint8Array, first: number, count: number, out: ColumnTarget, from: number, to: number): void {
  if (first >= from && first + count <= to) {
    decodeChunkInto(data, out, first - from);
    return;
  }
  const whole = freshColumns(count);
  decodeChunkInto(data, whole, 0);
  const start = Math.max(from, first);
  const end = Math.min(to, first + count);
  out.steps.set(whole.steps.subarray(start - first, end - first), start - from);
  out.timestamps.set(whole.timestamps.subarray(start - first, end - first), start - from);
  out.values.set(whole.values.subarray(start - first, end - first), start - from);
}

/** Full history of one metric in logging order (use core/series to downsample before charting). */
export function history(db: SqlDatabase, runId: string, key: string, page: { offset?: number; limit?: number } = {}): HistoryPoint[] {
  const columns = db.transaction(() => {
    const series = seriesOf(db, runId, key);
    if (!series) return undefined;
    const from = Math.max(0, page.offset ?? 0);
    const to = page.limit === undefined || page.limit < 0 ? series.count : Math.min(series.count, from + page.limit);
    return readPoints(db, series, from, to);
  })();
  if (!columns) return [];
  const points: HistoryPoint[] = new Array(columns.steps.length);
  for (let i = 0; i < points.length; i++) points[i] = { step: columns.steps[i], timestamp: columns.timestamps[i], value: columns.values[i] };
  return points;
}

/** Whether a series already holds a point with this step, timestamp and value (NaN equals NaN), reading only chunks whose steps can hold it. */
export function hasPoint(db: SqlDatabase, seriesId: number, step: number, timestamp: number, value: number): boolean {
  const row = prepared(db, 'SELECT 1 FROM metrics WHERE series_id = ? AND step = ? AND timestamp = ? AND value IS ? LIMIT 1').get(
    seriesId,
    step,
    timestamp,
    Number.isNaN(value) ? null : value,
  );
  if (row) return true;
  const chunks = prepared(db, 'SELECT data FROM metric_chunks WHERE series_id = ? AND min_step <= ? AND max_step >= ?')
    .pluck()
    .iterate(seriesId, step, step) as Iterable<Uint8Array>;
  for (const data of chunks) {
    const points = decodeChunk(data);
    for (let i = 0; i < points.steps.length; i++) {
      if (points.steps[i] !== step || points.timestamps[i] !== timestamp) continue;
      if (points.values[i] === value || (Number.isNaN(value) && Number.isNaN(points.values[i]))) return true;
    }
  }
  return false;
}

/**
 * The value logged last at the greatest step not above `step` (the Compare panel's rule); undefined before the
 * first step. Only chunks whose step range reaches from the best closed candidate up to `step` are decoded.
 */
export function valueAtStep(db: SqlDatabase, seriesId: number, step: number): number | undefined {
  // Steps are whole numbers in the store: anything below the first whole step at or before `step` is what counts.
  const bound = Math.floor(step);
  const floor = prepared(db, 'SELECT max(max_step) FROM metric_chunks WHERE series_id = ? AND max_step <= ?').pluck().get(seriesId, bound) as
    number | null;
  let best: { step: number; value: number } | undefined;
  const chunks = prepared(db, 'SELECT data FROM metric_chunks WHERE series_id = ? AND min_step <= ? AND max_step >= ? ORDER BY first_seq')
    .pluck()
    .iterate(seriesId, bound, floor ?? -Number.MAX_VALUE) as Iterable<Uint8Array>;
  for (const data of chunks) {
    const points = decodeChunk(data);
    for (let i = 0; i < points.steps.length; i++) {
      const at = points.steps[i];
      if (at <= bound && (!best || at >= best.step)) best = { step: at, value: points.values[i] };
    }
  }
  const row = prepared(db, 'SELECT step, value FROM metrics WHERE series_id = ? AND step <= ? ORDER BY step DESC, seq DESC LIMIT 1')
    .raw()
    .get(seriesId, bound) as [number, number | null] | undefined;
  // Open rows come after every chunk in logging order, so at the same step they win.
  if (row && (!best || row[0] >= best.step)) return nanFromSql(row[1]);
  return best?.value;
}
