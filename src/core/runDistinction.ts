// What tells the runs of an experiment apart in a list: the params that differ among them and the metric that
// summarises them. Names like train-1..train-11 say nothing; `lr=0.1 bs=64 · val_loss 0.23` does.

import { truncate } from './format';

/** The MLflow tag MLflow's UI keeps a run's note in; Labbook uses it too so notes round-trip through the API. */
export const NOTE_TAG = 'mlflow.note.content';

/** Most params a run row names. */
export const MAX_DISTINGUISHING_PARAMS = 4;
const MAX_SUMMARY = 48;
const MAX_VALUE = 14;

function groupCount(runs: readonly { params: Readonly<Record<string, string>> }[], keys: readonly string[]): number {
  // JSON of the value tuple; a missing param is null, a value of its own.
  return new Set(runs.map((run) => JSON.stringify(keys.map((key) => run.params[key] ?? null)))).size;
}

/**
 * The params that tell the runs apart, in key order: greedily the key that splits the runs into the most groups
 * (ties to the first key by name), until no key splits them further or `max` keys are chosen. Keys whose value is
 * the same in every run are never chosen.
 */
export function distinguishingParams(runs: readonly { params: Readonly<Record<string, string>> }[], max = MAX_DISTINGUISHING_PARAMS): string[] {
  const candidates = [...new Set(runs.flatMap((run) => Object.keys(run.params)))].sort();
  const chosen: string[] = [];
  let groups = 1;
  while (chosen.length < max) {
    let best: { key: string; groups: number } | undefined;
    for (const key of candidates) {
      if (chosen.includes(key)) continue;
      const count = groupCount(runs, [...chosen, key]);
      if (count > (best?.groups ?? groups)) best = { key, groups: count };
    }
    if (!best) break;
    chosen.push(best.key);
    groups = best.groups;
  }
  return chosen.sort();
}

/** `lr=0.1 bs=64` for the given keys a run has, each value and the whole bounded in length. */
export function paramSummary(params: Readonly<Record<string, string>>, keys: readonly string[]): string {
  const pairs = keys.filter((key) => params[key] !== undefined).map((key) => `${truncate(key, MAX_VALUE)}=${truncate(params[key], MAX_VALUE)}`);
  return truncate(pairs.join(' '), MAX_SUMMARY);
}

const SPLITS = [/^(val|valid|validation)[_/.-]/i, /^(test|eval)[_/.-]/i];
const KINDS = [/loss/i, /acc/i];

function rank(key: string, patterns: readonly RegExp[]): number {
  const index = patterns.findIndex((pattern) => pattern.test(key));
  return index === -1 ? patterns.length : index;
}

/**
 * The metric to summarise runs by when none was chosen: a validation metric before a test metric before the
 * rest, and within those loss before accuracy before others (then by name). system/* metrics (memory, CPU the
 * runner samples) say nothing about the model and are never chosen.
 */
export function choosePrimaryMetric(keys: Iterable<string>): string | undefined {
  const candidates = [...new Set(keys)].filter((key) => !key.startsWith('system/'));
  candidates.sort((a, b) => rank(a, SPLITS) - rank(b, SPLITS) || rank(a, KINDS) - rank(b, KINDS) || a.localeCompare(b));
  return candidates[0];
}
