// Turns the store's view of several runs into Compare panel messages. No vscode here, so unit tests drive it
// against a real store. Each run's series is smoothed at full resolution in x order, then both the raw and the
// smoothed series are min/max sampled to a per-run share of the chart's point budget (core/compare).
// Series are read as typed columns (store/seriesReads: ~15 ms per 100,000 points, no row objects) by a
// SeriesReader: in this thread, yielding to the event loop between series, or by a pool of worker threads
// (seriesPool.ts) that read in parallel and send back only the samples.

import { compareBuckets, cssColor, runColors, runLabels } from '../../core/compare';
import { reproductionPair, reproductionVerdict } from '../../core/reproduction';
import { SWEEP_PRUNED_TAG } from '../../core/sweep';
import type { XRange } from '../../core/series';
import type { MetricSummary, Run } from '../../core/types';
import { environmentOf } from '../../capture/environment';
import { environmentDifferences } from '../../core/environment';
import type {
  CompareAxis,
  CompareEnvironment,
  CompareMetric,
  CompareRangeDetailMessage,
  CompareReproduction,
  CompareRun,
  CompareSeries,
  CompareSeriesReplacedMessage,
  CompareSnapshotMessage,
  CompareStats,
  CompareStepValuesMessage,
  CompareView,
} from '../../protocol/comparePanel';
import { encodeNumber } from '../../protocol/runPanel';
import { readSeriesColumns, SeriesScratch, valueAtStepOf } from '../../store/seriesReads';
import type { Store } from '../../store/store';
import { sampleForWire, xColumn } from './columnSample';

/** One run's series to read and sample: everything a worker thread needs besides the store. */
export interface SeriesRequest {
  runId: string;
  key: string;
  axis: CompareAxis;
  /** The run's start time, the origin of the relative axis. */
  origin: number;
  buckets: number;
  smoothing: number;
  range?: XRange;
}

/** Reads and samples series for a feed; the answers come in the order of the requests. */
export interface SeriesReader {
  sampleAll(store: Store, requests: readonly SeriesRequest[]): Promise<CompareSeries[]>;
}

/** Limits of a Compare panel. */
export interface CompareFeedOptions {
  /** Points a chart may hold over all runs (default core/compare's COMPARE_POINT_BUDGET). */
  pointBudget?: number;
  /** Who reads the series (default: this thread, see InThreadSeriesReader). */
  reader?: SeriesReader;
}

function statsOf(runId: string, summary: MetricSummary): CompareStats {
  return {
    runId,
    count: summary.count,
    last: encodeNumber(summary.last),
    lastStep: summary.lastStep,
    min: encodeNumber(summary.min),
    max: encodeNumber(summary.max),
  };
}

/**
 * One run's series read from the store and sampled for the wire. Only the sample leaves, so a reader of many series
 * passes one scratch for all of them (fresh arrays per series cost more in page faults than reading them).
 */
export function sampleSeries(store: Store, request: SeriesRequest, scratch = new SeriesScratch()): CompareSeries {
  const { runId, key, axis, origin, buckets, smoothing, range } = request;
  const series = readSeriesColumns(store, runId, key, scratch);
  const sampled = range !== undefined || series.values.length > 2 * buckets + 2;
  return { runId, sampled, ...sampleForWire(series, xColumn(series, axis, origin), buckets, { range, smoothing }) };
}

/** Reads series one after another in this thread, yielding to the event loop after each, so the host is never held for more than one. */
export class InThreadSeriesReader implements SeriesReader {
  async sampleAll(store: Store, requests: readonly SeriesRequest[]): Promise<CompareSeries[]> {
    const series: CompareSeries[] = [];
    // One scratch per snapshot: the host does not keep the largest series' arrays between snapshots.
    const scratch = new SeriesScratch();
    for (const request of requests) {
      series.push(sampleSeries(store, request, scratch));
      await new Promise((resolve) => setImmediate(resolve));
    }
    return series;
  }
}

/** The verdict when one of the runs reproduces another, on the stored last values (default tolerance). */
/** Each later run's environment differences from the first run's (runs that recorded none are left out). */
function environmentsOf(store: Store, runs: readonly Run[]): CompareEnvironment[] {
  const first = runs.length > 0 ? environmentOf(store, runs[0].id) : undefined;
  if (!first) return [];
  return runs.slice(1).flatMap((run) => {
    const other = environmentOf(store, run.id);
    if (!other) return [];
    const differences = environmentDifferences(first, other).map((d) => ({ field: d.field, first: d.left ?? null, other: d.right ?? null }));
    return [{ runId: run.id, differences }];
  });
}

function reproductionOf(store: Store, runs: readonly Run[]): CompareReproduction | null {
  const pair = reproductionPair(runs.map((run) => ({ id: run.id, tags: store.tags(run.id) })));
  if (!pair) return null;
  const lastValues = (runId: string): Record<string, number> => Object.fromEntries(store.metricSummaries(runId).map((m) => [m.key, m.last]));
  const { reproduced, summary } = reproductionVerdict(lastValues(pair.original.id), lastValues(pair.reproduction.id));
  return { originalId: pair.original.id, reproductionId: pair.reproduction.id, reproduced, summary };
}

/** Feeds one Compare panel: the runs are fixed, what they hold is read from the store on every call. */
export class CompareFeed {
  private readonly budget: number | undefined;
  private readonly reader: SeriesReader;
  private signature = '';

  constructor(
    readonly runIds: readonly string[],
    options: CompareFeedOptions = {},
  ) {
    this.budget = options.pointBudget;
    this.reader = options.reader ?? new InThreadSeriesReader();
  }

  /** Everything the panel shows, for these view settings. */
  async snapshot(store: Store, view: CompareView): Promise<CompareSnapshotMessage> {
    const runs = this.runs(store);
    const missing = this.runIds.filter((id) => !runs.some((run) => run.id === id));
    this.signature = this.signatureOf(runs);
    const labels = runLabels(runs);
    const colors = runColors(runs.map((run) => run.id));
    const compared: CompareRun[] = runs.map((run, i) => ({
      id: run.id,
      name: run.name,
      label: labels[i],
      color: cssColor(colors[i]),
      faintColor: cssColor(colors[i], 0.3),
      experimentName: run.experimentName,
      status: run.status,
      prunedAt: store.tags(run.id)[SWEEP_PRUNED_TAG],
      startTime: run.startTime,
      endTime: run.endTime,
      commit: run.git.commit,
      params: Object.entries(store.params(run.id))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, value]) => ({ key, value })),
    }));
    const reproduction = reproductionOf(store, runs);
    const environment = environmentsOf(store, runs);
    return {
      type: 'comparePanel/snapshot',
      ...view,
      runs: compared,
      metrics: await this.metrics(store, runs, view),
      reproduction,
      environment,
      missing,
    };
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
  async rangeDetail(store: Store, key: string, view: CompareView, xMin: number, xMax: number): Promise<CompareRangeDetailMessage> {
    const runs = this.runs(store).filter((run) => store.metricSummaries(run.id).some((s) => s.key === key));
    const series = await this.reader.sampleAll(store, this.requests(runs, key, view, { xMin, xMax }));
    return { type: 'comparePanel/rangeDetail', ...view, key, xMin, xMax, series };
  }

  /** Each run's value of each of its metrics at `step`. */
  stepValues(store: Store, step: number): CompareStepValuesMessage {
    const values = this.runs(store).flatMap((run) =>
      store.metricSummaries(run.id).map((summary) => {
        const value = valueAtStepOf(store, run.id, summary.key, step);
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

  // Every series of every metric goes to the reader as one batch, so a pool can spread them over its threads.
  private async metrics(store: Store, runs: readonly Run[], view: CompareView): Promise<CompareMetric[]> {
    const byKey = new Map<string, { run: Run; summary: MetricSummary }[]>();
    for (const run of runs) {
      for (const summary of store.metricSummaries(run.id)) {
        const list = byKey.get(summary.key) ?? [];
        list.push({ run, summary });
        byKey.set(summary.key, list);
      }
    }
    const keys = [...byKey.keys()].sort();
    const requests = keys.flatMap((key) =>
      this.requests(
        (byKey.get(key) ?? []).map(({ run }) => run),
        key,
        view,
      ),
    );
    const series = await this.reader.sampleAll(store, requests);
    let next = 0;
    return keys.map((key) => {
      const entries = byKey.get(key) ?? [];
      const first = next;
      next += entries.length;
      return { key, stats: entries.map(({ run, summary }) => statsOf(run.id, summary)), series: series.slice(first, next) };
    });
  }

  private requests(runs: readonly Run[], key: string, view: CompareView, range?: XRange): SeriesRequest[] {
    const buckets = compareBuckets(runs.length, this.budget);
    return runs.map((run) => ({ runId: run.id, key, axis: view.axis, origin: run.startTime, buckets, smoothing: view.smoothing, range }));
  }
}
