// The sorting and binning behind drift: numeric radix sort and binary-searched histograms, against the plain ways.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { distinctSortedValues, histogramCounts, mergeSorted, sortNumbers, sturgesEdges } from '../../src/core/driftStats';

/** A deterministic mix of magnitudes and signs, with ties, zeros of both signs, subnormals and extremes. */
function awkwardNumbers(count: number): Float64Array {
  let state = 7;
  const next = (): number => (state = (state * 16807) % 2147483647) / 2147483647;
  const special = [0, -0, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, 1, -1, 2 ** 53, 0.1];
  return Float64Array.from({ length: count }, (_, i) => {
    if (i % 17 === 0) return special[i % special.length];
    const magnitude = 10 ** Math.floor(next() * 40 - 20);
    return (next() - 0.4) * magnitude * (i % 5 === 0 ? 1 : Math.round(next() * 1e4) / 1e4);
  });
}

/** The native numeric sort, -0 before +0, as the reference. */
const nativeSorted = (values: Float64Array): Float64Array => values.slice().sort();

describe('sortNumbers', () => {
  it('orders finite numbers exactly as Float64Array.prototype.sort does, -0 before +0, in place', () => {
    for (const count of [0, 1, 2, 3, 100, 100_003]) {
      const values = awkwardNumbers(count);
      const expected = nativeSorted(values);
      const sorted = sortNumbers(values);
      assert.equal(sorted, values, 'sorted in place');
      assert.ok(
        expected.every((v, i) => Object.is(v, sorted[i])),
        `${count} values`,
      );
    }
  });

  it('sorts a view into a larger buffer without touching the rest, and constant or already sorted input', () => {
    const buffer = Float64Array.from([9, 3, 1, 2, 9]);
    sortNumbers(buffer.subarray(1, 4));
    assert.deepEqual([...buffer], [9, 1, 2, 3, 9]);
    assert.deepEqual([...sortNumbers(new Float64Array(1000).fill(4.5))], new Array(1000).fill(4.5));
    const ascending = Float64Array.from({ length: 5000 }, (_, i) => i - 2500);
    assert.deepEqual([...sortNumbers(ascending.slice())], [...ascending]);
    const scratch = new Float64Array(6000);
    const [first, second] = [awkwardNumbers(6000), awkwardNumbers(4001).reverse()];
    const expected = [nativeSorted(first), nativeSorted(second)];
    assert.deepEqual([sortNumbers(first, scratch), sortNumbers(second, scratch)], expected, 'one scratch array shared by two sorts');
  });
});

/** numpy.histogram's counting, value by value, as the reference. */
function histogramByScan(sorted: Float64Array, edges: Float64Array): number[] {
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (const v of sorted) {
    if (v < edges[0] || v > edges[edges.length - 1]) continue;
    let bin = 0;
    while (bin < counts.length - 1 && v >= edges[bin + 1]) bin++;
    counts[bin]++;
  }
  return counts;
}

describe('histogramCounts', () => {
  it('counts sorted values per [e_k, e_k+1) bin, the last closed, values outside left out, as a scan does', () => {
    const values = sortNumbers(Float64Array.from({ length: 2000 }, (_, i) => Math.round(Math.sin(i) * 50) / 10));
    const cases = [
      sturgesEdges(-5, 5, values.length, false),
      sturgesEdges(-2, 3, values.length, true),
      Float64Array.from([-1, 0, 0, 1]),
      Float64Array.from([2, 2]),
      Float64Array.from([10, 20]),
    ];
    for (const edges of cases) assert.deepEqual(histogramCounts(values, edges), histogramByScan(values, edges), `edges ${[...edges].join(' ')}`);
  });
});

describe('mergeSorted', () => {
  /** scipy's wasserstein_distance the plain way: |U - V| between the empirical CDFs over the concatenation's steps. */
  function plainWasserstein(a: Float64Array, b: Float64Array): number {
    const all = nativeSorted(Float64Array.from([...a, ...b]));
    const cdf = (sorted: Float64Array, value: number): number => sorted.filter((v) => v <= value).length / sorted.length;
    let distance = 0;
    for (let k = 0; k < all.length - 1; k++) distance += Math.abs(cdf(a, all[k]) - cdf(b, all[k])) * (all[k + 1] - all[k]);
    return distance;
  }

  it('counts the distinct values of both sorted samples (-0 and +0 alike) and gives the Wasserstein distance in the same walk', () => {
    const tied = (count: number, shift: number): Float64Array =>
      nativeSorted(Float64Array.from({ length: count }, (_, i) => (i % 3 === 0 ? -0 : Math.round(((i * 7919) % 97) / 4) + shift)));
    for (const [a, b] of [
      [tied(500, 0), tied(300, 2.5)],
      [tied(1, 0), tied(400, 1)],
      [Float64Array.from([0]), Float64Array.from([-0])],
    ]) {
      const merge = mergeSorted(a, b);
      assert.equal(merge.distinct, new Set([...a, ...b]).size);
      assert.equal(merge.distinct, distinctSortedValues(nativeSorted(Float64Array.from([...a, ...b]))));
      assert.ok(Math.abs(merge.wasserstein - plainWasserstein(a, b)) <= 1e-12 * Math.max(1, plainWasserstein(a, b)), `${merge.wasserstein}`);
    }
    assert.equal(mergeSorted(tied(50, 0), new Float64Array(0)).distinct, new Set(tied(50, 0)).size);
  });
});
