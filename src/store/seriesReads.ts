// Reads of whole metric series for charts that must see every point (smoothing runs at full resolution).
// `Store.history` makes one row object per point (~1 µs each in better-sqlite3, and garbage to collect); here
// SQLite's own scan hands each row to a JS function that writes it straight into typed columns (~0.14 µs), so
// 100 runs × 100,000 points are read in about a second and a half instead of ten.
import type { SqlDatabase } from './sqlite';
import { nanFromSql, prepared } from './statements';
import type { Store } from './store';
import { connectionOf } from './connection';

/** One metric series as columns in logging order; NaN where NaN (stored NULL) was logged. */
export interface SeriesColumns {
  steps: Float64Array;
  timestamps: Float64Array;
  values: Float64Array;
}

/** Growable typed columns the collecting SQL function writes into. */
class ColumnSink {
  private steps: Float64Array;
  private timestamps: Float64Array;
  private values: Float64Array;
  private size = 0;

  constructor(capacity: number) {
    this.steps = new Float64Array(capacity);
    this.timestamps = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  push(step: number, timestamp: number, value: number | null): void {
    if (this.size === this.steps.length) this.grow();
    this.steps[this.size] = step;
    this.timestamps[this.size] = timestamp;
    this.values[this.size] = nanFromSql(value);
    this.size++;
  }

  columns(): SeriesColumns {
    const n = this.size;
    return { steps: this.steps.subarray(0, n), timestamps: this.timestamps.subarray(0, n), values: this.values.subarray(0, n) };
  }

  // A writer may append between the count that sized the sink and the scan.
  private grow(): void {
    const capacity = Math.max(16, 2 * this.steps.length);
    const widen = (from: Float64Array): Float64Array => {
      const to = new Float64Array(capacity);
      to.set(from);
      return to;
    };
    this.steps = widen(this.steps);
    this.timestamps = widen(this.timestamps);
    this.values = widen(this.values);
  }
}

const COLLECT = 'labbook_collect_point';
const targets = new WeakMap<SqlDatabase, { sink: ColumnSink | null }>();

/** The holder whose sink the connection's collecting function writes into, registering the function once. */
function targetOf(db: SqlDatabase): { sink: ColumnSink | null } {
  const existing = targets.get(db);
  if (existing) return existing;
  const created: { sink: ColumnSink | null } = { sink: null };
  // directOnly: it writes into this process's memory, so only Labbook's own SQL may call it, never a view or
  // trigger stored in the database file.
  db.function(COLLECT, { directOnly: true }, (step: unknown, timestamp: unknown, value: unknown) => {
    if (!created.sink) throw new Error(`${COLLECT} runs only inside readSeriesColumns.`);
    created.sink.push(step as number, timestamp as number, value as number | null);
    return null;
  });
  targets.set(db, created);
  return created;
}

/** The whole history of one metric of a run as columns, in logging order; empty when the run has no such metric. */
export function readSeriesColumns(store: Store, runId: string, key: string): SeriesColumns {
  const target = targetOf(connectionOf(store));
  const summary = prepared(connectionOf(store), 'SELECT id, count FROM metric_series WHERE run_id = ? AND key = ?').get(runId, key) as
    { id: number; count: number } | undefined;
  const sink = new ColumnSink(summary?.count ?? 0);
  if (!summary) return sink.columns();
  target.sink = sink;
  try {
    // The ORDER BY keeps the subquery from being flattened, so the function sees the rows in logging order.
    prepared(
      connectionOf(store),
      `SELECT count(${COLLECT}(step, timestamp, value)) FROM (SELECT step, timestamp, value FROM metrics WHERE series_id = ? ORDER BY seq)`,
    ).get(summary.id);
  } finally {
    target.sink = null;
  }
  return sink.columns();
}

/**
 * A run's value of a metric at `step`, by the Compare panel's rule (the point logged last at the greatest
 * step not above `step`), found by SQLite without reading the history into JS; undefined before the first step.
 */
export function valueAtStepOf(store: Store, runId: string, key: string, step: number): number | undefined {
  const row = prepared(
    connectionOf(store),
    `SELECT m.value FROM metrics m JOIN metric_series s ON s.id = m.series_id
     WHERE s.run_id = ? AND s.key = ? AND m.step <= ? ORDER BY m.step DESC, m.seq DESC LIMIT 1`,
  ).get(runId, key, step) as { value: number | null } | undefined;
  return row && nanFromSql(row.value);
}
