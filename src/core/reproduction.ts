// Whether a rerun reproduced its original: the pair of runs a comparison holds, and a per-metric verdict on the
// last values within a tolerance. Pure, so the CLI and the Compare panel say the same thing.
import { formatMetric } from './format';

/** The tag a rerun made by `labbook run --reproduces` (or inside a `labbook checkout`) carries: the original's id. */
export const REPRODUCES_TAG = 'labbook.reproduces';

/** How close two last values must be to count as the same: within `relative` of the larger, or within `absolute`. */
export interface Tolerance {
  relative: number;
  absolute: number;
}

/** Tight enough that only float noise passes, loose enough for a different BLAS summation order. */
export const DEFAULT_TOLERANCE: Tolerance = { relative: 1e-6, absolute: 1e-9 };

/** What the pair needs of a run: its id and tags. */
export interface TaggedRun {
  id: string;
  tags: Record<string, string>;
}

/** One metric's last value in both runs; undefined where a run did not log it. */
export interface MetricMatch {
  key: string;
  original: number | undefined;
  reproduction: number | undefined;
  matches: boolean;
}

/** The verdict over all metrics of the pair. */
export interface ReproductionVerdict {
  reproduced: boolean;
  metrics: MetricMatch[];
  /** `reproduced: all N metrics match` or `differs: loss 0.31 vs 0.35; …`. */
  summary: string;
}

/** The original and its rerun among the given runs, when one of them reproduces another. */
export function reproductionPair<T extends TaggedRun>(runs: readonly T[]): { original: T; reproduction: T } | undefined {
  for (const reproduction of runs) {
    const original = runs.find((run) => run.id === reproduction.tags[REPRODUCES_TAG] && run !== reproduction);
    if (original) return { original, reproduction };
  }
  return undefined;
}

/** Whether two values are the same within the tolerance (NaN matches NaN; an infinity only itself). */
export function valuesMatch(a: number, b: number, tolerance: Tolerance): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  const gap = Math.abs(a - b);
  return gap <= tolerance.absolute || gap <= tolerance.relative * Math.max(Math.abs(a), Math.abs(b));
}

// System metrics (CPU, memory) measure the machine, not the result; they never reproduce and do not count.
const isResultMetric = (key: string): boolean => !key.startsWith('system/');

function describeMismatch(metric: MetricMatch): string {
  if (metric.original === undefined) return `${metric.key} missing in the original`;
  if (metric.reproduction === undefined) return `${metric.key} missing in the rerun`;
  return `${metric.key} ${formatMetric(metric.original)} vs ${formatMetric(metric.reproduction)}`;
}

/** Compares the last values of the original's and the rerun's metrics (by key) within the tolerance. */
export function reproductionVerdict(
  original: Record<string, number>,
  reproduction: Record<string, number>,
  tolerance: Tolerance = DEFAULT_TOLERANCE,
): ReproductionVerdict {
  const keys = [...new Set([...Object.keys(original), ...Object.keys(reproduction)])].filter(isResultMetric).sort();
  const metrics = keys.map((key): MetricMatch => {
    const [a, b] = [original[key], reproduction[key]];
    return { key, original: a, reproduction: b, matches: a !== undefined && b !== undefined && valuesMatch(a, b, tolerance) };
  });
  if (metrics.length === 0) return { reproduced: false, metrics, summary: 'no metrics to compare' };
  // Values that differ come first: they are what a reader looks for; keys one run lacks follow.
  const mismatches = metrics.filter((m) => !m.matches).sort((x, y) => missingRank(x) - missingRank(y));
  if (mismatches.length === 0) return { reproduced: true, metrics, summary: `reproduced: all ${metrics.length} metrics match` };
  return { reproduced: false, metrics, summary: `differs: ${mismatches.map(describeMismatch).join('; ')}` };
}

function missingRank(metric: MetricMatch): number {
  if (metric.original === undefined) return 1;
  return metric.reproduction === undefined ? 2 : 0;
}

const TOLERANCE_USAGE = '--tolerance takes RELATIVE or RELATIVE,ABSOLUTE (non-negative numbers, e.g. 1e-6 or 1e-6,1e-9)';

/** Parses `--tolerance REL[,ABS]`; absent means the default. Throws with the usage on anything else. */
export function parseTolerance(text: string | undefined): Tolerance {
  if (text === undefined) return DEFAULT_TOLERANCE;
  const parts = text.split(',').map((part) => (part.trim() === '' ? Number.NaN : Number(part)));
  if (parts.length > 2 || parts.some((n) => !Number.isFinite(n) || n < 0)) throw new Error(`${TOLERANCE_USAGE}, got '${text}'.`);
  return { relative: parts[0], absolute: parts[1] ?? DEFAULT_TOLERANCE.absolute };
}
