// Data drift between a reference and a current dataset, column by column, with Evidently's default rules
// (evidently.legacy.calculations.stattests.registry._get_default_stattest and the tests it picks). docs/drift.md.
import {
  chiSquareTest,
  distinctSortedValues,
  histogramCounts,
  jensenShannonDistance,
  ksTwoSample,
  mergeSorted,
  populationStd,
  proportionZTest,
  sortNumbers,
  sturgesEdges,
  type SortedMerge,
  type TestOutcome,
} from './driftStats';

/** The drift methods, by Evidently's names. */
export const DRIFT_METHODS = ['ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon'] as const;
/** One drift method. */
export type DriftMethod = (typeof DRIFT_METHODS)[number];

/** Evidently's default threshold of each method: a p-value for tests, a distance for the others. */
export const DEFAULT_THRESHOLDS: Record<DriftMethod, number> = { ks: 0.05, chisquare: 0.05, z: 0.05, wasserstein: 0.1, jensenshannon: 0.1 };
/** Dataset drift when at least this share of the compared columns drifted. */
export const DEFAULT_DRIFT_SHARE = 0.5;
/** A reference with more non-missing values than this is compared by distances instead of tests. */
export const SMALL_REFERENCE_ROWS = 1000;
/** Numeric columns with at most this many distinct values are compared as categories. */
const FEW_VALUES = 5;
/** Numeric columns whose reference has more distinct values than this are binned (Sturges) for Jensen-Shannon. */
const BINNED_ABOVE = 20;

const NUMERIC_ONLY: readonly DriftMethod[] = ['ks', 'wasserstein'];
const CATEGORICAL_ONLY: readonly DriftMethod[] = ['chisquare', 'z'];

/** One column of one dataset as a reader delivers it: finite numbers, or category counts, plus what was dropped. */
export interface ColumnSample {
  /** Finite numbers (unsorted) when every present value was a number. */
  numbers?: Float64Array;
  /** The numbers are already in ascending order (a reader sorted them). */
  sorted?: boolean;
  /** Counts per value when some value was not a number (numbers are counted by their text). */
  counts?: Map<string, number>;
  /** Empty, NA-like, NaN or infinite values, left out of every statistic (as Evidently drops them). */
  missing: number;
  /** Every value was a whole number and none was missing: pandas would read the column as int64. */
  integerDtype: boolean;
  /** Why the column cannot be compared (dates, nested values, too many distinct texts), when it cannot. */
  unusable?: string;
}

/** A dataset: its columns in file order. */
export interface DatasetSample {
  name: string;
  rows: number;
  columns: Map<string, ColumnSample>;
}

/** Per-column settings from labbook.yaml (drift.columns) or the command line. */
export interface ColumnDriftSettings {
  method?: DriftMethod;
  threshold?: number;
}

/** What to compare and how. */
export interface DriftOptions {
  /** Columns to compare (default: every column the two datasets share). */
  columns?: string[];
  /** The target column: numeric with more than 5 distinct values is compared as numbers, else as categories. */
  target?: string;
  /** Dataset drift when the share of drifted columns is at least this. */
  driftShare?: number;
  perColumn?: Record<string, ColumnDriftSettings>;
  /** Columns never compared. */
  ignore?: string[];
}

/** Bars of a histogram for the report: numeric bins (edges) or category labels, each with both datasets' shares. */
export interface DriftHistogram {
  labels: string[];
  edges?: number[];
  reference: number[];
  current: number[];
}

/** The verdict on one column. */
export interface ColumnDrift {
  column: string;
  type: 'numeric' | 'categorical';
  method: DriftMethod;
  /** The drift score: a p-value for ks, chisquare and z; a distance for wasserstein and jensenshannon. */
  score: number;
  /** The test statistic behind a p-value (D, chi², z), when there is one. */
  statistic?: number;
  threshold: number;
  drifted: boolean;
  referenceValues: number;
  currentValues: number;
  referenceMissing: number;
  currentMissing: number;
  distinctValues: number;
  histogram: DriftHistogram;
  /** Plain notes: constant column, missing values, a configured method that was not applicable. */
  notes: string[];
}

/** A column that could not be compared, and why. */
export interface SkippedColumn {
  column: string;
  reason: string;
}

/** The whole comparison. */
export interface DriftReport {
  reference: { name: string; rows: number };
  current: { name: string; rows: number };
  columns: ColumnDrift[];
  skipped: SkippedColumn[];
  driftedColumns: number;
  shareOfDriftedColumns: number;
  driftShare: number;
  datasetDrift: boolean;
}

/** Bad options (unknown column, no shared column): the message says what to change. */
export class DriftInputError extends Error {}

/** Compares `current` with `reference` column by column and decides dataset drift. */
export function computeDrift(reference: DatasetSample, current: DatasetSample, options: DriftOptions = {}): DriftReport {
  const { names, skipped } = columnsToCompare(reference, current, options);
  const columns: ColumnDrift[] = [];
  for (const name of names) {
    const outcome = compareColumn(name, reference.columns.get(name)!, current.columns.get(name)!, options);
    if ('reason' in outcome) skipped.push(outcome);
    else columns.push(outcome);
  }
  const driftShare = options.driftShare ?? DEFAULT_DRIFT_SHARE;
  const driftedColumns = columns.filter((c) => c.drifted).length;
  const share = columns.length === 0 ? 0 : driftedColumns / columns.length;
  return {
    reference: { name: reference.name, rows: reference.rows },
    current: { name: current.name, rows: current.rows },
    columns,
    skipped,
    driftedColumns,
    shareOfDriftedColumns: share,
    driftShare,
    datasetDrift: columns.length > 0 && share >= driftShare,
  };
}

/** The columns to compare (target first, as Evidently lists it) and those left out of one side. */
function columnsToCompare(reference: DatasetSample, current: DatasetSample, options: DriftOptions): { names: string[]; skipped: SkippedColumn[] } {
  const ignored = new Set(options.ignore ?? []);
  const skipped: SkippedColumn[] = [];
  const requested = options.columns ?? [...reference.columns.keys(), ...[...current.columns.keys()].filter((c) => !reference.columns.has(c))];
  const wanted = options.target && !requested.includes(options.target) ? [options.target, ...requested] : requested;
  const names: string[] = [];
  for (const name of wanted) {
    const inReference = reference.columns.has(name);
    const inCurrent = current.columns.has(name);
    if (options.columns?.includes(name) || name === options.target) {
      if (!inReference || !inCurrent) throw new DriftInputError(`column '${name}' is not in ${!inReference ? reference.name : current.name}`);
    }
    if (ignored.has(name)) continue;
    if (!inReference) skipped.push({ column: name, reason: `only in ${current.name}` });
    else if (!inCurrent) skipped.push({ column: name, reason: `only in ${reference.name}` });
    else names.push(name);
  }
  if (names.length === 0 && skipped.length > 0) throw new DriftInputError(`${reference.name} and ${current.name} have no column in common`);
  const target = options.target;
  return { names: target && names.includes(target) ? [target, ...names.filter((n) => n !== target)] : names, skipped };
}

/** Values of one column, both sides in one representation. */
type Pair =
  | {
      type: 'numeric';
      reference: Float64Array;
      current: Float64Array;
      /** The current data reads as int64 (Evidently types the column by the current data's dtype). */
      integerDtype: boolean;
      /** Both read as int64, so their concatenation does (numpy's bin width is then at least 1). */
      bothIntegers: boolean;
    }
  | { type: 'categorical'; reference: Map<string, number>; current: Map<string, number> };

function compareColumn(name: string, reference: ColumnSample, current: ColumnSample, options: DriftOptions): ColumnDrift | SkippedColumn {
  const unusable = reference.unusable ?? current.unusable;
  if (unusable) return { column: name, reason: unusable };
  const pair = pairOf(reference, current);
  const referenceValues = valueCount(pair.reference);
  const currentValues = valueCount(pair.current);
  if (referenceValues === 0) return { column: name, reason: `no values in the reference (all ${reference.missing} missing)` };
  if (currentValues === 0) return { column: name, reason: `no values in the current data (all ${current.missing} missing)` };
  const typed = columnType(name, pair, options.target);
  // One walk over both sorted columns counts the distinct values and measures the Wasserstein distance.
  const merge = typed.type === 'numeric' ? mergeSorted(typed.reference, typed.current) : undefined;
  const distinct = merge ? merge.distinct : new Set([...typed.reference.keys(), ...typed.current.keys()]).size;
  const notes: string[] = [];
  const method = chooseMethod(name, typed, referenceValues, distinct, options.perColumn?.[name]);
  if (typeof method !== 'string') return method;
  const threshold = options.perColumn?.[name]?.threshold ?? DEFAULT_THRESHOLDS[method];
  const outcome = runMethod(method, typed, merge);
  if (distinct === 1) notes.push('constant: one value in both datasets');
  if (reference.missing + current.missing > 0) notes.push(`${reference.missing} missing in reference, ${current.missing} in current: left out`);
  return {
    column: name,
    type: typed.type,
    method,
    score: outcome.pValue ?? outcome.statistic,
    ...(outcome.pValue === undefined ? {} : { statistic: outcome.statistic }),
    threshold,
    drifted: isDrifted(method, outcome, threshold),
    referenceValues,
    currentValues,
    referenceMissing: reference.missing,
    currentMissing: current.missing,
    distinctValues: distinct,
    histogram: histogramOf(typed),
    notes,
  };
}

function valueCount(values: Float64Array | Map<string, number>): number {
  if (values instanceof Float64Array) return values.length;
  let total = 0;
  for (const count of values.values()) total += count;
  return total;
}

/** Numbers on both sides stay numbers (sorted); text on either side makes both categorical. */
function pairOf(reference: ColumnSample, current: ColumnSample): Pair {
  if (reference.numbers && current.numbers) {
    return {
      type: 'numeric',
      reference: ascending(reference),
      current: ascending(current),
      integerDtype: current.integerDtype,
      bothIntegers: reference.integerDtype && current.integerDtype,
    };
  }
  return { type: 'categorical', reference: countsOf(reference), current: countsOf(current) };
}

function ascending(sample: ColumnSample): Float64Array {
  return sample.sorted ? sample.numbers! : sortNumbers(sample.numbers!.slice());
}

function countsOf(sample: ColumnSample): Map<string, number> {
  if (sample.counts) return sample.counts;
  const counts = new Map<string, number>();
  for (const v of sample.numbers ?? []) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
  return counts;
}

/**
 * Evidently's column type: an integer column (int64 in pandas) with at most 5 distinct reference values is
 * categorical; the target is numeric only when it is numbers with more than 5 distinct values in both datasets together.
 */
function columnType(name: string, pair: Pair, target: string | undefined): Pair {
  if (pair.type === 'categorical') return pair;
  const asCategories = (): Pair => ({ type: 'categorical', reference: numberCounts(pair.reference), current: numberCounts(pair.current) });
  if (name === target) return mergeSorted(pair.reference, pair.current).distinct > FEW_VALUES ? pair : asCategories();
  if (pair.integerDtype && distinctSortedValues(pair.reference) <= FEW_VALUES) return asCategories();
  return pair;
}

function numberCounts(values: Float64Array): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
  return counts;
}

/** Evidently's default test for the column, or the configured one when it applies to the column's type. */
function chooseMethod(
  name: string,
  pair: Pair,
  referenceValues: number,
  distinct: number,
  settings: ColumnDriftSettings | undefined,
): DriftMethod | SkippedColumn {
  const configured = settings?.method;
  if (configured) {
    const wrongType = pair.type === 'numeric' ? CATEGORICAL_ONLY.includes(configured) : NUMERIC_ONLY.includes(configured);
    if (!wrongType) return configured;
    return { column: name, reason: `method ${configured} does not apply to a ${pair.type} column` };
  }
  const fewValues = distinct <= FEW_VALUES;
  if (referenceValues <= SMALL_REFERENCE_ROWS) {
    if (pair.type === 'numeric' && !fewValues) return 'ks';
    return distinct > 2 ? 'chisquare' : 'z';
  }
  if (pair.type === 'numeric' && !fewValues) return 'wasserstein';
  return 'jensenshannon';
}

/** KS's p-value drifts at <= threshold, chi-square's and Z's at < threshold, distances at >= threshold (as in Evidently). */
function isDrifted(method: DriftMethod, outcome: TestOutcome, threshold: number): boolean {
  if (method === 'ks') return outcome.pValue! <= threshold;
  if (method === 'chisquare' || method === 'z') return outcome.pValue! < threshold;
  return outcome.statistic >= threshold;
}

/** Runs `method`; `merge` is the numeric pair's walk (mergeSorted), when the caller has it. */
function runMethod(method: DriftMethod, pair: Pair, merge?: SortedMerge): TestOutcome {
  if (pair.type === 'numeric') {
    if (method === 'ks') return ksTwoSample(pair.reference, pair.current);
    if (method === 'wasserstein') {
      const distance = (merge ?? mergeSorted(pair.reference, pair.current)).wasserstein;
      return { statistic: distance / Math.max(populationStd(pair.reference), 0.001) };
    }
    if (method === 'jensenshannon') return { statistic: numericJensenShannon(pair.reference, pair.current, pair.bothIntegers) };
    return runMethod(method, { type: 'categorical', reference: numberCounts(pair.reference), current: numberCounts(pair.current) });
  }
  const keys = [...new Set([...pair.reference.keys(), ...pair.current.keys()])];
  const ref = keys.map((k) => pair.reference.get(k) ?? 0);
  const cur = keys.map((k) => pair.current.get(k) ?? 0);
  if (method === 'jensenshannon') return { statistic: jensenShannonDistance(ref, cur) };
  if (method === 'chisquare') {
    const scale = sum(cur) / sum(ref);
    return chiSquareTest(
      cur,
      ref.map((r) => r * scale),
    );
  }
  return zTest(keys, ref, cur);
}

function sum(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0);
}

/** Evidently's Z-test: the first value in sorted order against all others; one shared constant is p = 1. */
function zTest(keys: string[], ref: number[], cur: number[]): TestOutcome {
  const refKinds = ref.filter((c) => c > 0).length;
  const curKinds = cur.filter((c) => c > 0).length;
  if (keys.length === 1 && refKinds === 1 && curKinds === 1) return { statistic: 0, pValue: 1 };
  const first = keys.indexOf(sortKeys(keys)[0]);
  const refTotal = sum(ref);
  const curTotal = sum(cur);
  return proportionZTest(refTotal - ref[first], refTotal, curTotal - cur[first], curTotal);
}

/** Numbers sort as numbers, anything else as text. */
function sortKeys(keys: string[]): string[] {
  const numeric = keys.every((k) => k !== '' && !Number.isNaN(Number(k)));
  return [...keys].sort(numeric ? (a, b) => Number(a) - Number(b) : undefined);
}

/** Jensen-Shannon on numbers: Sturges bins over both datasets when the reference has more than 20 distinct values, else per value. */
function numericJensenShannon(reference: Float64Array, current: Float64Array, integers: boolean): number {
  if (distinctSortedValues(reference) <= BINNED_ABOVE) {
    return runMethod('jensenshannon', { type: 'categorical', reference: numberCounts(reference), current: numberCounts(current) }).statistic;
  }
  const min = Math.min(reference[0], current[0]);
  const max = Math.max(reference[reference.length - 1], current[current.length - 1]);
  const edges = sturgesEdges(min, max, reference.length + current.length, integers);
  return jensenShannonDistance(histogramCounts(reference, edges), histogramCounts(current, edges));
}

const REPORT_BINS = 20;
const REPORT_CATEGORIES = 20;

/** Shares per bin (numbers: 20 equal bins over both datasets) or per category (the 20 most frequent) for the report. */
function histogramOf(pair: Pair): DriftHistogram {
  if (pair.type === 'numeric') {
    const min = Math.min(pair.reference[0], pair.current[0]);
    const max = Math.max(pair.reference[pair.reference.length - 1], pair.current[pair.current.length - 1]);
    const edges = Array.from({ length: REPORT_BINS + 1 }, (_, k) => (k === REPORT_BINS ? max : min + ((max - min) * k) / REPORT_BINS));
    const asShares = (values: Float64Array): number[] => histogramCounts(values, Float64Array.from(edges)).map((c) => c / values.length);
    return { labels: edges.slice(0, -1).map((e) => formatNumber(e)), edges, reference: asShares(pair.reference), current: asShares(pair.current) };
  }
  const refTotal = valueCount(pair.reference);
  const curTotal = valueCount(pair.current);
  const keys = [...new Set([...pair.reference.keys(), ...pair.current.keys()])]
    .sort((a, b) => (pair.reference.get(b) ?? 0) + (pair.current.get(b) ?? 0) - (pair.reference.get(a) ?? 0) - (pair.current.get(a) ?? 0))
    .slice(0, REPORT_CATEGORIES);
  return {
    labels: keys,
    reference: keys.map((k) => (pair.reference.get(k) ?? 0) / refTotal),
    current: keys.map((k) => (pair.current.get(k) ?? 0) / curTotal),
  };
}

/** A number in at most 4 significant digits for labels. */
export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}
