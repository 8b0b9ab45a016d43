// The statistics behind drift detection, computed as scipy computes them (ks_2samp, chisquare, wasserstein_distance,
// spatial.distance.jensenshannon, norm for the proportion Z-test) and as Evidently calls them.
import { chiSquareSf, kolmogorovSf, normalCdf } from './specialFunctions';

/** A test's statistic and, for hypothesis tests, its p-value. */
export interface TestOutcome {
  statistic: number;
  pValue?: number;
}

/** Number of values in a sorted array that are <= `value`, from `from` on (a galloping walk would not pay here). */
function countAtMost(sorted: Float64Array, value: number, from: number): number {
  let i = from;
  while (i < sorted.length && sorted[i] <= value) i++;
  return i;
}

/** Distinct values of a sorted array. */
export function distinctSortedValues(values: Float64Array): number {
  let distinct = 0;
  let last = NaN;
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== last) distinct++;
    last = values[i];
  }
  return distinct;
}

/** What one walk over two sorted samples together gives. */
export interface SortedMerge {
  /** Distinct values over both (pandas nunique of the concatenation). */
  distinct: number;
  /** The first Wasserstein distance (scipy.stats.wasserstein_distance, unweighted); NaN when a sample is empty. */
  wasserstein: number;
}

/**
 * Walks two sorted samples together once, each step taking one distinct value with all its copies: the step count is
 * the distinct count, and the steps' areas sum to the Wasserstein distance (Neumaier's compensated sum, in locals:
 * this loop runs once per value of a million-row column).
 */
export function mergeSorted(a: Float64Array, b: Float64Array): SortedMerge {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let distinct = 0;
  let sum = 0;
  let compensation = 0;
  let previous = n1 === 0 ? b[0] : n2 === 0 ? a[0] : Math.min(a[0], b[0]);
  while (i < n1 || j < n2) {
    const x = i < n1 ? a[i] : Infinity;
    const y = j < n2 ? b[j] : Infinity;
    const value = x <= y ? x : y;
    const area = Math.abs(i / n1 - j / n2) * (value - previous);
    const total = sum + area;
    compensation += neumaierCompensation(sum, area, total);
    sum = total;
    // Sorted, so a value at or below `value` equals it (-0 and +0 alike).
    if (i < n1 && x <= value) i = countAtMost(a, value, i + 1);
    if (j < n2 && y <= value) j = countAtMost(b, value, j + 1);
    previous = value;
    distinct++;
  }
  return { distinct, wasserstein: sum + compensation };
}

/** Neumaier's compensated step: `sum` plus `value`, with the rounding error added to `compensation`. */
function neumaierCompensation(sum: number, value: number, total: number): number {
  return Math.abs(sum) >= Math.abs(value) ? sum - total + value : value - total + sum;
}

/**
 * The values' sum, or (`squares`) the sum of their squared distances from `centre`, with Neumaier's compensation: long
 * sums over a million terms stay exact to rounding. Plain locals, not an accumulator object, keep the loop tight.
 */
function compensatedSum(values: Float64Array, centre: number, squares: boolean): number {
  let sum = 0;
  let compensation = 0;
  for (let k = 0; k < values.length; k++) {
    const distance = values[k] - centre;
    const term = squares ? distance * distance : distance;
    const total = sum + term;
    compensation += neumaierCompensation(sum, term, total);
    sum = total;
  }
  return sum + compensation;
}

/** Mean of the values. */
export function mean(values: Float64Array): number {
  return compensatedSum(values, 0, false) / values.length;
}

/** Population standard deviation (numpy's np.std, ddof = 0). */
export function populationStd(values: Float64Array): number {
  return Math.sqrt(compensatedSum(values, mean(values), true) / values.length);
}

/**
 * Two-sample Kolmogorov-Smirnov test, two-sided, on sorted samples: exact p-value when neither sample has more
 * than 10,000 values, else the one-sample Kolmogorov distribution at n = round(mn/(m+n)) (scipy's method='auto').
 */
export function ksTwoSample(a: Float64Array, b: Float64Array): TestOutcome {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let maxDiff = 0;
  let minDiff = 0;
  while (i < n1 || j < n2) {
    const value = j >= n2 || (i < n1 && a[i] <= b[j]) ? a[i] : b[j];
    i = countAtMost(a, value, i);
    j = countAtMost(b, value, j);
    const diff = i / n1 - j / n2;
    if (diff > maxDiff) maxDiff = diff;
    if (diff < minDiff) minDiff = diff;
  }
  const minS = Math.min(1, Math.max(0, -minDiff));
  const d = minS > maxDiff ? minS : maxDiff;
  if (Math.max(n1, n2) <= 10_000) {
    const exact = exactKsTwoSided(n1, n2, d);
    if (exact) return exact;
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  return { statistic: d, pValue: kolmogorovSf(roundHalfEven(en), d) };
}

/** The exact two-sided p-value (Hodges' lattice paths), or undefined when it cannot be computed in doubles. */
function exactKsTwoSided(n1: number, n2: number, d: number): TestOutcome | undefined {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const statistic = h / lcm;
  if (h === 0) return { statistic, pValue: 1 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideBand(n1, n2, g, h);
  return p >= 0 && p <= 1 ? { statistic, pValue: p } : undefined;
}

/** Pr(D(n,n) >= h/n) as a Horner-like alternating sum of binomial ratios, which avoids cancellation. */
function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let term = 1;
    for (let j = 0; j < h; j++) term = ((n - k * h - j) * term) / (n + k * h + j + 1);
    p = term * (1 - p);
  }
  return 2 * p;
}

/**
 * Share of lattice paths from (0,0) to (m,n) that leave the band |x/m - y/n| < h/lcm(m,n), computed directly as
 * 1 - p column by column (Viehmann 2021), keeping only the window of the band.
 */
function probOutsideBand(m0: number, n0: number, g: number, h: number): number {
  const [m, n] = m0 >= n0 ? [m0, n0] : [n0, m0];
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const A = new Float64Array(Math.min(2 * maxj + 2, n + 1)).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj] * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, curlen, curlen + (lastlen - curlen));
  }
  return A[maxj - minj - 1];
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** numpy's round: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Pearson's chi-square test of observed against expected frequencies (scipy.stats.chisquare, ddof 0). */
export function chiSquareTest(observed: readonly number[], expected: readonly number[]): TestOutcome {
  if (observed.length < 2) return { statistic: 0, pValue: 1 };
  let statistic = 0;
  for (let k = 0; k < observed.length; k++) {
    const diff = observed[k] - expected[k];
    statistic += expected[k] === 0 ? (diff === 0 ? 0 : Infinity) : (diff * diff) / expected[k];
  }
  return { statistic, pValue: chiSquareSf(statistic, observed.length - 1) };
}

/**
 * Two-proportion Z-test, two-sided: `x1` of `n1` against `x2` of `n2`. The p-value is 2(1 - Φ(|z|)) as Evidently
 * writes it (so it rounds to 0 past |z| ≈ 8.3 exactly as there).
 */
export function proportionZTest(x1: number, n1: number, x2: number, n2: number): TestOutcome {
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
  const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return { statistic: z, pValue: 2 * (1 - normalCdf(Math.abs(z))) };
}

/** Jensen-Shannon distance (natural log) between two frequency vectors, each normalised to sum to 1. */
export function jensenShannonDistance(p: readonly number[], q: readonly number[]): number {
  const pTotal = p.reduce((s, v) => s + v, 0);
  const qTotal = q.reduce((s, v) => s + v, 0);
  let left = 0;
  let right = 0;
  for (let k = 0; k < p.length; k++) {
    const pk = p[k] / pTotal;
    const qk = q[k] / qTotal;
    const m = (pk + qk) / 2;
    left += relativeEntropy(pk, m);
    right += relativeEntropy(qk, m);
  }
  return Math.sqrt((left + right) / 2);
}

function relativeEntropy(x: number, y: number): number {
  if (x === 0) return 0;
  return x * Math.log(x / y);
}

/**
 * numpy's histogram_bin_edges(values, bins='sturges') for values spanning [min, max]: width range/(log2 n + 1)
 * (at least 1 for integer data), ceil(range/width) equal bins, edges from linspace.
 */
export function sturgesEdges(min: number, max: number, count: number, integers: boolean): Float64Array {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  let width = (max - min) / (Math.log2(count) + 1);
  if (integers && width < 1) width = 1;
  const bins = width > 0 ? Math.ceil((last - first) / width) : 1;
  const edges = new Float64Array(bins + 1);
  const step = (last - first) / bins;
  for (let k = 0; k < bins; k++) edges[k] = k * step + first;
  edges[bins] = last;
  return edges;
}

/** Counts of sorted values per bin of `edges`: [e_k, e_k+1), the last bin closed (numpy.histogram); a binary search per edge. */
export function histogramCounts(sorted: Float64Array, edges: Float64Array): number[] {
  const bins = edges.length - 1;
  const counts = new Array<number>(bins);
  let start = firstIndexWhere(sorted, (v) => v >= edges[0]);
  for (let k = 0; k < bins; k++) {
    const end = k === bins - 1 ? firstIndexWhere(sorted, (v) => v > edges[bins]) : firstIndexWhere(sorted, (v) => v >= edges[k + 1]);
    counts[k] = end - start;
    start = end;
  }
  return counts;
}

/** The first index of a sorted array whose value passes `test` (which, once true, stays true), or its length. */
function firstIndexWhere(sorted: Float64Array, test: (value: number) => boolean): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (test(sorted[middle])) high = middle;
    else low = middle + 1;
  }
  return low;
}

const DIGIT_BITS = 11;
const RADIX = 1 << DIGIT_BITS;
const DIGIT_MASK = RADIX - 1;
/** 6 digits of 11 bits cover a double's 64. */
const PASSES = 6;

/**
 * Sorts finite numbers in place, ascending with -0 before +0 (Float64Array.prototype.sort's order) and returns
 * them: a least-significant-digit radix sort on the IEEE bits, about twice as fast as the native sort on a million
 * values. A digit that is the same in every value (the sign and exponent, often) costs no pass. `scratch`, at least
 * as long as `values`, can be shared by several sorts.
 */
export function sortNumbers(values: Float64Array, scratch = new Float64Array(values.length)): Float64Array {
  const n = values.length;
  if (n < 2) return values;
  const counts = new Uint32Array(PASSES * RADIX);
  const bits = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  for (let i = 0; i < n; i++) countDigits(counts, bits, i);
  let source: Float64Array = values;
  let target: Float64Array = scratch.subarray(0, n);
  for (let pass = 0; pass < PASSES; pass++) {
    if (!toOffsets(counts, pass * RADIX, n)) continue;
    const sourceBits = new Uint32Array(source.buffer, source.byteOffset, 2 * n);
    for (let i = 0; i < n; i++) target[counts[pass * RADIX + sortDigit(sourceBits, i, pass)]++] = source[i];
    [source, target] = [target, source];
  }
  if (source !== values) values.set(source);
  return values;
}

/** Counts all six digits of value `i` in one read (the per-digit form of sortDigit, unrolled). */
function countDigits(counts: Uint32Array, bits: Uint32Array, i: number): void {
  const high = bits[2 * i + 1];
  const negative = high >> 31;
  const low = bits[2 * i] ^ negative;
  const keyHigh = high ^ (negative | 0x80000000);
  counts[low & DIGIT_MASK]++;
  counts[RADIX + ((low >>> 11) & DIGIT_MASK)]++;
  counts[2 * RADIX + (((low >>> 22) | (keyHigh << 10)) & DIGIT_MASK)]++;
  counts[3 * RADIX + ((keyHigh >>> 1) & DIGIT_MASK)]++;
  counts[4 * RADIX + ((keyHigh >>> 12) & DIGIT_MASK)]++;
  counts[5 * RADIX + (keyHigh >>> 23)]++;
}

/**
 * Digit `pass` of value `i` read as an unsigned key that orders like the number: negatives have every bit flipped,
 * positives only the sign bit. `bits` holds each double as two little-endian 32-bit words.
 */
function sortDigit(bits: Uint32Array, i: number, pass: number): number {
  const high = bits[2 * i + 1];
  const negative = high >> 31;
  const low = bits[2 * i] ^ negative;
  const keyHigh = high ^ (negative | 0x80000000);
  const shift = pass * DIGIT_BITS;
  if (shift + DIGIT_BITS <= 32) return (low >>> shift) & DIGIT_MASK;
  if (shift >= 32) return (keyHigh >>> (shift - 32)) & DIGIT_MASK;
  return ((low >>> shift) | (keyHigh << (32 - shift))) & DIGIT_MASK;
}

/** Turns one digit's counts into start offsets; false when every value has the same digit (nothing to move). */
function toOffsets(counts: Uint32Array, base: number, n: number): boolean {
  let total = 0;
  for (let digit = 0; digit < RADIX; digit++) {
    const count = counts[base + digit];
    if (count === n) return false;
    counts[base + digit] = total;
    total += count;
  }
  return true;
}
