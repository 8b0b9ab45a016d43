// Which way a metric is better, guessed from its name, and which metric a table of runs leads with. Short names
// (mae, wer, acc, map) count only as whole words of the key, so `answer_len` is no word error rate and `heatmap`
// no mean average precision; long ones (loss, accuracy) count anywhere, so `valLoss` and `top1accuracy` are known.
import { choosePrimaryMetric } from './runDistinction';

/** Whether smaller or larger values of a metric are better. */
export type MetricDirection = 'lower' | 'higher';

const LOWER_ANYWHERE = ['loss', 'error', 'perplexity'];
const LOWER_WORDS = ['err', 'mae', 'mse', 'rmse', 'wer', 'cer', 'ppl', 'nll'];
const HIGHER_ANYWHERE = ['accuracy', 'precision', 'recall', 'bleu', 'rouge'];
const HIGHER_WORDS = ['acc', 'f1', 'auc', 'map', 'top1', 'top5', 'iou', 'dice', 'r2'];

/** The key's words, lower-cased: split at non-alphanumerics and at camelCase humps (`valLoss` -> val, loss; `mAP` stays). */
function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

function named(key: string, anywhere: readonly string[], whole: readonly string[]): boolean {
  const lower = key.toLowerCase();
  return anywhere.some((word) => lower.includes(word)) || words(key).some((word) => whole.includes(word));
}

/** The direction a metric's name implies, or undefined when the name does not tell. */
export function metricDirection(key: string): MetricDirection | undefined {
  if (named(key, LOWER_ANYWHERE, LOWER_WORDS)) return 'lower';
  if (named(key, HIGHER_ANYWHERE, HIGHER_WORDS)) return 'higher';
  return undefined;
}

/** True when "best first" means largest first. */
export function bestFirstDescending(direction: MetricDirection): boolean {
  return direction === 'higher';
}

/**
 * The metric a table of runs leads with: `setting` (`labbook.runs.primaryMetric`) when the runs logged it, else the
 * one the Runs view would choose (choosePrimaryMetric: validation, then test; loss, then accuracy; never system/*).
 */
export function primaryMetricOf(keys: readonly string[], setting?: string): string | undefined {
  if (setting && keys.includes(setting)) return setting;
  return choosePrimaryMetric(keys);
}
