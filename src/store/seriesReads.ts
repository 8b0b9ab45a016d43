// Reads of whole metric series for charts that must see every point (smoothing runs at full resolution).
// `Store.history` makes one row object per point; here closed chunks are decoded straight into typed columns
// (a copy of the values and a loop over steps and timestamps per chunk) and only the open rows go through SQL rows.
import { sampleColumns } from '../core/series';
import type { HistoryPoint } from '../core/types';
import { connectionOf } from './connection';
import { freshColumns, readPoints, seriesOf, valueAtStep } from './metrics';
import type { Store } from './store';

/** One metric series as columns in logging order; NaN where NaN was logged. */
export interface SeriesColumns {
  steps: Float64Array;
  timestamps: Float64Array;
  values: Float64Array;
}

const EMPTY: SeriesColumns = { steps: new Float64Array(0), timestamps: new Float64Array(0), values: new Float64Array(0) };

/** The longest series a SeriesScratch keeps arrays for (6 MB of columns); longer ones get arrays of their own. */
export const SCRATCH_POINTS = 262_144;

/**
 * Columns that reads fill again and again, growing as needed up to SCRATCH_POINTS rows: a reader of many long
 * series (the Compare panel's 100 runs x 100,000 points) that keeps only a sample of each paid more in page faults
 * for fresh arrays than for decoding. Columns taken from it are valid until its next read.
 */
export class SeriesScratch {
  private columns = freshColumns(0);

  /** Columns of `size` rows over the reused arrays (new ones past SCRATCH_POINTS, so a worker never holds more). */
  take(size: number): SeriesColumns {
    if (size > SCRATCH_POINTS) return freshColumns(size);
    if (this.columns.values.length < size) this.columns = freshColumns(size);
    const { steps, timestamps, values } = this.columns;
    return { steps: steps.subarray(0, size), timestamps: timestamps.subarray(0, size), values: values.subarray(0, size) };
  }
}

/**
 * The whole history of one metric of a run as columns, in logging order; empty when the run has no such metric.
 * With `scratch`, the columns are its arrays (valid until its next read) instead of new ones.
 */
export function readSeriesColumns(store: Store, runId: string, key: string, scratch?: SeriesScratch): SeriesColumns {
  const db = connectionOf(store);
  // One read transaction: a writer sealing open rows into a chunk between two reads cannot hide or repeat points.
  return db.transaction(() => {
    const series = seriesOf(db, runId, key);
    return series ? readPoints(db, series, 0, series.count, scratch ? (size) => scratch.take(size) : undefined) : EMPTY;
  })();
}

/**
 * A run's metric as downsampleMinMax(history, buckets) would give it (min and max per step bucket, ends kept), read
 * as columns: a long history costs no row object per stored point.
 */
export function sampledHistory(store: Store, runId: string, key: string, buckets: number): HistoryPoint[] {
  const { steps, timestamps, values } = readSeriesColumns(store, runId, key);
  return Array.from(sampleColumns(steps, values, buckets).rows, (row) => ({ step: steps[row], timestamp: timestamps[row], value: values[row] }));
}

/**
 * A run's value of a metric at `step`, by the Compare panel's rule (the point logged last at the greatest
 * step not above `step`), reading only the chunks that can hold it; undefined before the first step.
 */
export function valueAtStepOf(store: Store, runId: string, key: string, step: number): number | undefined {
  const db = connectionOf(store);
  return db.transaction(() => {
    const series = seriesOf(db, runId, key);
    return series ? valueAtStep(db, series.id, step) : undefined;
  })();
}

/**
 * Points [from, from + limit) of a run's metric in logging order as columns, and how many points the series holds
 * in all (0 when the run has no such metric): a page of MLflow's get-history without a row object per point.
 */
export function readSeriesPage(store: Store, runId: string, key: string, from: number, limit: number): { columns: SeriesColumns; total: number } {
  const db = connectionOf(store);
  return db.transaction(() => {
    const series = seriesOf(db, runId, key);
    if (!series) return { columns: EMPTY, total: 0 };
    return { columns: readPoints(db, series, from, Math.min(series.count, from + limit)), total: series.count };
  })();
}
