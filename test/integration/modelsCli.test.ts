// `labbook models …` and `labbook gate` through the built CLI: output, exit codes, and what they leave in the store.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { auditTrail } from '../../src/store/modelAudit';
import { ModelRegistry } from '../../src/store/registry';
import { seedRun } from '../unit/modelFixtures';
import { makeWorkspace, openStore, runCli } from './helpers';

const NO_CI = { CI: '', GITHUB_ACTIONS: '', GITLAB_CI: '' };

describe('labbook models and labbook gate', () => {
  const { dir, cleanup } = makeWorkspace({ git: true, files: { 'train.py': 'print(1)\n' } });
  after(cleanup);
  // The audit trail names the git user of the workspace.
  spawnSync('git', ['config', 'user.name', 'Test'], { cwd: dir });
  spawnSync('git', ['config', 'user.email', 't@example.com'], { cwd: dir });
  const cli = (...args: string[]) => runCli(args, { cwd: dir, env: NO_CI });
  const seed = (spec: Parameters<typeof seedRun>[1]): string => {
    const store = openStore(dir);
    try {
      return seedRun(store, spec);
    } finally {
      store.close();
    }
  };

  test('gate with no store, or a store without runs, has no candidate: exit 2', async () => {
    const none = await cli('gate', '--model', 'iris', '--metric', 'acc');
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no candidate run to gate/);
    openStore(dir).close();
    const empty = await cli('gate', '--model', 'iris', '--metric', 'acc');
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /There are no runs yet/);
  });

  test('register, ls, promote, alias, history and card', async () => {
    seed({ name: 'train-1', metrics: { acc: [0.9], loss: [0.3] }, model: 'one', params: { lr: '0.1' } });
    const registered = await cli('models', 'register', 'train-1', '--name', 'iris');
    assert.equal(registered.code, 0, registered.stderr);
    assert.match(registered.stdout, /Registered iris v1 from runs:\/[0-9a-f]{32}\/model\.pkl/);

    const ls = await cli('models', 'ls');
    assert.match(ls.stdout, /^MODEL\s+VERSION\s+STAGE/);
    assert.match(ls.stdout, /iris\s+v1\s+None\s+train-1\s+loss=0\.3/);
    const json = JSON.parse((await cli('models', 'ls', 'iris', '--json')).stdout) as {
      name: string;
      versions: { version: number; runName: string }[];
    }[];
    assert.deepEqual(
      json.map((m) => [m.name, m.versions.map((v) => [v.version, v.runName])]),
      [['iris', [[1, 'train-1']]]],
    );

    assert.match((await cli('models', 'promote', 'iris', '1', '--stage', 'production')).stdout, /iris v1 → Production/);
    seed({ name: 'train-2', metrics: { acc: [0.95], loss: [0.25] }, model: 'two' });
    await cli('models', 'register', 'train-2', '--name', 'iris');
    assert.match(
      (await cli('models', 'promote', 'iris', 'v2', '--stage', 'Production', '--archive-existing')).stdout,
      /iris v2 → Production \(archived v1\)/,
    );
    assert.match((await cli('models', 'alias', 'iris', 'champion', '2')).stdout, /iris: @champion → v2/);
    assert.match((await cli('models', 'alias', 'iris', '@champion', '--remove')).stdout, /alias @champion removed/);

    const history = await cli('models', 'history', 'iris');
    assert.equal(history.code, 0);
    assert.match(history.stdout, /v1 None → Production by Test <t@example\.com> \(cli\)/);
    assert.match(history.stdout, /v1 Production → Archived by .* \(cli\)/);
    assert.match(history.stdout, /v2 alias @champion removed/);
    const trail = JSON.parse((await cli('models', 'history', 'iris', '--json')).stdout) as { action: string; source: string }[];
    assert.ok(trail.length >= 7 && trail.every((e) => e.source === 'cli'));

    const card = await cli('models', 'card', 'iris', '2', '--intended-use', 'Sorting irises.', '-o', 'card.md');
    assert.equal(card.code, 0, card.stderr);
    const text = readFileSync(join(dir, 'card.md'), 'utf8');
    assert.match(text, /# Model card: iris v2/);
    assert.match(text, /## Intended use\n\nSorting irises\./);
    assert.match((await cli('models', 'card', 'iris', '2')).stdout, /Sorting irises\./, 'the intended use is stored');
  });

  test('models commands refuse bad input with exit 2 and change nothing', async () => {
    const store = openStore(dir);
    const before = auditTrail(store, 'iris').length;
    store.close();
    for (const [args, message] of [
      [
        ['models', 'promote', 'iris', '1', '--stage', 'Live'],
        /Invalid Model Version stage: Live\. Value must be one of None, Staging, Production, Archived\./,
      ],
      [['models', 'promote', 'iris', 'x', '--stage', 'Staging'], /A version is a number/],
      [['models', 'promote', 'iris', '9', '--stage', 'Staging'], /has no version 9|version=9/],
      [['models', 'alias', 'iris', 'latest', '1'], /reserved/],
      [['models', 'register', 'nope', '--name', 'iris'], /No run/],
      [['models', 'register', 'train-1', '--path', 'missing.pkl'], /has no artifact 'missing.pkl'/],
      [['models', 'history', 'ghost'], /No registered model named 'ghost'|name=ghost not found/],
      [['models', 'frobnicate'], /Usage: labbook models/],
      [['models', 'promote', 'iris', '1'], /Usage: labbook models promote/],
    ] as const) {
      const result = await cli(...args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
    const after = openStore(dir);
    assert.equal(auditTrail(after, 'iris').length, before);
    after.close();
  });

  test('gate exit codes: 1 when not better, 0 when better (and --promote archives the old one), 2 on data errors', async () => {
    // Production is train-2 (acc 0.95).
    seed({ name: 'worse', metrics: { acc: [0.93], loss: [0.2] }, model: 'w' });
    const worse = await cli('gate', '--model', 'iris', '--metric', 'acc', '--promote');
    assert.equal(worse.code, 1, worse.stderr);
    assert.match(worse.stdout, /^FAIL: iris candidate run worse vs Production/);

    seed({ name: 'nan', metrics: { acc: [Number.NaN] }, model: 'n' });
    const nan = await cli('gate', '--model', 'iris', '--metric', 'acc');
    assert.equal(nan.code, 2);
    assert.match(nan.stderr, /NaN/);

    const missing = await cli('gate', '--model', 'iris', '--metric', 'f1', '--candidate', 'worse');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /candidate has no metric 'f1'/);
    const unknownDirection = await cli('gate', '--model', 'iris', '--metric', 'throughput', '--candidate', 'worse');
    assert.equal(unknownDirection.code, 2);
    assert.match(unknownDirection.stderr, /--higher-is-better or --lower-is-better/);
    assert.equal((await cli('gate', '--model', 'iris')).code, 2);
    assert.equal((await cli('gate', '--model', 'iris', '--metric', 'acc', '--min-delta', '-1')).code, 2);

    seed({ name: 'failed', metrics: { acc: [0.99] }, model: 'f', status: 'FAILED' });
    const failed = await cli('gate', '--model', 'iris', '--metric', 'acc');
    assert.equal(failed.code, 2);
    assert.match(failed.stderr, /FAILED, not FINISHED/);

    // Several conditions: acc must rise by 0.01 and loss must fall; the first candidate meets only one.
    seed({ name: 'mixed', metrics: { acc: [0.97], loss: [0.5] }, model: 'm' });
    const several = ['gate', '--model', 'iris', '--metric', 'acc', '--min-delta', '0.01', '--metric', 'loss', '--against', '@last'];
    const againstSelf = await cli(...several, '--candidate', 'mixed');
    assert.equal(againstSelf.code, 1, 'a run does not beat itself');

    seed({ name: 'better', metrics: { acc: [0.97], loss: [0.1] }, model: 'b' });
    const report = join(dir, 'gate.md');
    const better = await cli(
      'gate',
      '--model',
      'iris',
      '--metric',
      'acc',
      '--min-delta',
      '0.02',
      '--metric',
      'loss',
      '--promote',
      '--report',
      report,
      '--json',
    );
    assert.equal(better.code, 0, better.stderr);
    const summary = JSON.parse(better.stdout) as { verdict: string; promoted: { version: number; stage: string }; actions: string[] };
    assert.equal(summary.verdict, 'pass');
    assert.deepEqual(summary.promoted, { version: 3, stage: 'Production', alias: null });
    assert.ok(existsSync(report));
    assert.match(readFileSync(report, 'utf8'), /\| acc \| 0\.95 \| 0\.97 \| \+0\.02 \|/);

    const store = openStore(dir);
    try {
      const registry = new ModelRegistry(store);
      assert.deepEqual(
        registry.listVersions('iris').map((v) => [v.version, v.stage]),
        [
          [3, 'Production'],
          [2, 'Archived'],
          [1, 'Archived'],
        ],
      );
    } finally {
      store.close();
    }
  });
});
