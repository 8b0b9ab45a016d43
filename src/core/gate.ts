// The gate's decision table: is a candidate model better than the current one on every condition? Pure, so the
// CLI, CI and the Testing view all decide alike.
import type { MetricDirection } from './metricDirection';

/** One condition: the metric must improve on the current value by at least minDelta (which is never negative). */
export interface GateCondition {
  metric: string;
  direction: MetricDirection;
  minDelta: number;
}

/** A condition's outcome. delta is candidate minus current; improvement is delta signed so that better is positive. */
export interface ConditionResult extends GateCondition {
  candidate: number;
  current: number | null;
  delta: number | null;
  improvement: number | null;
  passed: boolean;
  /** One line for people: why it passed or failed. */
  reason: string;
}

/** The verdict: every condition must pass; with no current version the candidate passes as the first deployment. */
export interface GateDecision {
  passed: boolean;
  firstDeployment: boolean;
  conditions: ConditionResult[];
}

/** Data the gate cannot decide on (a missing or NaN metric): exit code 2, never a silent pass or fail. */
export class GateDataError extends Error {}

/** Metric values of one side, by key; undefined when the side never logged the key. */
export type MetricValues = Record<string, number | undefined>;

function valueOf(values: MetricValues, metric: string, side: string): number {
  const value = values[metric];
  if (value === undefined) throw new GateDataError(`The ${side} has no metric '${metric}'.`);
  if (Number.isNaN(value)) throw new GateDataError(`The ${side}'s '${metric}' is NaN: the gate cannot compare it.`);
  return value;
}

// Float subtraction is inexact (0.3 - 0.2 < 0.1), so "exactly min-delta" is compared with a tolerance relative
// to the values' size: far below any real metric difference, far above rounding error.
function tolerance(...values: number[]): number {
  const scale = Math.max(...values.filter(Number.isFinite).map(Math.abs), 0);
  return scale * 1e-9;
}

function improvementOf(direction: MetricDirection, candidate: number, current: number): number {
  if (candidate === current) return 0; // also Infinity vs Infinity
  return direction === 'higher' ? candidate - current : current - candidate;
}

/** Describes a number signed: +0.01, -2. */
export function signed(value: number): string {
  return `${value > 0 ? '+' : ''}${Number(value.toPrecision(6))}`;
}

function judge(condition: GateCondition, candidate: number, current: number): ConditionResult {
  const improvement = improvementOf(condition.direction, candidate, current);
  const eps = tolerance(candidate, current, condition.minDelta);
  // Better means strictly better: a tie (or the same model) never passes; with a min-delta, reaching it exactly does.
  const passed = condition.minDelta > 0 ? improvement >= condition.minDelta - eps : improvement > eps;
  const needs = condition.minDelta > 0 ? `at least ${signed(condition.minDelta)}` : 'any improvement';
  const way = condition.direction === 'higher' ? 'higher is better' : 'lower is better';
  const reason = `${passed ? 'improves' : Math.abs(improvement) <= eps ? 'ties' : improvement > 0 ? 'improves too little' : 'is worse'} (${way}, needs ${needs})`;
  return { ...condition, candidate, current, delta: candidate - current, improvement, passed, reason };
}

/**
 * Decides the gate. `current` is null when there is no current version (first deployment: the candidate passes,
 * though its metrics must still exist). Throws GateDataError on a missing or NaN metric on either side.
 */
export function decideGate(conditions: readonly GateCondition[], candidate: MetricValues, current: MetricValues | null): GateDecision {
  if (conditions.length === 0) throw new GateDataError('The gate needs at least one --metric.');
  const results = conditions.map((condition): ConditionResult => {
    if (!Number.isFinite(condition.minDelta) || condition.minDelta < 0) {
      throw new GateDataError(`--min-delta must be a number of 0 or more, got ${condition.minDelta} for '${condition.metric}'.`);
    }
    const candidateValue = valueOf(candidate, condition.metric, 'candidate');
    if (current === null) {
      return { ...condition, candidate: candidateValue, current: null, delta: null, improvement: null, passed: true, reason: 'first deployment' };
    }
    return judge(condition, candidateValue, valueOf(current, condition.metric, 'current version'));
  });
  return { passed: results.every((r) => r.passed), firstDeployment: current === null, conditions: results };
}
