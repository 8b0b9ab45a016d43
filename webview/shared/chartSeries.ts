// Pure helpers that turn protocol points into what a chart draws. No DOM, so unit tests run them in Node.

import { flatRange, integerStepRange } from '../../src/core/axisScale';
import type { AxisRange } from '../../src/core/axisScale';
import { smoothEma, xOf } from '../../src/core/series';
import type { HistoryPoint } from '../../src/core/types';
import { decodeNumber } from '../../src/protocol/runPanel';
import type { RunPanelAxis, RunPanelPoints } from '../../src/protocol/runPanel';

/** A chart point; y is NaN where nothing can be drawn (NaN or ±Infinity), which chart.js draws as a gap. */
export interface XY {
  x: number;
  y: number;
}

/** Protocol columns back to points, with NaN and ±Infinity restored. */
export function decodePoints(points: RunPanelPoints): HistoryPoint[] {
  return points.steps.map((step, i) => ({ step, timestamp: points.timestamps[i], value: decodeNumber(points.values[i]) }));
}

/** The x/y pairs to draw on `axis` (relative time counts from `origin`, in ms). */
export function toXY(points: readonly HistoryPoint[], axis: RunPanelAxis, origin: number): XY[] {
  return points.map((p) => ({ x: xOf(p, axis, origin), y: Number.isFinite(p.value) ? p.value : Number.NaN }));
}

/** True when x never decreases (chart.js may then search the data by binary search). */
export function isSortedByX(points: readonly XY[]): boolean {
  for (let i = 1; i < points.length; i++) if (points[i].x < points[i - 1].x) return false;
  return true;
}

/** The points with their values smoothed in order (debiased EMA); for full-resolution series only. */
export function smoothPoints(points: readonly HistoryPoint[], weight: number): HistoryPoint[] {
  const values = smoothEma(
    points.map((p) => p.value),
    weight,
  );
  return points.map((p, i) => ({ step: p.step, timestamp: p.timestamp, value: values[i] }));
}

/** A finer sample of a window, as received for a zoomed chart. */
export interface RangeSample {
  axis: RunPanelAxis;
  xMin: number;
  xMax: number;
  points: HistoryPoint[];
}

/** The overview with the window [xMin, xMax] replaced by its finer sample (which carries a neighbour each side). */
export function withDetail(overview: readonly HistoryPoint[], detail: readonly HistoryPoint[], range: RangeSample, origin: number): HistoryPoint[] {
  const x = (p: HistoryPoint): number => xOf(p, range.axis, origin);
  const detailLow = detail.length > 0 ? Math.min(range.xMin, x(detail[0])) : range.xMin;
  const detailHigh = detail.length > 0 ? Math.max(range.xMax, x(detail[detail.length - 1])) : range.xMax;
  return [...overview.filter((p) => x(p) < detailLow), ...detail, ...overview.filter((p) => x(p) > detailHigh)];
}

/** How many values cannot be drawn, by kind. */
export function nonFiniteCounts(points: readonly HistoryPoint[]): { nan: number; infinite: number } {
  let nan = 0;
  let infinite = 0;
  for (const p of points) {
    if (Number.isNaN(p.value)) nan++;
    else if (!Number.isFinite(p.value)) infinite++;
  }
  return { nan, infinite };
}

/** True when every point has the same step (logged without steps), so a step axis would stack them. */
export function hasOneStep(points: readonly HistoryPoint[]): boolean {
  return points.length > 1 && points.every((p) => p.step === points[0].step);
}

/** The smallest and largest finite value of `pick` over every point, or undefined when there is none. */
function extent(series: readonly (readonly XY[])[], pick: (point: XY) => number): { low: number; high: number } | undefined {
  let low = Infinity;
  let high = -Infinity;
  for (const points of series) {
    for (const point of points) {
      const value = pick(point);
      if (!Number.isFinite(value)) continue;
      low = Math.min(low, value);
      high = Math.max(high, value);
    }
  }
  return high >= low ? { low, high } : undefined;
}

/** Fixed y bounds for a flat series, so float noise is not stretched over the whole chart; undefined otherwise. */
export function flatBounds(series: readonly (readonly XY[])[]): AxisRange | undefined {
  const y = extent(series, (p) => p.y);
  return y && flatRange(y.low, y.high);
}

/** Whole steps around the only step drawn (a one-point chart), so its step axis has integer ticks; else undefined. */
export function singleStepBounds(series: readonly (readonly XY[])[]): AxisRange | undefined {
  const x = extent(series, (p) => p.x);
  return x && integerStepRange(x.low, x.high);
}
