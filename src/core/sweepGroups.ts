// How the Runs tree shows sweeps: the runs of one sweep under one row, with the best of them marked.
import { metricDirection, type MetricDirection } from './metricDirection';
import { SWEEP_METRIC_TAG, SWEEP_NAME_TAG, SWEEP_TAG } from './sweep';
import type { RunListing } from './types';

/** The listed runs of one sweep and its best run by the sweep's metric (else the experiment's primary metric). */
export interface SweepGroup {
  sweepId: string;
  name: string;
  runs: RunListing[];
  metric?: string;
  best?: RunListing;
}

/** A row of an experiment: a run on its own, or a sweep standing for its runs. */
export type ListedEntry = { kind: 'run'; run: RunListing } | { kind: 'sweep'; group: SweepGroup };

/** `val_loss:min` (the tag an Optuna sweep writes) -> the metric and its direction. */
export function parseSweepMetric(text: string | undefined): { metric: string; direction: MetricDirection } | undefined {
  const match = /^(.+):(min|max)$/.exec(text ?? '');
  return match ? { metric: match[1], direction: match[2] === 'min' ? 'lower' : 'higher' } : undefined;
}

/** Runs in listed order, each sweep's runs gathered under one entry at the place of its first listed run. */
export function groupSweeps(runs: readonly RunListing[], primaryMetric: string | undefined): ListedEntry[] {
  const entries: ListedEntry[] = [];
  const groups = new Map<string, SweepGroup>();
  for (const run of runs) {
    const sweepId = run.tags[SWEEP_TAG];
    if (!sweepId) {
      entries.push({ kind: 'run', run });
      continue;
    }
    const group = groups.get(sweepId);
    if (group) group.runs.push(run);
    else {
      const created: SweepGroup = { sweepId, name: run.tags[SWEEP_NAME_TAG] || sweepId, runs: [run] };
      groups.set(sweepId, created);
      entries.push({ kind: 'sweep', group: created });
    }
  }
  for (const group of groups.values()) markBest(group, primaryMetric);
  return entries;
}

function markBest(group: SweepGroup, primaryMetric: string | undefined): void {
  const stated = parseSweepMetric(group.runs[0].tags[SWEEP_METRIC_TAG]);
  const metric = stated?.metric ?? primaryMetric;
  if (!metric) return;
  const direction = stated?.direction ?? metricDirection(metric) ?? 'lower';
  const scored = group.runs.filter((run) => Number.isFinite(run.metrics[metric]?.last));
  group.metric = metric;
  group.best = scored.reduce<RunListing | undefined>(
    (best, run) => (!best || better(run.metrics[metric].last, best.metrics[metric].last, direction) ? run : best),
    undefined,
  );
}

function better(value: number, than: number, direction: MetricDirection): boolean {
  return direction === 'lower' ? value < than : value > than;
}
