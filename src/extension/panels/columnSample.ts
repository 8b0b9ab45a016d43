// A series read as typed columns (store/seriesReads), min/max sampled (core/series) and put in wire form: what the
// Run and Compare panels send for a long series, without a row object per stored point.

import { sampleColumns } from '../../core/series';
import type { SampleOptions, SeriesAxis } from '../../core/series';
import { encodeNumber } from '../../protocol/runPanel';
import type { RunPanelPoints } from '../../protocol/runPanel';
import type { SeriesColumns } from '../../store/seriesReads';

/** A sampled series in wire form. */
export interface WireSample {
  points: RunPanelPoints;
  /** The full-resolution series smoothed in x order, then sampled alike; null without smoothing. */
  smoothed: RunPanelPoints | null;
}

/** The given rows of a series for the wire; `values` replaces the stored ones (the smoothed series). */
function pointsAt(series: SeriesColumns, rows: Uint32Array, values?: Float64Array): RunPanelPoints {
  const points: RunPanelPoints = { steps: [], timestamps: [], values: [] };
  // A plain loop: Array.from with a map function cost a Compare snapshot of 100 runs 18 ms.
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    points.steps.push(series.steps[row]);
    points.timestamps.push(series.timestamps[row]);
    points.values.push(encodeNumber(values ? values[i] : series.values[row]));
  }
  return points;
}

/** Every point of a series for the wire, in logging order. */
export function allPoints(series: SeriesColumns): RunPanelPoints {
  return { steps: Array.from(series.steps), timestamps: Array.from(series.timestamps), values: Array.from(series.values, encodeNumber) };
}

/** The x column of a series on an axis; relative time counts from `origin`, the run's start. */
export function xColumn(series: SeriesColumns, axis: SeriesAxis, origin: number): Float64Array {
  if (axis === 'step') return series.steps;
  return axis === 'timestamp' ? series.timestamps : series.timestamps.map((t) => t - origin);
}

/** The min/max sample of `series` on `x` (from xColumn) in `buckets` buckets, smoothed too when options ask. */
export function sampleForWire(series: SeriesColumns, x: Float64Array, buckets: number, options: SampleOptions): WireSample {
  const sample = sampleColumns(x, series.values, buckets, options);
  return { points: pointsAt(series, sample.rows), smoothed: sample.smoothed && pointsAt(series, sample.smoothed.rows, sample.smoothed.values) };
}
