// Sweep specs: parsing each form, bad input with clear messages, the run count, seeded draws, and how params reach a command.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseSweeps } from '../../src/capture/sweepConfig';
import { commandWithParams, detectParamStyle } from '../../src/capture/sweepParams';
import { formRunCount, formSweepArgs } from '../../src/core/sweepForm';
import { parseSweepFormMessage } from '../../src/protocol/sweepForm';
import { groupSweeps, parseSweepMetric } from '../../src/core/sweepGroups';
import type { RunListing } from '../../src/core/types';
import { expandSweep, parseGridAxis, parseRandomCount, parseRandomParam, sweepSize, validateSweep, type SweepSpec } from '../../src/core/sweep';

const spec = (over: Partial<SweepSpec>): SweepSpec => ({ grid: [], params: [], random: 0, seed: 1, ...over });

describe('sweep specs', () => {
  test('grid lists and integer ranges with steps', () => {
    assert.deepEqual(parseGridAxis('lr=0.1,0.01,0.001'), { name: 'lr', values: ['0.1', '0.01', '0.001'] });
    assert.deepEqual(parseGridAxis('seed=1..3'), { name: 'seed', values: ['1', '2', '3'] });
    assert.deepEqual(parseGridAxis('seed=1..10:4'), { name: 'seed', values: ['1', '5', '9'] });
    assert.deepEqual(parseGridAxis('opt=adam'), { name: 'opt', values: ['adam'] });
  });

  test('distributions', () => {
    assert.deepEqual(parseRandomParam('lr=loguniform(1e-4,1e-1)').distribution, { kind: 'loguniform', low: 1e-4, high: 0.1 });
    assert.deepEqual(parseRandomParam('d=uniform(0, 0.5)').distribution, { kind: 'uniform', low: 0, high: 0.5 });
    assert.deepEqual(parseRandomParam('layers=int(1,4)').distribution, { kind: 'int', low: 1, high: 4 });
    assert.deepEqual(parseRandomParam('opt=choice(adam,sgd)').distribution, { kind: 'choice', values: ['adam', 'sgd'] });
  });

  test('bad input gets a message that says what to fix', () => {
    assert.throws(() => parseRandomParam('lr=normal(0,1)'), /unknown distribution 'normal'; use uniform, loguniform, int or choice/);
    assert.throws(() => parseGridAxis('lr='), /no values given/);
    assert.throws(() => parseGridAxis('lr=0.1,,0.2'), /empty value/);
    assert.throws(() => parseGridAxis('0.1,0.2'), /--grid takes name=values/);
    assert.throws(() => parseGridAxis('seed=5..1'), /range 5\.\.1 is empty/);
    assert.throws(() => parseRandomParam('lr=uniform(1,0)'), /a must not be greater than b/);
    assert.throws(() => parseRandomParam('lr=loguniform(0,1)'), /positive bounds/);
    assert.throws(() => parseRandomParam('n=int(1.5,3)'), /int\(a,b\) takes integers/);
    assert.throws(() => parseRandomParam('lr=0.1'), /is no distribution/);
    for (const n of ['0', '-2', '1.5', 'x', '']) assert.throws(() => parseRandomCount(n), /--random takes a positive integer/);
    assert.throws(
      () => validateSweep(spec({ grid: [parseGridAxis('a=1..200'), parseGridAxis('b=1..100')] })),
      /20000 runs, more than the 10000 allowed/,
    );
    assert.throws(() => parseGridAxis('a=1..20000'), /more than the 10000 runs/);
    assert.throws(() => validateSweep(spec({})), /Nothing to sweep/);
    assert.throws(() => validateSweep(spec({ random: 3 })), /needs at least one --param/);
    assert.throws(() => validateSweep(spec({ params: [parseRandomParam('lr=uniform(0,1)')] })), /--random N/);
    assert.throws(
      () => validateSweep(spec({ grid: [parseGridAxis('lr=1,2')], random: 1, params: [parseRandomParam('lr=uniform(0,1)')] })),
      /'lr' is swept twice/,
    );
  });

  test('the grid is cartesian; each grid point gets N random draws; the count is known first', () => {
    const grid = spec({ grid: [parseGridAxis('lr=0.1,0.01'), parseGridAxis('seed=1..3')] });
    assert.equal(sweepSize(grid), 6);
    assert.deepEqual(expandSweep(grid), [
      { lr: '0.1', seed: '1' },
      { lr: '0.1', seed: '2' },
      { lr: '0.1', seed: '3' },
      { lr: '0.01', seed: '1' },
      { lr: '0.01', seed: '2' },
      { lr: '0.01', seed: '3' },
    ]);
    const mixed = spec({
      grid: [parseGridAxis('seed=1..2')],
      random: 4,
      params: [parseRandomParam('lr=loguniform(1e-4,1e-1)'), parseRandomParam('n=int(1,3)')],
    });
    assert.equal(sweepSize(mixed), 8);
    const sets = expandSweep(mixed);
    assert.equal(sets.length, 8);
    assert.deepEqual(
      sets.map((s) => s.seed),
      ['1', '1', '1', '1', '2', '2', '2', '2'],
    );
    for (const set of sets) {
      assert.ok(Number(set.lr) >= 1e-4 && Number(set.lr) <= 0.1, set.lr);
      assert.ok(['1', '2', '3'].includes(set.n), set.n);
    }
  });

  test('the same seed draws the same values; another seed others', () => {
    const random = (seed: number) => expandSweep(spec({ random: 5, seed, params: [parseRandomParam('lr=uniform(0,1)')] }));
    assert.deepEqual(random(7), random(7));
    assert.notDeepEqual(random(7), random(8));
    assert.equal(new Set(random(7).map((s) => s.lr)).size, 5);
  });
});

describe('sweep params reach the command as it takes them', () => {
  test('flags are replaced in both forms or appended before a --', () => {
    const cmd = ['python3', '-u', 'train.py', '--lr', '0.5', '--epochs=3', '--amp'];
    assert.deepEqual(commandWithParams(cmd, { lr: '0.1', epochs: '9', seed: '2' }, 'flags'), [
      'python3',
      '-u',
      'train.py',
      '--lr',
      '0.1',
      '--epochs=9',
      '--amp',
      '--seed',
      '2',
    ]);
    assert.deepEqual(commandWithParams(['python3', 'train.py', '--amp', '--', 'x'], { amp: '1' }, 'flags'), [
      'python3',
      'train.py',
      '--amp',
      '1',
      '--',
      'x',
    ]);
    assert.deepEqual(commandWithParams(['python3', 'train.py', '--', 'x'], { lr: '1' }, 'flags'), ['python3', 'train.py', '--lr', '1', '--', 'x']);
  });

  test('Hydra overrides are replaced (keeping +) or appended', () => {
    assert.deepEqual(commandWithParams(['python3', 'app.py', 'lr=0.5', '+seed=1'], { lr: '0.1', seed: '3', 'model.depth': '4' }, 'hydra'), [
      'python3',
      'app.py',
      'lr=0.1',
      '+seed=3',
      'model.depth=4',
    ]);
  });

  test('Hydra when the command has overrides or the folder has conf/ or .hydra/ and no flags; flags otherwise', () => {
    const dir = mkdtempSync(join(tmpdir(), 'labbook-sweep-'));
    try {
      assert.equal(detectParamStyle(['python3', 'train.py'], dir), 'flags');
      assert.equal(detectParamStyle(['python3', 'app.py', 'lr=1'], dir), 'hydra');
      mkdirSync(join(dir, 'conf'));
      assert.equal(detectParamStyle(['python3', 'app.py'], dir), 'hydra');
      assert.equal(detectParamStyle(['python3', 'app.py', '--lr', '1'], dir), 'flags');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sweeps: in labbook.yaml', () => {
  test('entries become the flags they stand for; bad ones warn and are left out', () => {
    const warnings: string[] = [];
    const sweeps = parseSweeps(
      {
        lr: { command: 'python3 train.py --epochs 2', grid: { lr: [0.1, 0.01], seed: '1..3' }, parallel: 2, extra: 1 },
        rand: { command: ['python3', 'train.py'], random: 4, params: { lr: 'loguniform(1e-4,1e-1)' }, seed: 3 },
        broken: { grid: { lr: [1] } },
        odd: { command: 'x', parallel: 'two' },
      },
      (message) => warnings.push(message),
    );
    assert.deepEqual(sweeps, {
      lr: { command: ['python3', 'train.py', '--epochs', '2'], grid: ['lr=0.1,0.01', 'seed=1..3'], params: [], parallel: 2 },
      rand: { command: ['python3', 'train.py'], grid: [], params: ['lr=loguniform(1e-4,1e-1)'], random: 4, seed: 3 },
    });
    assert.deepEqual(warnings, [
      "unknown key 'sweeps.lr.extra' is ignored",
      "'sweeps.broken.command' must be a command line or a list of words; the sweep is left out",
      "'sweeps.odd.parallel' must be an integer; the sweep is left out",
    ]);
    assert.deepEqual(
      parseSweeps([1], (m) => warnings.push(m)),
      {},
    );
  });
});

describe('sweep groups in the Runs tree', () => {
  const run = (id: string, tags: Record<string, string>, loss?: number): RunListing =>
    ({ id, name: id, tags, params: {}, metrics: loss === undefined ? {} : { val_loss: { key: 'val_loss', last: loss } } }) as unknown as RunListing;
  const sweepTags = (id: string, extra: Record<string, string> = {}) => ({ 'labbook.sweep': id, 'labbook.sweep.name': `s-${id}`, ...extra });

  test("a sweep's runs are one entry at its first run's place; the best is the lowest loss", () => {
    const entries = groupSweeps(
      [run('a', {}), run('b', sweepTags('x'), 0.3), run('c', {}), run('d', sweepTags('x'), 0.1), run('e', sweepTags('x'))],
      'val_loss',
    );
    assert.deepEqual(
      entries.map((e) => (e.kind === 'run' ? e.run.id : `${e.group.name}:${e.group.runs.map((r) => r.id).join('')}:best=${e.group.best?.id}`)),
      ['a', 's-x:bde:best=d', 'c'],
    );
  });

  test("the sweep's own metric and direction win over the primary metric", () => {
    const tags = sweepTags('y', { 'labbook.sweep.metric': 'val_loss:max' });
    const [entry] = groupSweeps([run('b', tags, 0.3), run('d', tags, 0.1)], 'acc');
    assert.ok(entry.kind === 'sweep');
    assert.equal(entry.group.metric, 'val_loss');
    assert.equal(entry.group.best?.id, 'b');
    assert.deepEqual(parseSweepMetric('loss:min'), { metric: 'loss', direction: 'lower' });
    assert.equal(parseSweepMetric('loss'), undefined);
  });
});

describe('the Run Sweep form', () => {
  const fields = {
    command: 'python3 train.py --epochs 2',
    grid: ['lr=0.1,0.01', ''],
    params: ['d=uniform(0,1)'],
    random: 3,
    parallel: 2,
    name: ' s ',
  };

  test('counts runs and builds the labbook sweep arguments', () => {
    assert.equal(formRunCount(fields), 6);
    assert.deepEqual(formSweepArgs(fields), [
      '--grid',
      'lr=0.1,0.01',
      '--random',
      '3',
      '--param',
      'd=uniform(0,1)',
      '--parallel',
      '2',
      '--name',
      's',
      '--',
      'python3',
      'train.py',
      '--epochs',
      '2',
    ]);
  });

  test('a missing command or parallel 0 is refused', () => {
    assert.throws(() => formRunCount({ ...fields, command: ' ' }), /Give the command to run/);
    assert.throws(() => formRunCount({ ...fields, parallel: 0 }), /at least 1 at a time/);
  });

  test('messages from the form are checked', () => {
    assert.deepEqual(parseSweepFormMessage({ type: 'sweepForm/ready' }), { ok: true, message: { type: 'sweepForm/ready' } });
    assert.deepEqual(parseSweepFormMessage({ type: 'sweepForm/start', ...fields, random: -1 }), {
      ok: false,
      error: "Bad sweep form message: 'random' must be a whole number.",
    });
    assert.deepEqual(parseSweepFormMessage({ type: 'sweepForm/start', ...fields, grid: 'lr=1' }), {
      ok: false,
      error: "Bad sweep form message: 'grid' must be a list of at most 100 strings.",
    });
    assert.equal(parseSweepFormMessage({ type: 'x' }).ok, false);
  });
});
