// The drift statistics against scipy (Debian's python3-scipy through /usr/bin/python3) on generated data, to 1e-9.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { computeDrift, type DatasetSample, type DriftMethod } from '../../src/core/drift';
import { chiSquareTest, ksTwoSample, proportionZTest } from '../../src/core/driftStats';

/** mulberry32: a small seeded generator, so every run compares the same data. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` normal values (Box-Muller), optionally rounded to `decimals` to make ties. */
function normals(seed: number, count: number, mean = 0, sd = 1, decimals?: number): number[] {
  const next = random(seed);
  return Array.from({ length: count }, () => {
    const value = mean + sd * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    return decimals === undefined ? value : Number(value.toFixed(decimals));
  });
}

type Case = Record<string, unknown> & { kind: string };

function scipy(cases: Case[]): Record<string, number>[] {
  const script = join(__dirname, '..', 'fixtures', 'drift', 'scipy_reference.py');
  const out = execFileSync('/usr/bin/python3', [script], { input: JSON.stringify(cases), maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out.toString()) as Record<string, number>[];
}

function assertClose(actual: number, expected: number, what: string): void {
  const tolerance = 1e-9 * Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs scipy ${expected}`);
}

const sortedArray = (values: number[]): Float64Array => Float64Array.from(values).sort();

function sample(name: string, columns: Record<string, number[]>): DatasetSample {
  const map = new Map(
    Object.entries(columns).map(([column, values]) => [column, { numbers: Float64Array.from(values), missing: 0, integerDtype: false }] as const),
  );
  return { name, rows: Object.values(columns)[0].length, columns: map };
}

function driftScore(a: number[], b: number[], method: DriftMethod): number {
  return computeDrift(sample('ref', { x: a }), sample('cur', { x: b }), { perColumn: { x: { method } } }).columns[0].score;
}

describe('drift statistics agree with scipy to 1e-9', () => {
  it('two-sample Kolmogorov-Smirnov: exact, asymptotic and each kstwo branch', () => {
    const pairs: [number[], number[], string][] = [
      [normals(1, 100), normals(2, 100), 'equal sizes, exact'],
      [normals(3, 200), normals(4, 300, 0.3), 'unequal sizes, exact'],
      [normals(5, 400, 0, 1, 1), normals(6, 700, 0.1, 1, 1), 'ties, exact'],
      [normals(7, 50), normals(8, 20_000, 0.2), 'asymptotic, n <= 140'],
      [normals(9, 100), normals(10, 12_000, 0.05), 'asymptotic, n <= 140, small D'],
      [normals(19, 60), normals(20, 20_000, 1), 'asymptotic, n <= 140, Smirnov'],
      [normals(11, 900), normals(12, 15_000, 0.01), 'asymptotic, n > 140, Durbin matrix'],
      [normals(13, 1000), normals(14, 11_000, 0.15), 'asymptotic, n > 140, Smirnov'],
      [normals(15, 600), normals(16, 30_000, 0.8), 'asymptotic, far apart'],
      [normals(17, 20), normals(18, 10_001, 3), 'asymptotic, x >= 0.5'],
    ];
    const expected = scipy(pairs.map(([a, b]) => ({ kind: 'ks', a, b })));
    pairs.forEach(([a, b, what], k) => {
      const outcome = ksTwoSample(sortedArray(a), sortedArray(b));
      assertClose(outcome.statistic, expected[k].statistic, `${what}: D`);
      assertClose(outcome.pValue!, expected[k].pValue, `${what}: p`);
    });
  });

  it('chi-square on category frequencies, the proportion Z-test', () => {
    const chi = [
      { observed: [30, 45, 25], expected: [33.3, 33.4, 33.3] },
      { observed: [500, 300, 150, 50], expected: [480, 320, 140, 60] },
      { observed: [10, 900, 90], expected: [300, 400, 300] },
    ];
    const z = [
      { x1: 40, n1: 100, x2: 55, n2: 120 },
      { x1: 500, n1: 1000, x2: 505, n2: 1000 },
      { x1: 3, n1: 900, x2: 400, n2: 800 },
    ];
    const expected = scipy([...chi.map((c) => ({ kind: 'chisquare', ...c })), ...z.map((c) => ({ kind: 'z', ...c }))]);
    chi.forEach((c, k) => {
      const outcome = chiSquareTest(c.observed, c.expected);
      assertClose(outcome.statistic, expected[k].statistic, `chi² ${k}`);
      assertClose(outcome.pValue!, expected[k].pValue, `chi² p ${k}`);
    });
    z.forEach((c, k) => {
      const outcome = proportionZTest(c.x1, c.n1, c.x2, c.n2);
      assertClose(outcome.statistic, expected[chi.length + k].statistic, `z ${k}`);
      assertClose(outcome.pValue!, expected[chi.length + k].pValue, `z p ${k}`);
    });
  });

  it('Wasserstein distance normed by the reference std, Jensen-Shannon on Sturges bins and on counts', () => {
    const numeric: [number[], number[]][] = [
      [normals(21, 1500), normals(22, 2000, 0.1)],
      [normals(23, 5000, 10, 3), normals(24, 50_000, 11, 2.5)],
      [normals(25, 3000, 0, 1, 1), normals(26, 3000, 0.5, 1, 1)],
    ];
    const counts = [
      { p: [120, 300, 80, 500], q: [100, 320, 90, 490] },
      { p: [1, 0, 5], q: [0, 4, 5] },
    ];
    const expected = scipy([
      ...numeric.map(([a, b]) => ({ kind: 'wasserstein', a, b })),
      ...numeric.map(([a, b]) => ({ kind: 'jsBinned', a, b })),
      ...counts.map((c) => ({ kind: 'jsCounts', ...c })),
    ]);
    numeric.forEach(([a, b], k) => {
      assertClose(driftScore(a, b, 'wasserstein'), expected[k].statistic, `wasserstein ${k}`);
      assertClose(driftScore(a, b, 'jensenshannon'), expected[numeric.length + k].statistic, `jensen-shannon ${k}`);
    });
    counts.forEach((c, k) => {
      const ref = new Map(c.p.map((v, i) => [`v${i}`, v] as const).filter(([, v]) => v > 0));
      const cur = new Map(c.q.map((v, i) => [`v${i}`, v] as const).filter(([, v]) => v > 0));
      const report = computeDrift(
        { name: 'ref', rows: 0, columns: new Map([['c', { counts: ref, missing: 0, integerDtype: false }]]) },
        { name: 'cur', rows: 0, columns: new Map([['c', { counts: cur, missing: 0, integerDtype: false }]]) },
        { perColumn: { c: { method: 'jensenshannon' } } },
      );
      assertClose(report.columns[0].score, expected[2 * numeric.length + k].statistic, `jensen-shannon counts ${k}`);
    });
  });
});
