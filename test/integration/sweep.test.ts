// `labbook sweep` through the built CLI: the runs a grid x random sweep makes, K at a time at most, and Ctrl-C.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SWEEP_NAME_TAG, SWEEP_PRUNED_TAG, SWEEP_SPEC_TAG, SWEEP_TAG } from '../../src/core/sweep';
import type { RunListing } from '../../src/core/types';
import { listQueue } from '../../src/store/queue';
import { makeWorkspace, openStore, PYTHON, runCli, SCRIPTS, startCli, waitFor } from './helpers';
import type { CliResult } from './helpers';

function sweepRuns(dir: string, name: string): RunListing[] {
  const store = openStore(dir);
  try {
    return store.listRuns({ filter: `tags.\`${SWEEP_NAME_TAG}\` = '${name}'` }).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  } finally {
    store.close();
  }
}

/** The most runs whose [start, end] spans overlap at one time. */
function maxOverlap(runs: RunListing[]): number {
  const events = runs.flatMap((run) => [
    { at: run.startTime, delta: 1 },
    { at: run.endTime!, delta: -1 },
  ]);
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let now = 0;
  let most = 0;
  for (const event of events) most = Math.max(most, (now += event.delta));
  return most;
}

describe('labbook sweep', () => {
  const { dir, cleanup } = makeWorkspace();
  after(cleanup);
  copyFileSync(join(SCRIPTS, 'sweep_train.py'), join(dir, 'train.py'));

  test('--dry-run prints the param sets and starts nothing; bad specs exit 2 with the reason', async () => {
    const dry = await runCli(['sweep', '--dry-run', '--grid', 'lr=0.1,0.01', '--grid', 'seed=1..2', '--', PYTHON, 'train.py'], { cwd: dir });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stderr, /4 runs, 1 at a time, params as --flags/);
    assert.deepEqual(
      dry.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
      [
        { lr: '0.1', seed: '1' },
        { lr: '0.1', seed: '2' },
        { lr: '0.01', seed: '1' },
        { lr: '0.01', seed: '2' },
      ],
    );
    const bad = await runCli(['sweep', '--random', '3', '--param', 'lr=gauss(0,1)', '--', PYTHON, 'train.py'], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown distribution 'gauss'/);
    const none = await runCli(['sweep', '--grid', 'lr=1'], { cwd: dir });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Nothing to run/);
  });

  test('grid x random: one tracked run per param set, params delivered as flags, all tagged with the sweep', async () => {
    const args = [
      'sweep',
      '--name',
      'gr',
      '--seed',
      '5',
      '--grid',
      'seed=1..2',
      '--random',
      '2',
      '--param',
      'lr=loguniform(1e-3,1e-1)',
      '--parallel',
      '2',
    ];
    const expected = (await runCli([...args, '--dry-run', '--', PYTHON, 'train.py', '--lr', '0.5'], { cwd: dir })).stdout;
    const result = await runCli([...args, '--', PYTHON, 'train.py', '--lr', '0.5'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /sweep gr \([0-9a-f]{12}\): 4 finished, 0 failed or killed/);
    const runs = sweepRuns(dir, 'gr');
    const sets = expected
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, string>);
    assert.deepEqual(
      runs.map((run) => run.name),
      ['gr-1', 'gr-2', 'gr-3', 'gr-4'],
    );
    assert.deepEqual(
      runs.map((run) => ({ lr: run.params.lr, seed: run.params.seed })),
      sets,
    );
    assert.equal(new Set(runs.map((run) => run.tags[SWEEP_TAG])).size, 1);
    assert.equal(new Set(runs.map((run) => run.experimentId)).size, 1);
    assert.deepEqual(JSON.parse(runs[0].tags[SWEEP_SPEC_TAG]).random, 2);
    for (const run of runs) {
      assert.equal(run.status, 'FINISHED');
      // The script saw the swept values: its printed loss is computed from them.
      const loss = (Number(run.params.lr) - 0.01) ** 2 + 0.001 * Number(run.params.seed);
      assert.ok(Math.abs(run.metrics.val_loss.last - loss) < 1e-9, `${run.name}: ${run.metrics.val_loss.last} vs ${loss}`);
    }
  });

  test('--parallel K: never more than K runs at once (measured from the recorded run times)', async () => {
    const result = await runCli(['sweep', '--name', 'par', '--grid', 'seed=1..6', '--parallel', '2', '--', PYTHON, 'train.py', '--seconds', '0.4'], {
      cwd: dir,
    });
    assert.equal(result.code, 0, result.stderr);
    const runs = sweepRuns(dir, 'par');
    assert.equal(runs.length, 6);
    assert.equal(maxOverlap(runs), 2);
  });

  test('sweeps: in labbook.yaml runs as labbook sweep NAME', async () => {
    writeFileSync(join(dir, 'labbook.yaml'), `sweeps:\n  lrs:\n    command: ${PYTHON} train.py\n    grid:\n      lr: [0.1, 0.02]\n`);
    const result = await runCli(['sweep', 'lrs'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      sweepRuns(dir, 'lrs').map((run) => run.params.lr),
      ['0.1', '0.02'],
    );
    const unknown = await runCli(['sweep', 'nope'], { cwd: dir });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /No sweep 'nope' in labbook.yaml \(it has: lrs\)/);
  });

  test('Ctrl-C: running runs end KILLED, the rest never start, a summary is printed', async () => {
    const sweep = startCli(['sweep', '--name', 'stop', '--grid', 'seed=1..5', '--parallel', '2', '--', PYTHON, 'train.py', '--hold'], { cwd: dir });
    let ended: CliResult | undefined;
    void sweep.done.then((result) => (ended = result));
    try {
      await waitFor('two running runs', () => sweepRuns(dir, 'stop').filter((run) => run.status === 'RUNNING').length === 2);
      await waitFor('both scripts holding', () => existsSync(join(dir, 'holding-1')) && existsSync(join(dir, 'holding-2')));
      sweep.child.kill('SIGINT');
      const result = await waitFor('the sweep to end after Ctrl-C', () => ended, 30_000);
      assert.equal(result.code, 130, result.stderr);
      assert.match(result.stderr, /sweep stop \([0-9a-f]+\) stopped: 0 finished, 2 failed or killed, 3 not started/);
      const runs = sweepRuns(dir, 'stop');
      assert.deepEqual(
        runs.map((run) => run.status),
        ['KILLED', 'KILLED'],
      );
    } finally {
      // Whatever failed, the held scripts end (and the file's process with them) instead of holding CI forever.
      writeFileSync(join(dir, 'release'), '');
    }
  });
});

describe('labbook sweep --queue', () => {
  const { dir, cleanup } = makeWorkspace();
  after(cleanup);
  copyFileSync(join(SCRIPTS, 'sweep_train.py'), join(dir, 'train.py'));

  test("queues one entry per run, grouped by the sweep; a worker runs them as the sweep's runs", async () => {
    const queued = await runCli(['sweep', '--queue', '--name', 'later', '--grid', 'lr=0.1,0.01', '--', PYTHON, 'train.py'], { cwd: dir });
    assert.equal(queued.code, 0, queued.stderr);
    assert.match(queued.stderr, /queued sweep later \(([0-9a-f]+)\): 2 runs, #1–#2; a worker runs them/);
    assert.equal(sweepRuns(dir, 'later').length, 0, 'nothing ran yet');
    const store = openStore(dir);
    try {
      const entries = listQueue(store);
      assert.deepEqual(
        entries.map((entry) => [entry.state, entry.name, entry.params, entry.command.slice(1)]),
        [
          ['waiting', 'later-1', { lr: '0.1' }, ['train.py', '--lr', '0.1']],
          ['waiting', 'later-2', { lr: '0.01' }, ['train.py', '--lr', '0.01']],
        ],
      );
      assert.equal(new Set(entries.map((entry) => entry.group)).size, 1);
      assert.equal(entries[0].group, entries[0].tags[SWEEP_TAG]);
    } finally {
      store.close();
    }
    const worker = await runCli(['queue', 'worker', '--once', '--parallel', '1'], { cwd: dir });
    assert.equal(worker.code, 0, worker.stderr);
    const runs = sweepRuns(dir, 'later');
    assert.deepEqual(
      runs.map((run) => [run.name, run.status, run.params.lr]),
      [
        ['later-1', 'FINISHED', '0.1'],
        ['later-2', 'FINISHED', '0.01'],
      ],
    );
    const optuna = await runCli(['sweep', '--queue', '--optuna', '--metric', 'l', '--param', 'lr=uniform(0,1)', '--', PYTHON, 'train.py'], {
      cwd: dir,
    });
    assert.equal(optuna.code, 2);
    assert.match(optuna.stderr, /an Optuna sweep runs in place/);
  });
});

describe('labbook sweep --optuna', () => {
  const { dir, cleanup } = makeWorkspace();
  after(cleanup);
  copyFileSync(join(SCRIPTS, 'sweep_train.py'), join(dir, 'train.py'));

  test('finds the known optimum of a deterministic objective within its trial budget', async () => {
    // val_loss = (lr - 0.01)^2: the optimum is lr = 0.01.
    const args = ['sweep', '--optuna', '--name', 'opt', '--seed', '3', '--metric', 'val_loss', '--minimize', '--trials', '15', '--python', PYTHON];
    const result = await runCli([...args, '--param', 'lr=uniform(0,0.2)', '--', PYTHON, 'train.py'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const runs = sweepRuns(dir, 'opt');
    assert.equal(runs.length, 15);
    const best = runs.reduce((a, b) => (b.metrics.val_loss.last < a.metrics.val_loss.last ? b : a));
    assert.ok(Math.abs(Number(best.params.lr) - 0.01) < 0.01, `best lr ${best.params.lr}`);
    assert.match(result.stderr, new RegExp(`best trial: ${best.name} with val_loss=`));
    assert.equal(best.tags['labbook.sweep.metric'], 'val_loss:min');
  });

  test('prunes trials whose intermediate values fall behind, stops and tags them, and still finds the optimum', async () => {
    // Ten epochs of val_loss falling to (lr - 0.01)^2; the median pruner stops trials worse than the median at a step.
    const args = ['sweep', '--optuna', '--name', 'pruned', '--seed', '3', '--metric', 'val_loss', '--trials', '12', '--python', PYTHON];
    const command = [PYTHON, 'train.py', '--epochs', '10', '--epoch-seconds', '0.25'];
    const result = await runCli([...args, '--param', 'lr=uniform(0,0.2)', '--', ...command], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const runs = sweepRuns(dir, 'pruned');
    assert.equal(runs.length, 12);
    const pruned = runs.filter((run) => run.tags[SWEEP_PRUNED_TAG] !== undefined);
    assert.ok(pruned.length > 0, 'no trial was pruned');
    assert.match(result.stderr, new RegExp(`: ${12 - pruned.length} finished, ${pruned.length} pruned, 0 failed or killed`));
    const store = openStore(dir);
    try {
      const logged = pruned.map((run) => store.history(run.id, 'val_loss').length);
      for (const [k, run] of pruned.entries()) {
        assert.equal(run.status, 'KILLED', run.name);
        assert.ok(Number(run.tags[SWEEP_PRUNED_TAG]) < logged[k], `${run.name} pruned at step ${run.tags[SWEEP_PRUNED_TAG]}`);
      }
      // A value counts once a later step exists, so a trial pruned at step 8 has logged all 10 before it is stopped
      // (a loaded machine reports late and makes that likelier); pruning must still save epochs somewhere.
      assert.ok(
        logged.some((count) => count < 10),
        `every pruned trial logged all its epochs: ${logged.join(', ')}`,
      );
    } finally {
      store.close();
    }
    const finished = runs.filter((run) => run.tags[SWEEP_PRUNED_TAG] === undefined);
    assert.ok(finished.every((run) => run.status === 'FINISHED'));
    const best = finished.reduce((a, b) => (b.metrics.val_loss.last < a.metrics.val_loss.last ? b : a));
    assert.ok(Math.abs(Number(best.params.lr) - 0.01) < 0.02, `best lr ${best.params.lr}`);
    assert.match(result.stderr, new RegExp(`best trial: ${best.name} with val_loss=`));
  });

  test('without --metric, or with a grid, it says what is missing', async () => {
    const noMetric = await runCli(['sweep', '--optuna', '--param', 'lr=uniform(0,1)', '--', PYTHON, 'train.py'], { cwd: dir });
    assert.equal(noMetric.code, 2);
    assert.match(noMetric.stderr, /--optuna needs --metric NAME/);
    const grid = await runCli(['sweep', '--optuna', '--metric', 'l', '--grid', 'lr=1,2', '--', PYTHON, 'train.py'], { cwd: dir });
    assert.match(grid.stderr, /searches --param distributions \(not --grid\)/);
    const pruner = await runCli(
      ['sweep', '--optuna', '--metric', 'l', '--pruner', 'hyperband', '--param', 'lr=uniform(0,1)', '--', PYTHON, 'train.py'],
      {
        cwd: dir,
      },
    );
    assert.equal(pruner.code, 2);
    assert.match(pruner.stderr, /--pruner takes median or none, got 'hyperband'/);
  });
});
