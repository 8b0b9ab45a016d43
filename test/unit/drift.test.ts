// Evidently's default drift rules (method by size and type, thresholds, dataset share) and the awkward columns.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { computeDrift, DriftInputError, type ColumnSample, type DatasetSample, type DriftOptions } from '../../src/core/drift';
import { driftReportHtml } from '../../src/core/driftReport';

/** A column of numbers (NaN counts as missing) or of texts. */
function column(values: (number | string)[], integerDtype = false): ColumnSample {
  const missing = values.filter((v) => typeof v === 'number' && !Number.isFinite(v)).length;
  if (values.every((v) => typeof v === 'number')) {
    return { numbers: Float64Array.from((values as number[]).filter(Number.isFinite)), missing, integerDtype };
  }
  const counts = new Map<string, number>();
  for (const v of values) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
  return { counts, missing: 0, integerDtype: false };
}

function dataset(name: string, columns: Record<string, ColumnSample>): DatasetSample {
  return { name, rows: 0, columns: new Map(Object.entries(columns)) };
}

/** `count` values spread evenly over [from, from + 1). */
const spread = (count: number, from = 0): number[] => Array.from({ length: count }, (_, i) => from + i / count);
const repeat = <T>(values: T[], count: number): T[] => Array.from({ length: count }, (_, i) => values[i % values.length]);

function drift(reference: Record<string, ColumnSample>, current: Record<string, ColumnSample>, options?: DriftOptions) {
  return computeDrift(dataset('ref.csv', reference), dataset('cur.csv', current), options);
}

describe('default method by reference size and column type (Evidently)', () => {
  it('a reference of at most 1,000 values: KS for numbers with more than 5 values, chi-square for categories, Z for two values', () => {
    const report = drift(
      {
        num: column(spread(1000)),
        cat: column(repeat(['a', 'b', 'c'], 1000)),
        bin: column(repeat(['yes', 'no'], 1000)),
        few: column(repeat([0.5, 1.5, 2.5], 1000)),
      },
      {
        num: column(spread(300)),
        cat: column(repeat(['a', 'b', 'c'], 300)),
        bin: column(repeat(['yes', 'no'], 300)),
        few: column(repeat([0.5, 1.5, 2.5], 300)),
      },
    );
    const methods = Object.fromEntries(report.columns.map((c) => [c.column, [c.type, c.method]]));
    assert.deepEqual(methods, {
      num: ['numeric', 'ks'],
      cat: ['categorical', 'chisquare'],
      bin: ['categorical', 'z'],
      few: ['numeric', 'chisquare'],
    });
    assert.ok(report.columns.every((c) => c.threshold === 0.05 && !c.drifted));
  });

  it('above 1,000 values: Wasserstein (normed) for numbers, Jensen-Shannon for categories and few-valued numbers', () => {
    const report = drift(
      { num: column(spread(1001)), cat: column(repeat(['a', 'b'], 1001)), few: column(repeat([1, 2, 3], 1001)) },
      { num: column(spread(50)), cat: column(repeat(['a', 'b'], 50)), few: column(repeat([1, 2, 3], 50)) },
    );
    assert.deepEqual(
      report.columns.map((c) => [c.column, c.method, c.threshold]),
      [
        ['num', 'wasserstein', 0.1],
        ['cat', 'jensenshannon', 0.1],
        ['few', 'jensenshannon', 0.1],
      ],
    );
  });

  it('counts the values present: 1,001 rows with one missing is a small reference', () => {
    const report = drift({ x: column([...spread(1000), NaN]) }, { x: column(spread(200)) });
    assert.equal(report.columns[0].method, 'ks');
    assert.equal(report.columns[0].referenceMissing, 1);
    assert.match(report.columns[0].notes.join(), /1 missing in reference, 0 in current/);
  });

  it('whole numbers with at most 5 distinct reference values are categories; with more they are numbers', () => {
    const report = drift(
      { small: column(repeat([1, 2, 3, 4], 500), true), wide: column(repeat([1, 2, 3, 4, 5, 6, 7], 500), true) },
      { small: column(repeat([1, 2, 3, 4], 500), true), wide: column(repeat([1, 2, 3, 4, 5, 6, 7], 500), true) },
    );
    assert.deepEqual(
      report.columns.map((c) => [c.type, c.method]),
      [
        ['categorical', 'chisquare'],
        ['numeric', 'ks'],
      ],
    );
  });

  it('the target is numeric only with more than 5 distinct values in both datasets together, and comes first', () => {
    const report = drift(
      { f: column(spread(100)), y: column(repeat([0, 1], 100)) },
      { f: column(spread(100)), y: column(repeat([0, 1], 100)) },
      { target: 'y' },
    );
    assert.deepEqual(
      report.columns.map((c) => [c.column, c.type, c.method]),
      [
        ['y', 'categorical', 'z'],
        ['f', 'numeric', 'ks'],
      ],
    );
  });
});

describe('verdicts', () => {
  it('drift per column, and dataset drift at a drifted share of at least 0.5', () => {
    const report = drift({ a: column(spread(500)), b: column(spread(500)) }, { a: column(spread(500, 0.5)), b: column(spread(500)) });
    assert.deepEqual(
      report.columns.map((c) => c.drifted),
      [true, false],
    );
    assert.ok(report.columns[0].score < 1e-10, `p = ${report.columns[0].score}`);
    assert.equal(report.shareOfDriftedColumns, 0.5);
    assert.equal(report.datasetDrift, true);
    assert.equal(drift({ a: column(spread(500)) }, { a: column(spread(500)) }, { driftShare: 0.6 }).datasetDrift, false);
  });

  it('a shifted distance drifts at >= 0.1, and labbook.yaml settings change method and threshold', () => {
    const reference = { a: column(spread(2000)), c: column(repeat(['x', 'y', 'z'], 2000)) };
    const current = { a: column(spread(2000, 0.05)), c: column(repeat(['x', 'y', 'z'], 2000)) };
    const byDefault = drift(reference, current);
    assert.equal(byDefault.columns[0].method, 'wasserstein');
    assert.ok(Math.abs(byDefault.columns[0].score - 0.05 / Math.sqrt(1 / 12)) < 1e-3);
    assert.equal(byDefault.columns[0].drifted, true);
    const configured = drift(reference, current, { perColumn: { a: { threshold: 0.2 }, c: { method: 'chisquare' } } });
    assert.deepEqual(
      configured.columns.map((c) => [c.method, c.threshold, c.drifted]),
      [
        ['wasserstein', 0.2, false],
        ['chisquare', 0.05, false],
      ],
    );
  });

  it('a configured method that does not fit the column type leaves the column out, saying why', () => {
    const report = drift({ a: column(spread(100)) }, { a: column(spread(100)) }, { perColumn: { a: { method: 'chisquare' } } });
    assert.deepEqual(report.skipped, [{ column: 'a', reason: 'method chisquare does not apply to a numeric column' }]);
  });
});

describe('awkward data', () => {
  it('a constant column: the Z-test gives p = 1 when both datasets hold the same single value', () => {
    const report = drift({ k: column(repeat([7], 100)) }, { k: column(repeat([7], 80)) });
    assert.deepEqual([report.columns[0].method, report.columns[0].score, report.columns[0].drifted], ['z', 1, false]);
    assert.match(report.columns[0].notes.join(), /constant/);
    const changed = drift({ k: column(repeat([7], 100)) }, { k: column(repeat([8], 80)) });
    assert.equal(changed.columns[0].drifted, true);
  });

  it('an all-missing column is not compared, with the count; a constant reference std is floored at 0.001', () => {
    const report = drift(
      { gone: column([NaN, NaN]), flat: column(repeat([1], 2000)) },
      { gone: column([1, 2]), flat: column(repeat([1, 1.0001], 2000)) },
    );
    assert.deepEqual(report.skipped, [{ column: 'gone', reason: 'no values in the reference (all 2 missing)' }]);
    assert.equal(report.columns[0].method, 'jensenshannon');
  });

  it('mismatched schemas: columns on one side only are listed, not compared; naming one is an error', () => {
    const report = drift({ a: column([1, 2]), old: column([1]) }, { a: column([1, 2]), new: column([1]) });
    assert.deepEqual(report.skipped, [
      { column: 'old', reason: 'only in ref.csv' },
      { column: 'new', reason: 'only in cur.csv' },
    ]);
    assert.throws(
      () => drift({ a: column([1]) }, { b: column([1]) }),
      (e: Error) => e instanceof DriftInputError && /no column in common/.test(e.message),
    );
    assert.throws(() => drift({ a: column([1]) }, { a: column([1]) }, { columns: ['zz'] }), /column 'zz' is not in ref.csv/);
  });

  it('numbers on one side and text on the other are compared as categories', () => {
    const report = drift({ v: column([1, 2, 3]) }, { v: column(['1', '2', 'three']) });
    assert.equal(report.columns[0].type, 'categorical');
    assert.equal(report.columns[0].method, 'chisquare');
    assert.equal(report.columns[0].score, 0, 'a value the reference never had gives chi² = inf, p = 0');
  });
});

describe('HTML report', () => {
  it('is one page with inline SVG histograms, no script, and escapes names from the data', () => {
    const report = drift({ '<b>x</b>': column(spread(100)), c: column(['a', 'b']) }, { '<b>x</b>': column(spread(100, 0.3)), c: column(['a', 'b']) });
    const html = driftReportHtml(report);
    assert.ok(!/<script/i.test(html));
    assert.ok(!/(src|href)=/i.test(html), 'no external resources');
    assert.equal((html.match(/<svg/g) ?? []).length, 2);
    assert.ok(html.includes('&#60;b&#62;x&#60;/b&#62;') && !html.includes('<b>x</b>'));
  });
});
