import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { downsampleMinMax, minMaxIndices, sampleColumns, smoothEma, textSparkline, xOrder } from '../../src/core/series';
import type { HistoryPoint } from '../../src/core/types';

function series(values: number[], start = 0): HistoryPoint[] {
  return values.map((value, i) => ({ step: start + i, timestamp: 10_000 + 10 * i, value }));
}

/** Deterministic pseudo-random values (a linear congruential generator), so failures reproduce. */
function randomValues(n: number, seed = 1): number[] {
  let state = seed;
  return Array.from({ length: n }, () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  });
}

function steps(points: HistoryPoint[]): number[] {
  return points.map((p) => p.step);
}

/** A bucket's picks by definition: the first NaN of an all-NaN bucket, else its first min and first max in order. */
function naiveExtremes(values: number[]): number[] {
  const kept = values.map((value, i) => ({ value, i })).filter((p) => !Number.isNaN(p.value));
  if (kept.length === 0) return [0];
  const min = kept.reduce((a, b) => (b.value < a.value ? b : a));
  const max = kept.reduce((a, b) => (b.value > a.value ? b : a));
  return [...new Set([min.i, max.i].sort((a, b) => a - b))];
}

function assertIncreasingSteps(points: HistoryPoint[]): void {
  for (let i = 1; i < points.length; i++) assert.ok(points[i].step > points[i - 1].step, `steps not increasing at ${i}`);
}

describe('downsampleMinMax', () => {
  test('keeps every bucket minimum and maximum, the first and the last point, in order', () => {
    // 100 points, 10 buckets of 10 steps (the last bucket also holds step 99's right edge).
    const values = Array.from({ length: 100 }, (_, i) => (i % 10) / 10);
    values[13] = 5; // a spike inside bucket 1
    values[57] = -5; // a dip inside bucket 5
    const points = series(values);
    const out = downsampleMinMax(points, 10);
    assertIncreasingSteps(out);
    assert.ok(out.length <= 2 * 10 + 2, `${out.length} points`);
    assert.equal(out[0], points[0]);
    assert.equal(out[out.length - 1], points[99]);
    assert.ok(out.includes(points[13]) && out.includes(points[57]));
    for (let b = 0; b < 10; b++) {
      const bucket = points.slice(b * 10, b * 10 + 10);
      const min = Math.min(...bucket.map((p) => p.value));
      const max = Math.max(...bucket.map((p) => p.value));
      const kept = out.filter((p) => p.step >= b * 10 && p.step < b * 10 + 10).map((p) => p.value);
      assert.ok(kept.includes(min) && kept.includes(max), `bucket ${b}: ${kept}`);
    }
  });

  test('extremes are never dropped and the size stays within 2 * buckets + 2', () => {
    const points = series(randomValues(10_000, 7));
    for (const buckets of [1, 3, 7, 100, 999]) {
      const out = downsampleMinMax(points, buckets);
      assert.ok(out.length <= 2 * buckets + 2, `${buckets} buckets gave ${out.length} points`);
      assertIncreasingSteps(out);
      const values = points.map((p) => p.value);
      const keptValues = out.map((p) => p.value);
      assert.ok(keptValues.includes(Math.max(...values)) && keptValues.includes(Math.min(...values)));
    }
  });

  test('returns the input points themselves, all of them when they already fit', () => {
    const points = series([3, 1, 2]);
    const out = downsampleMinMax(points, 2);
    assert.deepEqual(out, points);
    assert.equal(out[1], points[1]);
  });

  test('empty and single-point inputs', () => {
    assert.deepEqual(downsampleMinMax([], 10), []);
    const one = series([4]);
    assert.deepEqual(downsampleMinMax(one, 10), one);
    assert.deepEqual(downsampleMinMax(one, 1, { range: { xMin: 0, xMax: 0 } }), one);
  });

  test('points at one x all fall in one bucket', () => {
    const points = Array.from({ length: 50 }, (_, i) => ({ step: 3, timestamp: i, value: i === 20 ? 100 : i % 3 }));
    const out = downsampleMinMax(points, 5);
    assert.ok(out.length <= 12);
    assert.ok(out.includes(points[20]) && out.includes(points[0]) && out.includes(points[49]));
  });

  test('NaN never wins a bucket; a bucket of NaN only keeps one NaN point; ±Infinity are kept as extremes', () => {
    const values = Array.from({ length: 40 }, (_, i) => i % 4);
    for (let i = 10; i < 20; i++) values[i] = Number.NaN; // bucket 1: NaN only
    values[25] = Number.NaN; // bucket 2: mixed
    values[33] = Infinity;
    values[36] = -Infinity;
    const points = series(values);
    const out = downsampleMinMax(points, 4);
    const nanSteps = out.filter((p) => Number.isNaN(p.value)).map((p) => p.step);
    assert.deepEqual(nanSteps, [10]);
    assert.ok(out.includes(points[33]) && out.includes(points[36]));
    const bucket2 = out.filter((p) => p.step >= 20 && p.step < 30).map((p) => p.value);
    assert.ok(bucket2.includes(0) && bucket2.includes(3), `${bucket2}`);
  });

  test('a series of NaN only still gives a bounded, drawable result', () => {
    const out = downsampleMinMax(series(Array.from({ length: 100 }, () => Number.NaN)), 5);
    assert.ok(out.length > 0 && out.length <= 12);
  });

  test('unsorted input is sorted (stably) without touching the caller array', () => {
    const sorted = series(randomValues(500, 3));
    const shuffled = [...sorted.slice(250), ...sorted.slice(0, 250)].reverse();
    const before = [...shuffled];
    const out = downsampleMinMax(shuffled, 20);
    assert.deepEqual(shuffled, before);
    assertIncreasingSteps(out);
    assert.deepEqual(steps(out), steps(downsampleMinMax(sorted, 20)));
  });

  test('ties in x keep logging order', () => {
    const points = [
      { step: 1, timestamp: 0, value: 1 },
      { step: 0, timestamp: 1, value: 2 },
      { step: 1, timestamp: 2, value: 3 },
    ];
    assert.deepEqual(downsampleMinMax(points, 5), [points[1], points[0], points[2]]);
  });

  test('points whose x is not finite are dropped', () => {
    const points = series([1, 2, 3]);
    points[1] = { ...points[1], step: Number.NaN };
    assert.deepEqual(downsampleMinMax(points, 5), [points[0], points[2]]);
  });

  test('a range buckets only the window and adds the nearest point outside on each side', () => {
    const points = series(randomValues(1000, 11));
    const out = downsampleMinMax(points, 10, { range: { xMin: 200, xMax: 299.5 } });
    assert.ok(out.length <= 2 * 10 + 4);
    assert.equal(out[0], points[199]);
    assert.equal(out[1], points[200]);
    assert.equal(out[out.length - 2], points[299]);
    assert.equal(out[out.length - 1], points[300]);
    const inside = points.slice(200, 300).map((p) => p.value);
    const kept = out.map((p) => p.value);
    assert.ok(kept.includes(Math.max(...inside)) && kept.includes(Math.min(...inside)));
  });

  test('a window without points keeps the neighbours so the line crosses it; open windows are fine', () => {
    const points = [
      { step: 0, timestamp: 0, value: 1 },
      { step: 100, timestamp: 1, value: 2 },
    ];
    assert.deepEqual(downsampleMinMax(points, 10, { range: { xMin: 40, xMax: 60 } }), points);
    const many = series(randomValues(1000, 5));
    const open = downsampleMinMax(many, 10, { range: { xMin: -Infinity, xMax: Infinity } });
    assert.ok(open.length <= 22);
    assert.deepEqual(steps(open), steps(downsampleMinMax(many, 10)));
  });

  test('x can be the wall time or the time relative to an origin', () => {
    // Steps restart (a resumed run) while wall time keeps increasing.
    const points = [...series([1, 2, 3, 4]), ...series([5, 6, 7, 8])].map((p, i) => ({ ...p, timestamp: 1000 + i }));
    assert.deepEqual(downsampleMinMax(points, 10, { x: 'timestamp' }), points);
    const relative = downsampleMinMax(points, 10, { x: 'relative', range: { xMin: 2, xMax: 4 } });
    assert.deepEqual(relative, points.slice(1, 6));
    const fromOrigin = downsampleMinMax(points, 10, { x: 'relative', origin: 998, range: { xMin: 2, xMax: 4 } });
    assert.deepEqual(fromOrigin, points.slice(0, 4));
  });

  test('bad arguments are RangeErrors', () => {
    const points = series([1, 2, 3]);
    assert.throws(() => downsampleMinMax(points, 0), RangeError);
    assert.throws(() => downsampleMinMax(points, Number.NaN), RangeError);
    assert.throws(() => downsampleMinMax(points, 5, { range: { xMin: 3, xMax: 1 } }), RangeError);
    assert.throws(() => downsampleMinMax(points, 5, { range: { xMin: Number.NaN, xMax: 1 } }), RangeError);
  });
});

describe('minMaxIndices', () => {
  test('works on typed columns and returns increasing indices', () => {
    const x = Float64Array.from({ length: 1000 }, (_, i) => i);
    const y = Float64Array.from(randomValues(1000, 9));
    const picked = minMaxIndices(x, y, 50);
    assert.ok(picked.length <= 102);
    for (let i = 1; i < picked.length; i++) assert.ok(picked[i] > picked[i - 1]);
    assert.ok(picked.includes(y.indexOf(Math.max(...y))));
  });

  test('each bucket gives its first minimum and first maximum, or its first NaN when it has nothing else', () => {
    // 10 buckets of 10 rows, with ties, NaN, and buckets of one infinity only, or both infinities.
    const y = randomValues(100, 5).map((v) => Math.round(v * 4));
    y.fill(Number.NaN, 10, 20);
    y.fill(Infinity, 20, 30).fill(Number.NaN, 20, 22);
    y.fill(-Infinity, 30, 40).fill(Number.NaN, 35, 37);
    y.fill(Infinity, 40, 50).fill(-Infinity, 44, 46).fill(Number.NaN, 40, 41);
    y[52] = Infinity;
    y[57] = Number.NaN;
    const x = y.map((_, i) => i);
    const expected = [0];
    for (let start = 0; start < 100; start += 10) expected.push(...naiveExtremes(y.slice(start, start + 10)).map((i) => start + i));
    expected.push(99);
    assert.deepEqual(Array.from(minMaxIndices(x, y, 10)), [...new Set(expected)]);
  });

  test('refuses unsorted or non-finite x and mismatched lengths', () => {
    assert.throws(() => minMaxIndices([0, 2, 1], [1, 1, 1], 5), /sorted; it is not at index 2/);
    assert.throws(() => minMaxIndices([0, Number.NaN], [1, 1], 5), RangeError);
    assert.throws(() => minMaxIndices([0, 1], [1], 5), /differ in length/);
  });
});

describe('smoothEma', () => {
  test('is TensorBoard debiased EMA', () => {
    const out = smoothEma([1, 2], 0.5);
    assert.equal(out[0], 1);
    assert.ok(Math.abs(out[1] - 1.25 / 0.75) < 1e-12);
  });

  test('weight 0 is the identity; a constant series stays constant', () => {
    assert.deepEqual(smoothEma([3, 1, 4, 1, 5], 0), [3, 1, 4, 1, 5]);
    for (const value of smoothEma(
      Array.from({ length: 50 }, () => 7),
      0.9,
    ))
      assert.ok(Math.abs(value - 7) < 1e-9);
  });

  test('NaN and ±Infinity pass through without disturbing the others', () => {
    const out = smoothEma([1, Number.NaN, Infinity, 2, -Infinity], 0.5);
    assert.equal(out[0], 1);
    assert.ok(Number.isNaN(out[1]));
    assert.equal(out[2], Infinity);
    assert.ok(Math.abs(out[3] - 1.25 / 0.75) < 1e-12);
    assert.equal(out[4], -Infinity);
  });

  test('long series: exactly the debiased formula at every point, after the bias has vanished too', () => {
    const values = randomValues(2000, 5);
    for (const weight of [0.6, 0.99]) {
      let last = 0;
      const expected = values.map((value, i) => {
        last = last * weight + (1 - weight) * value;
        return last / (1 - Math.pow(weight, i + 1));
      });
      assert.deepEqual(smoothEma(values, weight), expected);
    }
  });

  test('empty input and bad weights', () => {
    assert.deepEqual(smoothEma([], 0.6), []);
    for (const weight of [1, -0.1, Number.NaN, 2]) assert.throws(() => smoothEma([1], weight), RangeError);
  });
});

describe('xOrder', () => {
  test('is null for finite ascending x, else a stable order without the non-finite rows', () => {
    assert.equal(xOrder([]), null);
    assert.equal(xOrder([1, 1, 2, 5]), null);
    assert.deepEqual(Array.from(xOrder([3, 1, 3, 0, Number.NaN, 1, Infinity]) ?? []), [3, 1, 5, 0, 2]);
    assert.deepEqual(Array.from(xOrder([0, 1, -Infinity]) ?? []), [0, 1]);
  });
});

describe('sampleColumns', () => {
  const columnsOf = (points: HistoryPoint[]): { x: Float64Array; y: Float64Array } => ({
    x: Float64Array.from(points, (p) => p.step),
    y: Float64Array.from(points, (p) => p.value),
  });

  test('picks the rows downsampleMinMax picks, in order or not, with or without a window', () => {
    const sorted = series(randomValues(5000, 3));
    sorted[100].value = Number.NaN;
    sorted[2000].value = Infinity;
    sorted[3000].value = -Infinity;
    // A resumed run: steps 3000.. logged again after the first pass, and a few duplicates.
    const shuffled = [...sorted.slice(2500), ...sorted.slice(0, 2600)];
    for (const points of [sorted, shuffled]) {
      const { x, y } = columnsOf(points);
      for (const buckets of [1, 7, 250, 3000]) {
        for (const range of [undefined, { xMin: 1000.5, xMax: 1400 }, { xMin: -10, xMax: 2 }, { xMin: 4000, xMax: 9000 }]) {
          const expected = downsampleMinMax(points, buckets, { range });
          const { rows, smoothed } = sampleColumns(x, y, buckets, { range });
          assert.deepEqual(
            Array.from(rows, (row) => points[row]),
            expected,
            `${buckets} buckets, ${JSON.stringify(range)}`,
          );
          assert.equal(smoothed, null);
        }
      }
    }
  });

  test('smooths the whole series in x order, whatever the buckets or window', () => {
    const points = series(randomValues(3000, 11).map((v, i) => (i === 50 ? Number.NaN : v)));
    const reversed = [...points].reverse();
    const full = smoothEma(
      points.map((p) => p.value),
      0.9,
    );
    const { x, y } = columnsOf(reversed);
    for (const [buckets, range] of [
      [10, undefined],
      [500, undefined],
      [5, { xMin: 100, xMax: 200 }],
    ] as const) {
      const { rows, smoothed } = sampleColumns(x, y, buckets, { range, smoothing: 0.9 });
      assert.ok(smoothed);
      assert.ok(smoothed.rows.length <= 2 * buckets + 4 && rows.length <= 2 * buckets + 4);
      smoothed.rows.forEach((row, i) => assert.ok(Object.is(smoothed.values[i], full[reversed[row].step]), `row ${row}`));
      // Increasing in x: rows of the reversed input come out decreasing.
      for (let i = 1; i < smoothed.rows.length; i++) assert.ok(smoothed.rows[i] < smoothed.rows[i - 1]);
    }
  });

  test('a sample keeps its smoothed values after later samples of other series', () => {
    const first = sampleColumns([0, 1, 2, 3], [4, 3, 2, 1], 10, { smoothing: 0.5 });
    const kept = Array.from(first.smoothed?.values ?? []);
    sampleColumns([0, 1, 2, 3, 4, 5], [9, 9, 9, 9, 9, 9], 10, { smoothing: 0.5 });
    sampleColumns([0], [1], 10, { smoothing: 0.5 });
    assert.deepEqual(Array.from(first.smoothed?.values ?? []), kept);
    assert.deepEqual(kept, Array.from(smoothEma([4, 3, 2, 1], 0.5)));
  });

  test('drops rows whose x is not finite; empty and one-point series', () => {
    const picked = sampleColumns([0, Number.NaN, 2, Infinity], [1, 2, 3, 4], 10, { smoothing: 0.5 });
    assert.deepEqual(Array.from(picked.rows), [0, 2]);
    assert.deepEqual(Array.from(picked.smoothed?.rows ?? []), [0, 2]);
    assert.deepEqual(sampleColumns([], [], 10, { smoothing: 0.5 }), {
      rows: new Uint32Array(0),
      smoothed: { rows: new Uint32Array(0), values: new Float64Array(0) },
    });
    const one = sampleColumns([7], [Number.NaN], 10, { smoothing: 0.5 });
    assert.deepEqual(Array.from(one.rows), [0]);
    assert.ok(Number.isNaN(one.smoothed?.values[0]));
  });

  test('bad arguments are RangeErrors', () => {
    assert.throws(() => sampleColumns([0], [1], 0), RangeError);
    assert.throws(() => sampleColumns([0, 1], [1], 5), /differ in length/);
    assert.throws(() => sampleColumns([0, 1], [1, 2], 5, { smoothing: 1 }), RangeError);
    assert.throws(() => sampleColumns([0, 1], [1, 2], 5, { smoothing: Number.NaN }), RangeError);
    assert.throws(() => sampleColumns([0, 1], [1, 2], 5, { range: { xMin: 2, xMax: 1 } }), RangeError);
  });
});

describe('textSparkline', () => {
  test('maps the range onto the eight bars', () => {
    assert.equal(textSparkline([1, 2, 3, 4, 5, 6, 7, 8]), '▁▂▃▄▅▆▇█');
    assert.equal(textSparkline([]), '');
  });

  test('long series are averaged into width columns', () => {
    const line = textSparkline(
      Array.from({ length: 1000 }, (_, i) => i),
      10,
    );
    assert.equal([...line].length, 10);
    assert.equal(line[0], '▁');
    assert.equal(line[9], '█');
    assert.equal([...textSparkline(Array.from({ length: 17 }, (_, i) => i))].length, 16);
  });

  test('constant series are flat; NaN is a gap; ±Infinity are top and bottom', () => {
    assert.equal(textSparkline([5, 5, 5]), '▄▄▄');
    assert.equal(textSparkline([Number.NaN, 1, Infinity, -Infinity, 2]), ' ▁█▁█');
    assert.equal(textSparkline([Number.NaN, Number.NaN]), '  ');
    assert.equal(textSparkline([Infinity]), '█');
  });

  test('a bad width is a RangeError', () => {
    for (const width of [0, -1, 1.5, Number.NaN]) assert.throws(() => textSparkline([1, 2], width), RangeError);
  });
});
