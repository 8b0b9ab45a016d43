// Pure choices for chart axes and metric grouping: which keys are system metrics, the range of a flat series or a
// single step, and log-axis ticks that fit. Charts in every page use them, so they read the same everywhere.

/** Prefix of the metrics the runner samples itself (CPU, memory, processes). */
export const SYSTEM_METRIC_PREFIX = 'system/';

/** True for a metric the runner sampled (`system/...`), as opposed to one the user's script logged. */
export function isSystemMetric(key: string): boolean {
  return key.startsWith(SYSTEM_METRIC_PREFIX);
}

/** The user's metric keys and the system ones, each in the order given. */
export function partitionMetricKeys(keys: readonly string[]): { user: string[]; system: string[] } {
  return { user: keys.filter((key) => !isSystemMetric(key)), system: keys.filter(isSystemMetric) };
}

/** An axis range. */
export interface AxisRange {
  min: number;
  max: number;
}

// Relative spread below which a series counts as flat (a smoothed constant differs from it in the last bits).
const FLAT = 1e-9;

/**
 * A range for values from `low` to `high` when they are flat (equal within 1e-9 relative): value ± 5% (± 1 around
 * zero), never narrower than the float noise, so the axis reads "31.35 … 34.65" and not "33 / 33". Undefined when
 * the values vary or are not finite.
 */
export function flatRange(low: number, high: number): AxisRange | undefined {
  if (!Number.isFinite(low) || !Number.isFinite(high) || high < low) return undefined;
  const size = Math.max(Math.abs(low), Math.abs(high));
  if (high - low > FLAT * size) return undefined;
  const pad = size === 0 ? 1 : Math.max(size * 0.05, Number.MIN_VALUE);
  return { min: low - pad, max: high + pad };
}

/** A range of whole steps around a single step (ticks then fall on integers); undefined when steps vary. */
export function integerStepRange(low: number, high: number): AxisRange | undefined {
  if (low !== high || !Number.isFinite(low)) return undefined;
  return { min: Math.floor(low) - 1, max: Math.ceil(high) + 1 };
}

/** 10^exponent times a 1-2-5 mantissa, without the float noise of 0.1 * 3. */
function decadeValue(mantissa: number, exponent: number): number {
  return Number((mantissa * 10 ** exponent).toPrecision(12));
}

function within(values: number[], min: number, max: number): number[] {
  return values.filter((v) => v >= min * (1 - 1e-12) && v <= max * (1 + 1e-12));
}

/** A narrow range has one 1-2-5 value at most: the ends label it too, each unless it would crowd a tick. */
function withEnds(ticks: number[], min: number, max: number, fit: number): number[] {
  if (min === max) return [min];
  const room = Math.log10(max / min) / fit;
  const apart = (end: number): boolean => ticks.every((tick) => Math.abs(Math.log10(end / tick)) >= room);
  return [min, ...ticks, max].filter((value, i, all) => all.indexOf(value) === i && (ticks.includes(value) || apart(value)));
}

/**
 * Ticks for a log axis from `min` to `max` with room for `maxTicks` labels: 1-2-5 in each decade when they fit,
 * else powers of ten, else every k-th power of ten (k as small as fits). When fewer than two 1-2-5 values fall
 * inside, the ends as well. Empty when the range is not positive.
 */
export function logTicks(min: number, max: number, maxTicks: number): number[] {
  if (!(min > 0) || !(max >= min) || !Number.isFinite(max)) return [];
  const fit = Math.max(2, Math.floor(maxTicks));
  const first = Math.floor(Math.log10(min));
  const last = Math.ceil(Math.log10(max));
  const exponents = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  const oneTwoFive = within(
    exponents.flatMap((e) => [1, 2, 5].map((m) => decadeValue(m, e))),
    min,
    max,
  );
  if (oneTwoFive.length < 2) return withEnds(oneTwoFive, min, max, fit);
  if (oneTwoFive.length <= fit) return oneTwoFive;
  for (let every = 1; ; every++) {
    const powers = within(
      exponents.filter((e) => e % every === 0).map((e) => decadeValue(1, e)),
      min,
      max,
    );
    if (powers.length <= fit) return powers;
  }
}
