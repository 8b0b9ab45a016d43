// Turns the store's view of several runs into Compare panel messages. No vscode here, so unit tests drive it
// against a real store. Each run's series is smoothed at full resolution in x order, then both the raw and the
// smoothed series are min/max sampled to a per-run share of the chart's point budget (core/compare).
// Reading a long history costs the store ~2 ms per 1,000 points, so snapshots yield to the event loop between
// series: a comparison of 100 long runs takes seconds but never holds the extension host for more than one series.

import { compareBuckets, runColor, runLabels, valueAtStep } from '../../core/compare';
import { downsampleMinMax, smoothEma, xOf } from '../../core/series';
import type { DownsampleOptions } from '../../core/series';
import type { HistoryPoint, MetricSummary, Run } from '../../core/types';
import type {
  CompareAxis,
  CompareMetric,
  CompareRangeDetailMessage,
  CompareRun,
  CompareSeries,
  CompareSeriesReplacedMessage,
  CompareSnapshotMessage,
  CompareStats,
  CompareStepValuesMessage,
  CompareView,
} from '../../protocol/comparePanel';
import { encodeNumber } from '../../protocol/runPanel';
import type { RunPanelPoints } from '../../protocol/runPanel';
import type { Store } from '../../store/store';

/** Limits of a Compare panel. */
export interface CompareFeedOptions {
  /** Points a chart may hold over all runs (default core/compare's COMPARE_POINT_BUDGET). */
  pointBudget?: number;
}

function columns(points: readonly HistoryPoint[]): RunPanelPoints {
  return { steps: points.map((p) => p.step), timestamps: points.map((p) => p.timestamp), values: points.map((p) => encodeNumber(p.value)) };
}

function statsOf(runId: string, summary: MetricSummary): CompareStats {
  return { runId, count: summary.count, last: encodeNumber(summary.last), lastStep: summary.lastStep, min: encodeNumber(summary.min), max: encodeNumber(summary.max) };
}

/** The points in x order (stable), smoothed with the debiased EMA. */
function smoothedByX(points: readonly HistoryPoint[], axis: CompareAxis, weight: number): HistoryPoint[] {
  const ordered = points.map((point, index) => ({ point, index })).sort((a, b) => xOf(a.point, axis) - xOf(b.point, axis) || a.index - b.index);
  const values = smoothEma(
    ordered.map((o) => o.point.value),
    weight,
  );
  return ordered.map((o, i) => ({ step: o.point.step, timestamp: o.point.timestamp, value: values[i] }));
}

/** Feeds one Compare panel: the runs are fixed, what they hold is read from the store on every call. */
export class CompareFeed {
  private readonly budget: number | undefined;
  private signature = '';

  constructor(
    readonly runIds: readonly string[],
    options: CompareFeedOptions = {},
  ) {
    this.budget = options.pointBudget;
  }

  /** Everything the panel shows, for these view settings. */
  async snapshot(store: Store, view: CompareView): Promise<CompareSnapshotMessage> {
    const runs = this.runs(store);
    const missing = this.runIds.filter((id) => !runs.some((run) => run.id === id));
    this.signature = this.signatureOf(runs);
    const labels = runLabels(runs);
    const compared: CompareRun[] = runs.map((run, i) => ({
      id: run.id,
      name: run.name,
      label: labels[i],
      color: runColor(run.id),
      experimentName: run.experimentName,
      status: run.status,
      startTime: run.startTime,
      endTime: run.endTime,
      commit: run.git.commit,
      params: Object.entries(store.params(run.id))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, value]) => ({ key, value })),
    }));
    return { type: 'comparePanel/snapshot', ...view, runs: compared, metrics: await this.metrics(store, runs, view), missing };
  }

  /** Every series again for new view settings. */
  async series(store: Store, view: CompareView): Promise<CompareSeriesReplacedMessage> {
    return { type: 'comparePanel/seriesReplaced', ...view, metrics: await this.metrics(store, this.runs(store), view) };
  }

  /** True when any compared run was written to (or deleted) since the last snapshot. */
  changed(store: Store): boolean {
    return this.signatureOf(this.runs(store)) !== this.signature;
  }

  /** A finer sample of one metric of every run inside [xMin, xMax] of the axis. */
  rangeDetail(store: Store, key: string, view: CompareView, xMin: number, xMax: number): CompareRangeDetailMessage {
    const runs = this.runs(store).filter((run) => store.metricSummaries(run.id).some((s) => s.key === key));
    const buckets = compareBuckets(runs.length, this.budget);
    const series = runs.map((run) => this.sample(store.history(run.id, key), run, view, buckets, { xMin, xMax }));
    return { type: 'comparePanel/rangeDetail', ...view, key, xMin, xMax, series };
  }

  /** Each run's value of each of its metrics at `step`. */
  stepValues(store: Store, step: number): CompareStepValuesMessage {
    const values = this.runs(store).flatMap((run) =>
      store.metricSummaries(run.id).map((summary) => {
        const value = valueAtStep(store.history(run.id, summary.key), step);
        return { key: summary.key, runId: run.id, value: value === undefined ? null : encodeNumber(value) };
      }),
    );
    return { type: 'comparePanel/stepValues', step, values };
  }

  private runs(store: Store): Run[] {
    return this.runIds.map((id) => store.findRun(id)).filter((run): run is Run => run !== undefined);
  }

  private signatureOf(runs: readonly Run[]): string {
    return runs.map((run) => `${run.id}:${run.updatedAt}:${run.status}:${run.name}`).join(',');
  }

  private async metrics(store: Store, runs: readonly Run[], view: CompareView): Promise<CompareMetric[]> {
    const byKey = new Map<string, { run: Run; summary: MetricSummary }[]>();
    for (const run of runs) {
      for (const summary of store.metricSummaries(run.id)) {
        const list = byKey.get(summary.key) ?? [];
        list.push({ run, summary });
        byKey.set(summary.key, list);
      }
    }
    const metrics: CompareMetric[] = [];
    for (const key of [...byKey.keys()].sort()) {
      const entries = byKey.get(key) ?? [];
      const buckets = compareBuckets(entries.length, this.budget);
      const series: CompareSeries[] = [];
      for (const { run } of entries) {
        series.push(this.sample(store.history(run.id, key), run, view, buckets));
        await new Promise((resolve) => setImmediate(resolve));
      }
      metrics.push({ key, stats: entries.map(({ run, summary }) => statsOf(run.id, summary)), series });
    }
    return metrics;
  }

  private sample(history: readonly HistoryPoint[], run: Run, view: CompareView, buckets: number, range?: { xMin: number; xMax: number }): CompareSeries {
    const options: DownsampleOptions = { x: view.axis, origin: run.startTime, range };
    const sampled = range !== undefined || history.length > 2 * buckets + 2;
    // Relative time counts from each run's own start; smoothing order only needs x order, which the origin keeps.
    const points = downsampleMinMax(history, buckets, options);
    const smooth = view.smoothing > 0 ? downsampleMinMax(smoothedByX(history, view.axis, view.smoothing), buckets, options) : null;
    return { runId: run.id, sampled, points: columns(points), smoothed: smooth && columns(smooth) };
  }
}
