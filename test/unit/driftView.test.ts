// The Drift panel's rows and the Problems panel's warnings made from a drift report.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { computeDrift, type DatasetSample } from '../../src/core/drift';
import { driftDiagnostics, driftPanelReport, headerRanges } from '../../src/core/driftView';

function dataset(name: string, age: number[], city: string[]): DatasetSample {
  const counts = new Map<string, number>();
  for (const c of city) counts.set(c, (counts.get(c) ?? 0) + 1);
  return {
    name,
    rows: age.length,
    columns: new Map([
      ['age', { numbers: Float64Array.from(age).sort(), sorted: true, missing: 0, integerDtype: false }],
      ['city', { counts, missing: 0, integerDtype: false }],
    ]),
  };
}

const spread = (count: number, from: number): number[] => Array.from({ length: count }, (_, i) => from + i / count);
const cities = (count: number): string[] => Array.from({ length: count }, (_, i) => ['Paris', 'Oslo', 'Rome'][i % 3]);
const report = computeDrift(dataset('train.csv', spread(200, 0), cities(200)), dataset('live.csv', spread(200, 5), cities(200)));

describe('driftPanelReport', () => {
  it('lists drifted columns first with printed scores and both histograms as shares', () => {
    const view = driftPanelReport(report);
    assert.deepEqual(
      view.columns.map((c) => [c.column, c.method, c.scoreKind, c.drifted]),
      [
        ['age', 'ks', 'p-value', true],
        ['city', 'chisquare', 'p-value', false],
      ],
    );
    assert.equal(view.columns[1].score, '1');
    assert.deepEqual([view.driftedColumns, view.share, view.driftShare, view.datasetDrift], [1, '0.5', 0.5, true]);
    const age = view.columns[0].histogram;
    assert.equal(age.labels.length, 20);
    // The reference fills the lower bins, the current the upper ones; each sums to 1.
    assert.ok(Math.abs(age.reference.reduce((a, b) => a + b) - 1) < 1e-12);
    assert.ok(Math.abs(age.current.reduce((a, b) => a + b) - 1) < 1e-12);
    assert.equal(age.reference[19], 0);
    assert.equal(age.current[0], 0);
    assert.deepEqual(view.columns[1].histogram.labels.sort(), ['Oslo', 'Paris', 'Rome']);
    // Plain data: survives JSON (what postMessage does) unchanged.
    assert.deepEqual(JSON.parse(JSON.stringify(view)), view);
  });
});

describe('headerRanges', () => {
  it('finds each name with its offsets, quoted names unquoted', () => {
    assert.deepEqual(headerRanges('age,"a,b","say ""hi""",,last'), [
      { name: 'age', start: 0, end: 3 },
      { name: 'a,b', start: 4, end: 9 },
      { name: 'say "hi"', start: 10, end: 22 },
      { name: '', start: 23, end: 23 },
      { name: 'last', start: 24, end: 28 },
    ]);
    assert.deepEqual(headerRanges('x\ty', '\t'), [
      { name: 'x', start: 0, end: 1 },
      { name: 'y', start: 2, end: 3 },
    ]);
  });
});

describe('driftDiagnostics', () => {
  it('puts a warning on the name of each drifted column only', () => {
    assert.deepEqual(driftDiagnostics(report, headerRanges('id,city,age')), [
      {
        column: 'age',
        line: 0,
        start: 8,
        end: 11,
        message: "Data drift in column 'age' against train.csv: ks p-value " + driftPanelReport(report).columns[0].score + ' below 0.05.',
      },
    ]);
  });

  it('starts at the file for Parquet (no header line)', () => {
    const [warning] = driftDiagnostics(report);
    assert.deepEqual([warning.line, warning.start, warning.end], [0, 0, 0]);
  });
});
