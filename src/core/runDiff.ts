import type { MetricSummary } from './types';

/** The runs to diff: a label each, their params and metric summaries. */
export interface DiffableRun {
  label: string;
  params: Record<string, string>;
  metrics: Record<string, MetricSummary>;
}

/** One row of a run diff: a param or metric key and its value in each run (undefined when missing). */
export interface DiffRow {
  kind: 'param' | 'metric';
  key: string;
  values: (string | number | undefined)[];
  differs: boolean;
}

function sameValues(values: readonly (string | number | undefined)[]): boolean {
  return values.every((v) => Object.is(v, values[0]));
}

/** Params then metrics (last values), keys sorted, with a flag saying whether the runs differ on each. */
export function diffRuns(runs: readonly DiffableRun[], options: { onlyDifferences?: boolean } = {}): DiffRow[] {
  const rows: DiffRow[] = [];
  const paramKeys = [...new Set(runs.flatMap((run) => Object.keys(run.params)))].sort();
  const metricKeys = [...new Set(runs.flatMap((run) => Object.keys(run.metrics)))].sort();
  for (const key of paramKeys) {
    const values = runs.map((run) => run.params[key]);
    rows.push({ kind: 'param', key, values, differs: !sameValues(values) });
  }
  for (const key of metricKeys) {
    const values = runs.map((run) => run.metrics[key]?.last);
    rows.push({ kind: 'metric', key, values, differs: !sameValues(values) });
  }
  return options.onlyDifferences ? rows.filter((row) => row.differs) : rows;
}
