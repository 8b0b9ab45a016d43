import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatTable } from '../../src/cli/format';
import { csvField } from '../../src/core/csv';
import { parsePairs, splitRunArgs } from '../../src/cli/runCommand';
import { formatDuration, formatMetric } from '../../src/core/format';
import { diffRuns } from '../../src/core/runDiff';

describe('cli helpers', () => {
  test('splits run options from the command', () => {
    assert.deepEqual(splitRunArgs(['--name', 'x', '--', 'python3', 't.py', '--lr', '1']), {
      options: ['--name', 'x'],
      command: ['python3', 't.py', '--lr', '1'],
    });
    assert.deepEqual(splitRunArgs(['-e', 'exp', 'python3', 't.py', '--', 'a']), { options: ['-e', 'exp'], command: ['python3', 't.py', '--', 'a'] });
    assert.deepEqual(splitRunArgs(['--name', 'x']), { options: ['--name', 'x'], command: [] });
    assert.deepEqual(splitRunArgs(['--reproduces', 'abc123', 'python3', 't.py']), {
      options: ['--reproduces', 'abc123'],
      command: ['python3', 't.py'],
    });
  });

  test('parses key=value pairs and rejects the rest', () => {
    assert.deepEqual(parsePairs(['a=1', 'b=x=y', 'c='], '--tag'), { a: '1', b: 'x=y', c: '' });
    assert.throws(() => parsePairs(['=1'], '--tag'), /key=value/);
    assert.throws(() => parsePairs(['novalue'], '--param'), /--param takes key=value/);
  });

  test('tables keep hostile cells on one line', () => {
    const table = formatTable(['A', 'B'], [['x\nFAKE ROW', 'y\u001b[31m']]);
    assert.equal(table.split('\n').length, 2);
    assert.match(table, /x⏎FAKE ROW\s+y\?\[31m/);
  });

  test('CSV quotes what needs quoting and defuses spreadsheet formulas', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('=cmd()'), "'=cmd()");
    assert.equal(csvField('-0.5'), '-0.5');
  });

  test('formats metrics and durations for people', () => {
    assert.equal(formatMetric(0.123456789), '0.123457');
    assert.equal(formatMetric(Number.NaN), 'NaN');
    assert.equal(formatMetric(-Infinity), '-Infinity');
    assert.equal(formatMetric(42), '42');
    assert.equal(formatDuration(4200), '4.2s');
    assert.equal(formatDuration(185_000), '3m 05s');
    assert.equal(formatDuration(3_720_000), '1h 02m');
  });

  test('diffs runs on params and last metric values', () => {
    const summary = (last: number) => ({ key: 'acc', last, lastStep: 0, lastTimestamp: 0, min: last, max: last, count: 1 });
    const rows = diffRuns([
      { label: 'a', params: { lr: '0.1', model: 'rf' }, metrics: { acc: summary(0.9) } },
      { label: 'b', params: { lr: '0.2', model: 'rf' }, metrics: { acc: summary(Number.NaN) } },
    ]);
    assert.deepEqual(
      rows.map((r) => [r.key, r.differs]),
      [
        ['lr', true],
        ['model', false],
        ['acc', true],
      ],
    );
    assert.deepEqual(
      diffRuns(
        [
          { label: 'a', params: { x: '1' }, metrics: {} },
          { label: 'b', params: {}, metrics: {} },
        ],
        { onlyDifferences: true },
      ).map((r) => r.values),
      [['1', undefined]],
    );
  });
});
