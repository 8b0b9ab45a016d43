// Series math for charts: min/max downsampling, TensorBoard-style smoothing and text sparklines.
//
// NaN and ±Infinity are legal metric values. Downsampling never picks NaN as a bucket's min or max (it
// would hide the real extremes) but keeps one NaN point for a bucket that holds nothing else, so the chart
// can still draw the gap; ±Infinity are ordinary extremes and always kept.
// Smoothing is defined on the full-resolution series: smooth first, then downsample the smoothed values
// (minMaxIndices on x and smoothEma(y)); smoothing an already downsampled series would weigh buckets, not points.

import type { HistoryPoint } from './types';

/** What a chart's x axis shows: the step, the wall time (ms), or the time since `origin` (ms). */
export type SeriesAxis = 'step' | 'timestamp' | 'relative';

/** A visible x window, inclusive, in the units of the chosen axis. */
export interface XRange {
  xMin: number;
  xMax: number;
}

/** Options of downsampleMinMax. */
export interface DownsampleOptions {
  /** The x axis (default 'step'). */
  x?: SeriesAxis;
  /** Start of 'relative' time, e.g. the run's start time; default the series' earliest timestamp. */
  origin?: number;
  /** Only this window is bucketed (zoom); default the whole series. */
  range?: XRange;
}

/** The x value of a point on an axis. */
export function xOf(point: HistoryPoint, axis: SeriesAxis, origin = 0): number {
  if (axis === 'step') return point.step;
  return axis === 'timestamp' ? point.timestamp : point.timestamp - origin;
}

function checkBuckets(buckets: number): void {
  if (!Number.isFinite(buckets) || buckets < 1) throw new RangeError(`buckets must be a finite number >= 1, got ${buckets}.`);
}

/** First index whose x is >= target (x sorted). */
function lowerBound(x: ArrayLike<number>, target: number): number {
  let lo = 0;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose x is > target (x sorted). */
function upperBound(x: ArrayLike<number>, target: number): number {
  let lo = 0;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid] <= target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Collects increasing indices, dropping negative ones (no such row) and a repeat of the last one. */
class IndexList {
  private readonly items: Uint32Array;
  private size = 0;

  constructor(capacity: number) {
    this.items = new Uint32Array(capacity);
  }

  push(index: number): void {
    if (index < 0 || (this.size > 0 && this.items[this.size - 1] === index)) return;
    this.items[this.size++] = index;
  }

  done(): Uint32Array {
    return this.items.slice(0, this.size);
  }
}

function checkSorted(x: ArrayLike<number>, y: ArrayLike<number>): void {
  if (x.length !== y.length) throw new RangeError(`x and y differ in length (${x.length} and ${y.length}).`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || (i > 0 && x[i] < x[i - 1])) throw new RangeError(`x must be finite and sorted; it is not at index ${i}.`);
  }
}

/**
 * Indices (increasing) of the points to draw: per x bucket its min and max value, plus the first and last point
 * of the window and, when a range cuts the series, the nearest point outside it on each side so lines reach
 * the edges. At most 2 * buckets + 4 indices. x must be finite and sorted ascending (RangeError otherwise).
 */
export function minMaxIndices(x: ArrayLike<number>, y: ArrayLike<number>, buckets: number, range?: XRange): Uint32Array {
  checkBuckets(buckets);
  checkSorted(x, y);
  return pickIndices(x, y, buckets, range);
}

function pickIndices(x: ArrayLike<number>, y: ArrayLike<number>, buckets: number, range?: XRange): Uint32Array {
  const n = x.length;
  if (n === 0) return new Uint32Array(0);
  const xMin = range ? range.xMin : x[0];
  const xMax = range ? range.xMax : x[n - 1];
  if (!(xMin <= xMax)) throw new RangeError(`Invalid range [${xMin}, ${xMax}].`);
  const lo = range ? lowerBound(x, xMin) : 0;
  const hi = range ? upperBound(x, xMax) - 1 : n - 1;
  const count = Math.floor(buckets);
  const out = new IndexList(2 * count + 4);
  out.push(lo - 1);
  if (hi - lo + 1 <= 2 * count + 2) {
    for (let i = lo; i <= hi; i++) out.push(i);
  } else {
    // Buckets follow the window (the chart's pixels); an open-ended window falls back to the data's own ends.
    bucketExtremes(x, y, lo, hi, count, Number.isFinite(xMin) ? xMin : x[lo], Number.isFinite(xMax) ? xMax : x[hi], out);
  }
  if (hi + 1 < n) out.push(hi + 1);
  return out.done();
}

// The hot loop: one pass over sorted x, a bucket at a time, with no calls, no allocation and no NaN test per
// point (V8 compiles it on the fly; calls in rarely taken branches would make it deoptimize). Comparisons with
// NaN are false, so NaN is never an extreme. A bucket gives its first minimum and first maximum in row order,
// or its first row when it holds NaN only.
function bucketExtremes(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  lo: number,
  hi: number,
  buckets: number,
  xMin: number,
  xMax: number,
  out: IndexList,
): void {
  const scale = xMax > xMin ? buckets / (xMax - xMin) : 0;
  out.push(lo);
  let i = lo;
  for (let b = 0; b < buckets && i <= hi; b++) {
    const edge = b === buckets - 1 ? Infinity : xMin + (b + 1) / scale;
    const start = i;
    let minI = -1;
    let maxI = -1;
    let minV = Infinity;
    let maxV = -Infinity;
    for (; i <= hi; i++) {
      if (x[i] >= edge) break;
      const v = y[i];
      if (v < minV) {
        minV = v;
        minI = i;
      }
      if (v > maxV) {
        maxV = v;
        maxI = i;
      }
    }
    if (i === start) continue;
    if (minI < 0 && maxI < 0) {
      out.push(start); // NaN only: its first row
      continue;
    }
    // An infinity-only bucket found one of the two; the other's -1 is dropped by push.
    out.push(Math.min(minI, maxI));
    out.push(Math.max(minI, maxI));
  }
  out.push(hi);
}

interface Columns {
  x: Float64Array;
  y: Float64Array;
  /** Row i came from points[source[i]]; null when rows and points coincide (the common, sorted case). */
  source: Uint32Array | null;
}

// Reused between calls: a fresh 16 MB of typed arrays per million points counts as external memory and makes
// V8 run a full GC of the (large) points heap on the next call, which costs more than the whole downsampling.
let scratchX = new Float64Array(0);
let scratchY = new Float64Array(0);

function scratch(n: number): { x: Float64Array; y: Float64Array } {
  if (scratchX.length < n) {
    scratchX = new Float64Array(n);
    scratchY = new Float64Array(n);
  }
  return { x: scratchX.subarray(0, n), y: scratchY.subarray(0, n) };
}

/**
 * The rows of a series in x order: null when x is already finite and ascending (the common case, checked in one
 * pass), else the indices of the rows whose x is finite, sorted by x (stable: equal x keep logging order).
 */
export function xOrder(x: ArrayLike<number>): Uint32Array | null {
  const n = x.length;
  let previous = -Infinity;
  let clean = true;
  for (let i = 0; i < n && clean; i++) {
    const xi = x[i];
    // xi - xi is NaN for NaN and ±Infinity.
    clean = xi >= previous && xi - xi === 0;
    previous = xi;
  }
  if (clean) return null;
  const kept: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(x[i])) kept.push(i);
  // A plain array: V8's TimSort on it finds the sorted runs that unsorted histories (resumed runs) consist of.
  return Uint32Array.from(kept.sort((a, b) => x[a] - x[b] || a - b));
}

/** The series as typed x/y columns sorted by x (stable); points whose x is not finite are dropped. Valid until the next call. */
function sortedColumns(points: readonly HistoryPoint[], axis: SeriesAxis, origin: number): Columns {
  const n = points.length;
  const { x, y } = scratch(n);
  for (let i = 0; i < n; i++) {
    const point = points[i];
    x[i] = xOf(point, axis, origin);
    y[i] = point.value;
  }
  const source = xOrder(x);
  if (!source) return { x, y, source };
  return { x: permuted(x, source), y: permuted(y, source), source };
}

// A plain loop: Float64Array.from with a map function calls it per row, several times slower.
function permuted(values: ArrayLike<number>, order: Uint32Array): Float64Array {
  const out = new Float64Array(order.length);
  for (let i = 0; i < order.length; i++) out[i] = values[order[i]];
  return out;
}

function earliestTimestamp(points: readonly HistoryPoint[]): number {
  let earliest = Infinity;
  for (const point of points) if (point.timestamp < earliest) earliest = point.timestamp;
  return Number.isFinite(earliest) ? earliest : 0;
}

/**
 * Downsamples a metric history for a chart of `buckets` pixels: the min and max of each x bucket (see
 * minMaxIndices), returned as the original points in x order. Unsorted input is sorted (a copy); points
 * whose x is not finite are dropped.
 */
export function downsampleMinMax(points: readonly HistoryPoint[], buckets: number, options: DownsampleOptions = {}): HistoryPoint[] {
  checkBuckets(buckets);
  const axis = options.x ?? 'step';
  const origin = axis === 'relative' ? (options.origin ?? earliestTimestamp(points)) : 0;
  const { x, y, source } = sortedColumns(points, axis, origin);
  const picked = pickIndices(x, y, buckets, options.range);
  return Array.from(picked, (i) => points[source ? source[i] : i]);
}

/**
 * TensorBoard's debiased exponential moving average over points in x order; weight in [0, 1), 0 = no smoothing.
 * Non-finite values pass through unchanged and do not disturb the average of the others.
 */
export function smoothEma(values: ArrayLike<number>, weight: number): number[] {
  return emaInto(values, weight, new Array<number>(values.length));
}

function emaInto<T extends { [index: number]: number }>(values: ArrayLike<number>, weight: number, out: T): T {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`Smoothing weight must be in [0, 1), got ${weight}.`);
  const n = values.length;
  const keep = 1 - weight;
  let last = 0;
  let finiteCount = 0;
  let debias = 0;
  let i = 0;
  // Starting from 0 biases the first values toward 0; dividing by 1 - weight^k undoes it. That divisor soon rounds
  // to 1 and stays 1, so the rest of the series (nearly all of it) is a second loop without Math.pow or division.
  for (; i < n && debias !== 1; i++) {
    const value = values[i];
    // value - value is NaN for NaN and ±Infinity, which pass through.
    if (value - value !== 0) {
      out[i] = value;
      continue;
    }
    last = last * weight + keep * value;
    finiteCount++;
    debias = 1 - Math.pow(weight, finiteCount);
    out[i] = last / debias;
  }
  for (; i < n; i++) {
    const value = values[i];
    if (value - value !== 0) {
      out[i] = value;
      continue;
    }
    last = last * weight + keep * value;
    out[i] = last;
  }
  return out;
}

/** Options of sampleColumns. */
export interface SampleOptions {
  /** Only this window is bucketed (zoom); default the whole series. */
  range?: XRange;
  /** smoothEma weight of the smoothed sample; 0 (default) = no smoothed sample. */
  smoothing?: number;
}

/** What sampleColumns picked: rows of the input columns, increasing in x. */
export interface ColumnsSample {
  /** The raw series' rows to draw (min and max per bucket, see minMaxIndices). */
  rows: Uint32Array;
  /** The smoothed series' rows to draw and their smoothed values; null without smoothing. */
  smoothed: { rows: Uint32Array; values: Float64Array } | null;
}

let smoothScratch = new Float64Array(0);
const SMOOTH_SCRATCH_POINTS = 262_144;

// Reused up to 2 MB: only the picked values leave sampleColumns, and a fresh 800 KB array per series of a
// 100-run Compare cost more in page faults than the smoothing itself.
function smoothTarget(n: number): Float64Array {
  if (n > SMOOTH_SCRATCH_POINTS) return new Float64Array(n);
  if (smoothScratch.length < n) smoothScratch = new Float64Array(n);
  return smoothScratch.subarray(0, n);
}

/**
 * downsampleMinMax for a series given as columns in any order (rows whose x is not finite are dropped), and the
 * same for its smoothEma, which runs over the whole series in x order, so it does not change with buckets or range.
 */
export function sampleColumns(x: ArrayLike<number>, y: ArrayLike<number>, buckets: number, options: SampleOptions = {}): ColumnsSample {
  checkBuckets(buckets);
  if (x.length !== y.length) throw new RangeError(`x and y differ in length (${x.length} and ${y.length}).`);
  const order = xOrder(x);
  const xs = order ? permuted(x, order) : x;
  const ys = order ? permuted(y, order) : y;
  const toRows = (picked: Uint32Array): Uint32Array => (order ? picked.map((i) => order[i]) : picked);
  const rows = toRows(pickIndices(xs, ys, buckets, options.range));
  const weight = options.smoothing ?? 0;
  if (weight === 0) return { rows, smoothed: null };
  const smooth = emaInto(ys, weight, smoothTarget(ys.length));
  const picked = pickIndices(xs, smooth, buckets, options.range);
  return { rows, smoothed: { rows: toRows(picked), values: permuted(smooth, picked) } };
}

const BARS = '▁▂▃▄▅▆▇█';

/** Mean of the finite values of values[from, to); ±Infinity when only infinities, NaN when nothing else. */
function columnValue(values: ArrayLike<number>, from: number, to: number): number {
  let sum = 0;
  let finite = 0;
  let infinite = Number.NaN;
  for (let i = from; i < to; i++) {
    const value = values[i];
    if (Number.isFinite(value)) {
      sum += value;
      finite++;
    } else if (!Number.isNaN(value)) {
      infinite = value;
    }
  }
  return finite > 0 ? sum / finite : infinite;
}

/**
 * A one-line chart of at most `width` characters: longer series are averaged into `width` columns. A column
 * of NaN only is a space, +Infinity the top bar, -Infinity the bottom bar; a constant series is flat mid-height.
 */
export function textSparkline(values: ArrayLike<number>, width = 16): string {
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`Sparkline width must be a positive integer, got ${width}.`);
  const columns = Math.min(width, values.length);
  const levels: number[] = [];
  for (let c = 0; c < columns; c++) {
    levels.push(columnValue(values, Math.floor((c * values.length) / columns), Math.floor(((c + 1) * values.length) / columns)));
  }
  let low = Infinity;
  let high = -Infinity;
  for (const level of levels) {
    if (!Number.isFinite(level)) continue;
    low = Math.min(low, level);
    high = Math.max(high, level);
  }
  return levels.map((level) => bar(level, low, high - low)).join('');
}

function bar(level: number, low: number, span: number): string {
  if (Number.isNaN(level)) return ' ';
  if (level === Infinity) return BARS[BARS.length - 1];
  if (level === -Infinity) return BARS[0];
  if (span === 0) return BARS[3];
  return BARS[Math.min(BARS.length - 1, Math.floor(((level - low) / span) * BARS.length))];
}
