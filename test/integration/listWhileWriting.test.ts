// A listing read while another process creates runs (a sweep starting runs while the tree or `labbook ls` reads)
// sees each run whole or not at all: its row, params, tags and metrics come from one snapshot of the store.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeWorkspace, openStore, waitFor } from './helpers';

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

const CREATOR = join(__dirname, '..', 'fixtures', 'scripts', 'runCreator.ts');

test('listing runs while another process creates them never sees a run in part', async () => {
  const ws = makeWorkspace();
  cleanups.push(ws.cleanup);
  const reader = openStore(ws.dir);
  reader.createRun({ name: 'before' });
  const child = spawn(process.execPath, ['--import', 'tsx', CREATOR, join(ws.dir, '.labbook')], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.unshift(() => child.exitCode === null && child.kill('SIGKILL'));
  let created = 0;
  // A chunk of output may end inside a line: the highest count seen is how many runs exist.
  child.stdout.on('data', (data: Buffer) => {
    for (const match of data.toString().matchAll(/created (\d+)/g)) created = Math.max(created, Number(match[1]));
  });
  await waitFor('the writer creating runs', () => created > 0, 60_000);
  // The writer commits a run every few hundred microseconds; listings of a growing store overlap many commits. Each
  // listing costs more as the store grows, so the goal is modest: a loaded machine made ~1,200 runs in two minutes.
  let listings = 0;
  const deadline = Date.now() + 120_000;
  while (created < 600 || listings < 30) {
    assert.equal(child.exitCode, null, `the writer exited after ${created} runs (its error is above)`);
    assert.ok(Date.now() < deadline, `the writer created only ${created} runs in two minutes`);
    for (const run of reader.listRuns()) {
      if (run.name === 'before') continue;
      assert.equal(run.params.n, run.name.slice('writer-'.length), `${run.name} listed with its own param`);
    }
    listings++;
    await new Promise((resolve) => setImmediate(resolve));
  }
  child.kill('SIGKILL');
  reader.close();
  assert.ok(listings > 10, `${listings} listings overlapped the writer`);
});
