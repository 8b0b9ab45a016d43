import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { connectionOf } from '../../src/store/connection';
import { makeWorkspace, openStore, runCli } from './helpers';

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

/** A workspace with finished runs named first, second, … */
async function workspaceWithRuns(names: string[]): Promise<string> {
  const ws = makeWorkspace();
  cleanups.push(ws.cleanup);
  for (const name of names) {
    const created = await runCli(['run', '--name', name, '--', process.execPath, '-e', '0'], { cwd: ws.dir });
    assert.equal(created.code, 0, created.stderr);
  }
  return ws.dir;
}

async function cli(dir: string, args: string[]): Promise<string> {
  const result = await runCli(args, { cwd: dir });
  assert.equal(result.code, 0, `labbook ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

const listed = async (dir: string, command: 'ls' | 'trash'): Promise<string[]> =>
  (JSON.parse(await cli(dir, [command, '--json'])) as { name: string }[]).map((run) => run.name).sort();

describe('labbook rm, trash, restore', () => {
  test('rm moves runs to the Trash and says how to restore them; restore brings them back', async () => {
    const dir = await workspaceWithRuns(['first', 'second', 'third']);
    const removed = await cli(dir, ['rm', 'first', 'second']);
    assert.match(removed, /Moved first \([0-9a-f]{8}\) to the Trash/);
    assert.match(removed, /labbook restore [0-9a-f]{8} [0-9a-f]{8}/);
    assert.deepEqual(await listed(dir, 'ls'), ['third']);
    assert.deepEqual(await listed(dir, 'trash'), ['first', 'second']);
    assert.match(await cli(dir, ['trash']), /first[\s\S]*30 days/);
    const show = await runCli(['show', 'first'], { cwd: dir });
    assert.equal(show.code, 2, 'a trashed run is not found by show');
    assert.match(await cli(dir, ['restore', 'first']), /Restored first/);
    assert.deepEqual(await listed(dir, 'ls'), ['first', 'third']);
    assert.deepEqual(await listed(dir, 'trash'), ['second']);
  });

  test('rm --purge deletes active and trashed runs now', async () => {
    const dir = await workspaceWithRuns(['keep', 'gone', 'trashed']);
    await cli(dir, ['rm', 'trashed']);
    assert.match(await cli(dir, ['rm', '--purge', 'gone', 'trashed']), /Deleted gone[\s\S]*Deleted trashed/);
    assert.deepEqual(await listed(dir, 'ls'), ['keep']);
    assert.deepEqual(await listed(dir, 'trash'), []);
    const store = openStore(dir);
    assert.equal(connectionOf(store).prepare('SELECT COUNT(*) AS n FROM runs').pluck().get(), 1);
    store.close();
    const missing = await runCli(['restore', 'gone'], { cwd: dir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Trash/);
  });
});
