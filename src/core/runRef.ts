// How users name a run on the command line: an id prefix, a name, `@last`, or `@best:<metric>[:min|max]`.

/** Whether a smaller or a larger value of a metric is better. */
export type MetricGoal = 'min' | 'max';

/** A parsed run reference. */
export type RunRef = { kind: 'last' } | { kind: 'best'; metric: string; goal: MetricGoal } | { kind: 'text'; text: string };

const LOWER_IS_BETTER = /(loss|err|error|mse|rmse|mae|mape|perplexity|ppl|wer|cer|latency|time|nll)/i;

/** Guesses whether a metric should go down (losses, errors, times) or up (accuracy, scores). */
export function guessGoal(metric: string): MetricGoal {
  return LOWER_IS_BETTER.test(metric) ? 'min' : 'max';
}

/** A run reference that is malformed, or that matches no run or more than one. */
export class RunRefError extends Error {}

/** Parses a run reference; throws RunRefError with a usage hint when it is empty or `@…` is malformed. */
export function parseRunRef(text: string): RunRef {
  const trimmed = text.trim();
  if (trimmed === '') throw new RunRefError('Empty run reference: give a run id (or prefix), a run name, @last or @best:<metric>.');
  if (trimmed === '@last') return { kind: 'last' };
  if (trimmed.startsWith('@best:')) {
    const [metric, goal] = trimmed.slice('@best:'.length).split(/:(?=(?:min|max)$)/);
    if (!metric) throw new RunRefError(`'${trimmed}' names no metric: use @best:<metric> or @best:<metric>:min|max.`);
    return { kind: 'best', metric, goal: goal === 'min' || goal === 'max' ? goal : guessGoal(metric) };
  }
  if (trimmed.startsWith('@')) throw new RunRefError(`Unknown run reference '${trimmed}': use @last or @best:<metric>.`);
  return { kind: 'text', text: trimmed };
}
