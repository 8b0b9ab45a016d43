// `labbook doctor`: what the CLI runs on and what is wrong, never writing to the store it checks.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sqliteDriver } from '../../src/store/sqlite';
import { PYTHON, makeWorkspace, runCli } from './helpers';

const { dir, cleanup } = makeWorkspace({ git: true, files: { 'train.py': 'print("loss: 1")\n' } });
after(cleanup);

test('doctor on a healthy store names runtime, driver, schema, Python packages and git, and exits 0', async () => {
  const created = await runCli(['run', '--', process.execPath, '-e', "console.log('loss: 1')"], { cwd: dir });
  assert.equal(created.code, 0, created.stderr);
  const result = await runCli(['doctor', '--python', PYTHON, '--json'], { cwd: dir });
  assert.equal(result.code, 0, result.stdout + result.stderr);
  const checks = new Map((JSON.parse(result.stdout) as { name: string; value: string; problem?: string }[]).map((c) => [c.name, c]));
  assert.equal(checks.get('SQLite driver')?.value, sqliteDriver());
  assert.match(checks.get('runtime')?.value ?? '', new RegExp(`^Node ${process.version.replace(/\./g, '\\.')}`));
  assert.match(checks.get('schema')?.value ?? '', /^\d+ \(this Labbook: \d+\)$/);
  assert.equal(checks.get('integrity')?.value, 'ok');
  assert.equal(checks.get('runs')?.value, '1');
  assert.match(checks.get('python packages')?.value ?? '', /numpy .*sklearn/);
  assert.match(checks.get('git')?.value ?? '', /in a work tree/);
});

test('doctor on a damaged store says what is wrong and what to do, exits 1, and leaves the file as it was', async () => {
  const damaged = makeWorkspace();
  try {
    mkdirSync(join(damaged.dir, '.labbook'));
    const file = join(damaged.dir, '.labbook', 'labbook.db');
    writeFileSync(file, Buffer.alloc(8192, 7));
    const result = await runCli(['doctor', '--python', 'no-such-python-here'], { cwd: damaged.dir });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /✗ integrity +cannot be read/);
    assert.match(result.stdout, /integrity: The store .*labbook\.db is damaged .*labbook doctor.*\.recover/);
    assert.match(result.stdout, /python: cannot run it .*labbook\.python\.path/);
    assert.deepEqual(readFileSync(file), Buffer.alloc(8192, 7));
  } finally {
    damaged.cleanup();
  }
});
