// Turns the store's view of one run into Run panel messages: a snapshot, then increments.
// No vscode here, so the unit tests drive it against a real store.
//
// Charts never get more than `maxPoints` points per series. A short series goes at full resolution and
// grows by appended points. A long one goes as a min/max sample (core/series); while the run is live it
// is sampled to half the budget and grows by sampled buckets of the same width, and when it outgrows the
// budget it is sampled again (each time the series doubles, so the store is read fully only O(log n) times).

import { downsampleMinMax, smoothEma, xOf } from '../../core/series';
import type { SeriesAxis } from '../../core/series';
import { isLiveStatus } from '../../core/types';
import type { HistoryPoint, MetricSummary, RunDetail } from '../../core/types';
import { encodeNumber } from '../../protocol/runPanel';
import type {
  RunPanelAxis,
  RunPanelConsole,
  RunPanelEntry,
  RunPanelPoints,
  RunPanelRangeDetailMessage,
  RunPanelRunFacts,
  RunPanelRunMissingMessage,
  RunPanelSeries,
  RunPanelSnapshotMessage,
  RunPanelSummary,
  RunPanelToWebview,
} from '../../protocol/runPanel';
import { readSeriesColumns, SeriesScratch } from '../../store/seriesReads';
import type { Store } from '../../store/store';
import { allPoints, sampleForWire, xColumn } from './columnSample';
import { ConsoleTail } from './consoleTail';

/** Limits of what one panel holds. */
export interface RunPanelFeedOptions {
  /** Most points sent per series (default 2,000). */
  maxPoints?: number;
  /** Console lines the panel keeps (default 500). */
  consoleLines?: number;
}

/** Default most points per series in a chart. */
export const DEFAULT_MAX_POINTS = 2000;
/** Default console lines kept. */
export const DEFAULT_CONSOLE_LINES = 500;

const RUN_MISSING: RunPanelRunMissingMessage = { type: 'runPanel/runMissing', message: 'This run no longer exists in the store (it was deleted).' };

// Whole series are read into these columns (every feed runs on the host's one thread, and copies out what it sends
// before the next read); SeriesScratch keeps them only up to its bound, so the host holds at most that.
const SCRATCH = new SeriesScratch();

// Relative influence of the points before the warm-up window on a smoothed value.
const EMA_TOLERANCE = 1e-6;

/** How a sampled series was bucketed, so new points are bucketed alike. */
interface Sampling {
  axis: SeriesAxis;
  /** Bucket width in x units; 0 when all points share one x. */
  width: number;
}

/** What the panel holds of one metric. */
interface SeriesCursor {
  /** Stored points already sent or folded into a sent sample (the store's seq order). */
  consumed: number;
  /** Points the webview holds. */
  shipped: number;
  /** Null while the series goes at full resolution. */
  sampling: Sampling | null;
  /** Stored count last reported, so an unchanged series sends nothing. */
  reported: number;
}

function columns(points: readonly HistoryPoint[]): RunPanelPoints {
  return { steps: points.map((p) => p.step), timestamps: points.map((p) => p.timestamp), values: points.map((p) => encodeNumber(p.value)) };
}

function summaryOf(summary: MetricSummary): RunPanelSummary {
  return {
    count: summary.count,
    last: encodeNumber(summary.last),
    lastStep: summary.lastStep,
    min: encodeNumber(summary.min),
    max: encodeNumber(summary.max),
  };
}

// Points logged without a step (MLflow's default step 0) all share one step: bucket those by time.
function bucketAxis(steps: Float64Array): SeriesAxis {
  return steps.some((step) => step !== steps[0]) ? 'step' : 'timestamp';
}

function spanOf(x: Float64Array): number {
  let low = Infinity;
  let high = -Infinity;
  for (const value of x) {
    low = Math.min(low, value);
    high = Math.max(high, value);
  }
  return x.length > 0 ? high - low : 0;
}

function xSpan(points: readonly HistoryPoint[], axis: SeriesAxis): number {
  return spanOf(Float64Array.from(points, (point) => xOf(point, axis)));
}

// Two points per bucket plus the first, the last and a neighbour on each side of a range.
function bucketsFor(points: number): number {
  return Math.max(1, Math.floor((points - 4) / 2));
}

function byX(points: readonly HistoryPoint[], axis: SeriesAxis): HistoryPoint[] {
  return [...points].sort((a, b) => xOf(a, axis) - xOf(b, axis));
}

/** Smooths at full resolution in x order and returns the smoothed points (same order). */
function smoothed(points: readonly HistoryPoint[], axis: SeriesAxis, weight: number): HistoryPoint[] {
  const ordered = byX(points, axis);
  const values = smoothEma(
    ordered.map((p) => p.value),
    weight,
  );
  return ordered.map((p, i) => ({ step: p.step, timestamp: p.timestamp, value: values[i] }));
}

// Sorted by key as the store lists them: a record puts integer-like keys ("10", "2") first otherwise.
function entriesOf(record: Record<string, string>): RunPanelEntry[] {
  return Object.keys(record)
    .sort()
    .map((key) => ({ key, value: record[key] }));
}

/** How many earlier points make a smoothed value independent of where smoothing started. */
export function emaWarmup(weight: number): number {
  return weight <= 0 ? 0 : Math.ceil(Math.log(EMA_TOLERANCE) / Math.log(weight));
}

/** Feeds one Run panel: call snapshot() when the webview is ready or visible again, poll() on changes. */
export class RunPanelFeed {
  private readonly maxPoints: number;
  private readonly consoleLines: number;
  private cursors = new Map<string, SeriesCursor>();
  private console: ConsoleTail;
  private consolePartial = '';
  private facts = '';
  private live = false;
  private missing = false;
  private smoothing = 0;

  constructor(
    readonly runId: string,
    options: RunPanelFeedOptions = {},
  ) {
    this.maxPoints = Math.max(8, Math.floor(options.maxPoints ?? DEFAULT_MAX_POINTS));
    this.consoleLines = Math.max(1, Math.floor(options.consoleLines ?? DEFAULT_CONSOLE_LINES));
    this.console = new ConsoleTail(this.consoleLines);
  }

  /** True while the run can still change (the panel polls the console only then). */
  get isLive(): boolean {
    return this.live && !this.missing;
  }

  /** Everything the panel shows (or that the run is gone); forgets what was sent before. */
  snapshot(store: Store, smoothing = this.smoothing): RunPanelSnapshotMessage | RunPanelRunMissingMessage {
    this.smoothing = smoothing;
    this.cursors = new Map();
    this.console = new ConsoleTail(this.consoleLines);
    this.missing = !store.findRun(this.runId);
    if (this.missing) return RUN_MISSING;
    const detail = store.getRunDetail(this.runId);
    this.live = isLiveStatus(detail.status);
    const facts = this.factsOf(detail);
    this.facts = JSON.stringify(facts);
    const metrics = detail.metrics.map((summary) => this.wholeSeries(store, summary));
    const output = this.readConsole(store, detail);
    this.consolePartial = output.partial;
    return { type: 'runPanel/snapshot', ...facts, metrics, console: output, consoleLimit: this.consoleLines };
  }

  /** What changed since the last snapshot or poll, as messages in the order to post them. */
  poll(store: Store): RunPanelToWebview[] {
    if (this.missing) return [];
    if (!store.findRun(this.runId)) {
      this.missing = true;
      return [RUN_MISSING];
    }
    const detail = store.getRunDetail(this.runId);
    const wasLive = this.live;
    this.live = isLiveStatus(detail.status);
    const messages: RunPanelToWebview[] = [];
    const facts = this.factsOf(detail);
    const factsJson = JSON.stringify(facts);
    // Every metric batch touches the run row; only a real change of what the header shows is sent.
    if (factsJson !== this.facts) {
      this.facts = factsJson;
      messages.push({ type: 'runPanel/runChanged', ...facts });
    }
    // The last poll of a live run flushes half-filled buckets too.
    messages.push(...this.metricMessages(store, detail.metrics, wasLive && this.live));
    const output = this.readConsole(store, detail);
    if (output.lines.length > 0 || output.partial !== this.consolePartial || output.truncated) {
      messages.push({ type: 'runPanel/consoleAppended', ...output });
    }
    this.consolePartial = output.partial;
    return messages;
  }

  /** Takes a new smoothing weight; sampled series are smoothed on this side and so are sent again. */
  setSmoothing(store: Store, weight: number): RunPanelToWebview[] {
    if (weight === this.smoothing) return [];
    this.smoothing = weight;
    const sampled = store.metricSummaries(this.runId).filter((s) => this.cursors.get(s.key)?.sampling);
    if (sampled.length === 0) return [];
    return [{ type: 'runPanel/metricsReplaced', series: sampled.map((summary) => this.wholeSeries(store, summary)) }];
  }

  /** A finer sample of one metric inside [xMin, xMax] on the given axis, for a zoomed chart. */
  rangeDetail(store: Store, key: string, axis: RunPanelAxis, xMin: number, xMax: number): RunPanelRangeDetailMessage {
    const series = readSeriesColumns(store, this.runId, key, SCRATCH);
    const x = xColumn(series, axis, store.getRun(this.runId).startTime);
    const sample = sampleForWire(series, x, bucketsFor(this.maxPoints), { range: { xMin, xMax }, smoothing: this.smoothing });
    return { type: 'runPanel/rangeDetail', key, axis, xMin, xMax, ...sample };
  }

  private factsOf(detail: RunDetail): RunPanelRunFacts {
    return {
      run: {
        id: detail.id,
        name: detail.name,
        experimentName: detail.experimentName,
        status: detail.status,
        startTime: detail.startTime,
        endTime: detail.endTime,
        exitCode: detail.exitCode,
        argv: detail.argv,
        cwd: detail.cwd,
        user: detail.user,
        host: detail.host,
        git: { commit: detail.git.commit, branch: detail.git.branch, dirty: detail.git.dirty },
      },
      params: entriesOf(detail.params),
      tags: entriesOf(detail.tags),
      artifacts: detail.artifacts.map((a) => ({ path: a.path, sha256: a.sha256, size: a.size, role: a.role, direction: a.direction })),
    };
  }

  private metricMessages(store: Store, summaries: readonly MetricSummary[], waitForBuckets: boolean): RunPanelToWebview[] {
    const appended: RunPanelSeries[] = [];
    const replaced: RunPanelSeries[] = [];
    for (const summary of summaries) {
      const cursor = this.cursors.get(summary.key);
      // Unchanged, unless points held back for a half-filled bucket are due because the run ended.
      if (cursor && cursor.reported === summary.count && (cursor.consumed === summary.count || waitForBuckets)) continue;
      // A key that appeared since the snapshot is appended whole: the webview starts a chart for it.
      const increment = cursor
        ? this.increment(store, summary, cursor, waitForBuckets)
        : { series: this.wholeSeries(store, summary), replace: false };
      (increment.replace ? replaced : appended).push(increment.series);
    }
    const messages: RunPanelToWebview[] = [];
    if (replaced.length > 0) messages.push({ type: 'runPanel/metricsReplaced', series: replaced });
    if (appended.length > 0) messages.push({ type: 'runPanel/metricsAppended', series: appended });
    return messages;
  }

  private increment(
    store: Store,
    summary: MetricSummary,
    cursor: SeriesCursor,
    waitForBuckets: boolean,
  ): { series: RunPanelSeries; replace: boolean } {
    const fresh = store.history(this.runId, summary.key, { offset: cursor.consumed });
    cursor.reported = summary.count;
    const { sampling } = cursor;
    if (!sampling) {
      if (cursor.shipped + fresh.length > this.maxPoints) return { series: this.wholeSeries(store, summary), replace: true };
      cursor.consumed += fresh.length;
      cursor.shipped += fresh.length;
      return { series: this.series(summary, false, fresh, null), replace: false };
    }
    const span = xSpan(fresh, sampling.axis);
    // Wait for a whole bucket so the new part of the chart is as coarse as the rest (the summary still goes).
    if (fresh.length === 0 || (waitForBuckets && span < sampling.width)) return { series: this.series(summary, true, [], null), replace: false };
    const buckets = sampling.width > 0 ? Math.max(1, Math.floor(span / sampling.width)) : 1;
    const points = downsampleMinMax(fresh, buckets, { x: sampling.axis });
    const smooth =
      this.smoothing > 0
        ? downsampleMinMax(this.smoothedTail(store, summary.key, cursor.consumed, fresh, sampling.axis), buckets, { x: sampling.axis })
        : null;
    cursor.consumed += fresh.length;
    cursor.shipped += points.length;
    if (cursor.shipped > this.maxPoints) return { series: this.wholeSeries(store, summary), replace: true };
    return { series: this.series(summary, true, points, smooth), replace: false };
  }

  // Smoothed values of `fresh`, continuing the average over the earlier points: smoothing restarts far
  // enough back that where it restarted no longer shows (EMA_TOLERANCE), without rereading the history.
  private smoothedTail(store: Store, key: string, consumed: number, fresh: readonly HistoryPoint[], axis: SeriesAxis): HistoryPoint[] {
    const warmup = Math.min(consumed, emaWarmup(this.smoothing));
    const before = store.history(this.runId, key, { offset: consumed - warmup, limit: warmup });
    return smoothed([...before, ...fresh], axis, this.smoothing).slice(-fresh.length);
  }

  private wholeSeries(store: Store, summary: MetricSummary): RunPanelSeries {
    const series = readSeriesColumns(store, this.runId, summary.key, SCRATCH);
    const count = series.values.length;
    const cursor: SeriesCursor = { consumed: count, shipped: count, sampling: null, reported: summary.count };
    this.cursors.set(summary.key, cursor);
    if (count <= this.maxPoints) return { key: summary.key, summary: summaryOf(summary), sampled: false, points: allPoints(series), smoothed: null };
    // A live series will grow: leave it half the budget for new buckets before it is sampled again.
    const buckets = bucketsFor(this.live ? Math.floor(this.maxPoints / 2) : this.maxPoints);
    const axis = bucketAxis(series.steps);
    const x = xColumn(series, axis, 0);
    const sample = sampleForWire(series, x, buckets, { smoothing: this.smoothing });
    cursor.shipped = sample.points.steps.length;
    cursor.sampling = { axis, width: spanOf(x) / buckets };
    return { key: summary.key, summary: summaryOf(summary), sampled: true, ...sample };
  }

  private series(summary: MetricSummary, sampled: boolean, points: readonly HistoryPoint[], smooth: readonly HistoryPoint[] | null): RunPanelSeries {
    return { key: summary.key, summary: summaryOf(summary), sampled, points: columns(points), smoothed: smooth && columns(smooth) };
  }

  // The live log while the runner writes it, else its blob (the same bytes, so the offset carries over).
  // The runner removes the live log once it is stored, so a vanished file means: look for the blob.
  private readConsole(store: Store, detail: RunDetail): RunPanelConsole {
    const live = store.consolePath(detail.id);
    const stored = detail.consoleSha && store.objects.has(detail.consoleSha) ? store.objects.pathOf(detail.consoleSha) : null;
    for (const path of [live, stored]) {
      if (!path) continue;
      try {
        return this.console.read(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return { lines: [], partial: '', truncated: false };
  }
}
