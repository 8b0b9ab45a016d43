// What the runs say about a metric or a param named in a document. Run data is read lazily and cached by the
// run's revision in the index (it moves with every write to the run), so unchanged runs cost nothing after the
// first request; metric histories are downsampled once and extended with only the points logged since.
import { downsampleMinMax } from '../core/series';
import type { MetricGoal } from '../core/runRef';
import { guessGoal } from '../core/runRef';
import type { HistoryPoint, MetricSummary } from '../core/types';
import type { Store } from '../store/store';
import type { RunIdentity } from './runIndex';

/** Points kept per history: enough for a hover chart and a sparkline. */
const HISTORY_BUCKETS = 60;
const HISTORY_PAGE = 100_000;
const MAX_CACHED_RUNS = 2_000;
const MAX_CACHED_HISTORIES = 1_000;

/** One run's summary of a metric. */
export interface RunMetric {
  run: RunIdentity;
  summary: MetricSummary;
}

/** A metric across the runs of a document. */
export interface MetricInsight {
  key: string;
  goal: MetricGoal;
  /** Runs that logged the key, newest first. */
  runs: RunMetric[];
  /** The newest of them. */
  latest: RunMetric;
  /** The one whose final value is best, when any is a number. */
  best: RunMetric | undefined;
  /** The latest run's history of the key, downsampled to at most 2 * HISTORY_BUCKETS + 4 points in step order. */
  history: HistoryPoint[];
}

/** One value a param took, with the best primary-metric result among the runs that used it. */
export interface ParamValue {
  value: string;
  runCount: number;
  best: RunMetric | undefined;
}

/** A param across the runs of a document: its values, best first by `metric`. */
export interface ParamInsight {
  /** The param name as stored. */
  key: string;
  metric: string | undefined;
  goal: MetricGoal;
  values: ParamValue[];
}

interface RunData {
  revision: number;
  metrics: Map<string, MetricSummary>;
  params: Record<string, string>;
}

interface CachedHistory {
  count: number;
  points: HistoryPoint[];
}

/** Whether final value `a` beats `b` for the goal (both numbers, not NaN). */
function better(a: number, b: number, goal: MetricGoal): boolean {
  return goal === 'min' ? a < b : a > b;
}

/** The run metric with the best final value; NaN never wins; undefined when none is a number. */
function bestOf(metrics: readonly RunMetric[], goal: MetricGoal): RunMetric | undefined {
  let best: RunMetric | undefined;
  for (const metric of metrics) {
    if (Number.isNaN(metric.summary.last)) continue;
    if (!best || better(metric.summary.last, best.summary.last, goal)) best = metric;
  }
  return best;
}

/** Reads and caches run data for one open store. Create a new one when the store is reopened. */
export class Insights {
  private readonly runData = new Map<string, RunData>();
  private readonly histories = new Map<string, CachedHistory>();

  constructor(private readonly store: Store) {}

  /** A metric in `runs` (newest first) under the first candidate key any of them logged. */
  metric(runs: readonly RunIdentity[], keys: readonly string[]): MetricInsight | undefined {
    for (const key of keys) {
      const logged = this.runsWithMetric(runs, key);
      if (logged.length === 0) continue;
      const goal = guessGoal(key);
      return { key, goal, runs: logged, latest: logged[0], best: bestOf(logged, goal), history: this.history(logged[0].run.id, logged[0].summary) };
    }
    return undefined;
  }

  /** True when any of `runs` logged one of the keys. */
  hasMetric(runs: readonly RunIdentity[], keys: readonly string[]): boolean {
    return keys.some((key) => runs.some((run) => this.data(run).metrics.has(key)));
  }

  /**
   * The values a param took in `runs`, best first by the primary metric: `primaryMetric` when given and logged,
   * else the metric most of these runs logged (validation/test keys preferred, system metrics never).
   */
  param(runs: readonly RunIdentity[], keys: readonly string[], primaryMetric?: string): ParamInsight | undefined {
    const key = keys.find((k) => runs.some((run) => k in this.data(run).params));
    if (key === undefined) return undefined;
    const withParam = runs.filter((run) => key in this.data(run).params);
    const metric = primaryMetric && this.hasMetric(withParam, [primaryMetric]) ? primaryMetric : this.commonMetric(withParam);
    const goal = metric ? guessGoal(metric) : 'max';
    const byValue = new Map<string, { runCount: number; results: RunMetric[] }>();
    for (const run of withParam) {
      const data = this.data(run);
      const group = byValue.get(data.params[key]) ?? { runCount: 0, results: [] };
      byValue.set(data.params[key], group);
      group.runCount++;
      const summary = metric ? data.metrics.get(metric) : undefined;
      if (summary) group.results.push({ run, summary });
    }
    const values = [...byValue].map(([value, group]) => ({ value, runCount: group.runCount, best: bestOf(group.results, goal) }));
    values.sort((a, b) => rankValues(a, b, goal));
    return { key, metric, goal, values };
  }

  private runsWithMetric(runs: readonly RunIdentity[], key: string): RunMetric[] {
    const found: RunMetric[] = [];
    for (const run of runs) {
      const summary = this.data(run).metrics.get(key);
      if (summary) found.push({ run, summary });
    }
    return found;
  }

  private commonMetric(runs: readonly RunIdentity[]): string | undefined {
    const counts = new Map<string, number>();
    for (const run of runs)
      for (const key of this.data(run).metrics.keys()) if (!key.startsWith('system/')) counts.set(key, (counts.get(key) ?? 0) + 1);
    const heldOut = (key: string) => (/(^|[_/.-])(val|valid|validation|test|eval)([_/.-]|$)/i.test(key) ? 1 : 0);
    return [...counts].sort(([a, n], [b, m]) => m - n || heldOut(b) - heldOut(a) || (a < b ? -1 : 1))[0]?.[0];
  }

  private data(run: RunIdentity): RunData {
    const cached = this.runData.get(run.id);
    if (cached && cached.revision === run.revision) return cached;
    if (this.runData.size >= MAX_CACHED_RUNS) this.runData.clear();
    const data = {
      revision: run.revision,
      metrics: new Map(this.store.metricSummaries(run.id).map((s) => [s.key, s])),
      params: this.store.params(run.id),
    };
    this.runData.set(run.id, data);
    return data;
  }

  /** The downsampled history, extended by the points logged since it was cached (histories only grow). */
  private history(runId: string, summary: MetricSummary): HistoryPoint[] {
    const id = `${runId}\u0000${summary.key}`;
    let cached = this.histories.get(id);
    if (cached && cached.count === summary.count) return cached.points;
    if (!cached || cached.count > summary.count) cached = { count: 0, points: [] };
    let points = cached.points;
    let count = cached.count;
    for (;;) {
      const page = this.store.history(runId, summary.key, { offset: count, limit: HISTORY_PAGE });
      if (page.length === 0) break;
      points = downsampleMinMax(points.concat(page), HISTORY_BUCKETS);
      count += page.length;
      if (page.length < HISTORY_PAGE) break;
    }
    if (this.histories.size >= MAX_CACHED_HISTORIES) this.histories.clear();
    this.histories.set(id, { count, points });
    return points;
  }
}

function rankValues(a: ParamValue, b: ParamValue, goal: MetricGoal): number {
  if (a.best && b.best) {
    const x = a.best.summary.last;
    const y = b.best.summary.last;
    if (better(x, y, goal)) return -1;
    if (better(y, x, goal)) return 1;
  } else if (a.best || b.best) {
    return a.best ? -1 : 1;
  }
  return b.runCount - a.runCount || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
}
