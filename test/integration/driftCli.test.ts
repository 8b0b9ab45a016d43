// `labbook drift` from the built CLI (worker threads reading both files): table, JSON, HTML report, labbook.yaml
// settings, --fail-on-drift, and one-line errors with exit 2.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { makeWorkspace, runCli } from './helpers';

/** CSV text: `rows` rows of a shifted numeric column, a category and a constant. */
function csv(rows: number, shift: number, categories: string[]): string {
  const lines = ['age,city,const'];
  for (let i = 0; i < rows; i++) lines.push(`${(20 + shift + (i % 50)).toFixed(1)},${categories[i % categories.length]},1`);
  return `${lines.join('\n')}\n`;
}

const ws = makeWorkspace({
  files: {
    'ref.csv': csv(600, 0, ['a', 'b', 'c']),
    'cur.csv': csv(400, 15, ['a', 'b', 'c']),
    'broken.csv': 'age,city\n1,2,3\n',
  },
});
after(() => ws.cleanup());

describe('labbook drift', () => {
  test('prints one row per column and the dataset verdict; --fail-on-drift exits 1 on dataset drift', async () => {
    const result = await runCli(['drift', 'ref.csv', 'cur.csv'], { cwd: ws.dir });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^age\s+numeric\s+ks\s+\S+ p-value\s+0\.05\s+DRIFT$/m);
    assert.match(result.stdout, /^city\s+categorical\s+chisquare\s+0\.9975 p-value\s+0\.05\s+no$/m);
    assert.match(result.stdout, /^const\s+categorical\s+z\s+1 p-value\s+0\.05\s+no$/m);
    assert.match(result.stdout, /No dataset drift: 1 of 3 columns drifted \(share 0\.3333, threshold 0\.5\)/);
    const failing = await runCli(['drift', 'ref.csv', 'cur.csv', '--columns', 'age,city', '--fail-on-drift'], { cwd: ws.dir });
    assert.equal(failing.code, 1);
    assert.match(failing.stdout, /Dataset drift: 1 of 2 columns drifted/);
  });

  test('--json gives the report; --report writes a self-contained HTML page', async () => {
    const result = await runCli(['drift', 'ref.csv', 'cur.csv', '--json', '--target', 'city', '--report', 'drift.html'], { cwd: ws.dir });
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { columns: { column: string; method: string; drifted: boolean }[]; datasetDrift: boolean };
    assert.deepEqual(
      report.columns.map((c) => [c.column, c.method, c.drifted]),
      [
        ['city', 'chisquare', false],
        ['age', 'ks', true],
        ['const', 'z', false],
      ],
    );
    const html = readFileSync(join(ws.dir, 'drift.html'), 'utf8');
    assert.match(html, /<svg/);
    assert.doesNotMatch(html, /<script|src=|href=/);
  });

  test('labbook.yaml sets methods, thresholds, ignored columns and the drift share', async () => {
    const config = makeWorkspace({
      files: {
        'ref.csv': csv(600, 0, ['a', 'b']),
        'cur.csv': csv(400, 15, ['a', 'b']),
        'labbook.yaml':
          'drift:\n  driftShare: 0.3\n  ignore: [const]\n  columns:\n    age: { method: wasserstein, threshold: 2 }\n    city: { method: ks }\n',
      },
    });
    try {
      const result = await runCli(['drift', 'ref.csv', 'cur.csv'], { cwd: config.dir });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^age\s+numeric\s+wasserstein\s+\S+ distance\s+2\s+no$/m);
      assert.match(result.stdout, /not compared: city: method ks does not apply to a categorical column/);
      assert.doesNotMatch(result.stdout, /const/);
      assert.match(result.stdout, /threshold 0\.3\)/);
    } finally {
      config.cleanup();
    }
  });

  test('bad input is one line on stderr and exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['drift', 'ref.csv'], /drift takes two files/],
      [['drift', 'ref.csv', 'missing.csv'], /cannot read missing\.csv: no such file/],
      [['drift', 'ref.csv', 'broken.csv'], /broken\.csv: data row 1 has 3 fields, the header has 2/],
      [['drift', 'ref.csv', 'cur.csv', '--columns', 'nope'], /column 'nope' is not in ref\.csv/],
      [['drift', 'ref.csv', 'cur.csv', '--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [args, pattern] of cases) {
      const result = await runCli(args, { cwd: ws.dir });
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, pattern);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    }
  });
});
