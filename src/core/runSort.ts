// Orders of the Runs view, expressed as MLflow ORDER BY terms so the store sorts (and pages) in SQL.

import { bestFirstDescending, metricDirection } from './metricDirection';
import type { MetricDirection } from './metricDirection';

/** How the Runs view orders runs within an experiment. */
export type RunSort = { by: 'newest' | 'oldest' | 'name' } | { by: 'metric'; metric: string; descending: boolean };

/** Values of the `labbook.runs.sort` setting. */
export type RunSortSetting = 'newest' | 'oldest' | 'name' | 'primaryMetric' | 'primaryMetricDesc' | 'primaryMetricAsc';

/** A key quoted for the filter grammar: bare when it is a plain identifier, else in backticks (doubled inside). */
export function quoteKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(key) ? key : `\`${key.replace(/`/g, '``')}\``;
}

/** ORDER BY terms for a sort; ties fall back to the store's newest-first order. */
export function orderByFor(sort: RunSort): string[] {
  switch (sort.by) {
    case 'newest':
      return ['attributes.start_time DESC'];
    case 'oldest':
      return ['attributes.start_time ASC'];
    case 'name':
      return ['attributes.run_name ASC'];
    case 'metric':
      return [`metrics.${quoteKey(sort.metric)} ${sort.descending ? 'DESC' : 'ASC'}`];
  }
}

/**
 * The sort a setting asks for; a metric sort without a primary metric falls back to newest first. `primaryMetric`
 * sorts best first by `direction` (highest first when it does not know the metric).
 */
export function sortFromSetting(
  setting: string | undefined,
  primaryMetric: string | undefined,
  direction: (key: string) => MetricDirection | undefined = metricDirection,
): RunSort {
  const metric = primaryMetric?.trim();
  if (setting === 'primaryMetric' && metric) {
    const known = direction(metric);
    return { by: 'metric', metric, descending: known ? bestFirstDescending(known) : true };
  }
  if ((setting === 'primaryMetricDesc' || setting === 'primaryMetricAsc') && metric) {
    return { by: 'metric', metric, descending: setting === 'primaryMetricDesc' };
  }
  if (setting === 'oldest' || setting === 'name') return { by: setting };
  return { by: 'newest' };
}

/** A sort read back from storage, or undefined when it is not well-formed. */
export function parseSort(value: unknown): RunSort | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { by, metric, descending } = value as Record<string, unknown>;
  if (by === 'newest' || by === 'oldest' || by === 'name') return { by };
  if (by === 'metric' && typeof metric === 'string' && metric && typeof descending === 'boolean') return { by, metric, descending };
  return undefined;
}

/** Short words for a sort, e.g. `newest first` or `acc ↓`. */
export function describeSort(sort: RunSort): string {
  switch (sort.by) {
    case 'newest':
      return 'newest first';
    case 'oldest':
      return 'oldest first';
    case 'name':
      return 'by name';
    case 'metric':
      return `${sort.metric} ${sort.descending ? '↓' : '↑'}`;
  }
}
