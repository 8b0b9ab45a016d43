// Optuna pruning: which points a running trial logged of the objective metric are intermediate values to report.
import type { HistoryPoint } from './types';

/** What the sweep has seen of one trial's metric: the newest point, and the steps already reported. */
export interface IntermediateState {
  newest?: HistoryPoint;
  reported: Set<number>;
}

/** A fresh state for a trial. */
export function intermediateState(): IntermediateState {
  return { reported: new Set() };
}

/**
 * The intermediate values among `points` (logged since the last call, in logging order). A point counts once the
 * metric was logged at another step after it: the newest point may be the trial's final value, which Optuna gets
 * whole when the run ends, so a script that logs the metric once is never pruned. Each step is reported once.
 */
export function intermediateValues(state: IntermediateState, points: readonly HistoryPoint[]): HistoryPoint[] {
  const ready: HistoryPoint[] = [];
  for (const point of points) {
    const newest = state.newest;
    if (newest && newest.step !== point.step && !state.reported.has(newest.step)) {
      state.reported.add(newest.step);
      ready.push(newest);
    }
    state.newest = point;
  }
  return ready;
}
