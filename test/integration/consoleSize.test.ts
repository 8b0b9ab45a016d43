import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { peakRssMib } from '../../scripts/bench/runnerMemory';
import { isProcessAlive } from '../../src/capture/recovery';
import { CLI, PYTHON, SCRIPTS, makeWorkspace, openStore, readyPid, runCli, startCli, waitFor } from './helpers';

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

function workspace(): string {
  const ws = makeWorkspace();
  cleanups.push(ws.cleanup);
  return ws.dir;
}

/** Peak RSS in MiB of `labbook run` tracking print_bulk.py printing `mib` MiB. */
const runnerPeakMib = (dir: string, mib: number): number =>
  peakRssMib(dir, [process.execPath, CLI, 'run', '--', PYTHON, join(SCRIPTS, 'print_bulk.py'), String(mib)]);

describe('console output of any size', () => {
  test('a crashed run with a console log over 2 GiB is recovered by streaming it: points past the offset parsed, the log stored', async () => {
    const dir = workspace();
    const runner = startCli(['run', '--', PYTHON, join(SCRIPTS, 'held_logger.py'), '20'], { cwd: dir });
    await waitFor('the script to be ready', () => existsSync(join(dir, 'ready.txt')));
    const runs = join(dir, '.labbook', 'runs');
    const consolePath = (): string | undefined =>
      readdirSync(runs)
        .map((id) => join(runs, id, 'console.log'))
        .find((path) => readFileSync(path, 'utf8').includes('first half done'));
    const path = await waitFor('the console log to hold the first half', consolePath);
    runner.child.kill('SIGKILL');
    await runner.done;
    const scriptPid = await readyPid(join(dir, 'ready.txt'));
    process.kill(scriptPid, 'SIGKILL');
    await waitFor('the orphaned script to exit', () => !isProcessAlive(scriptPid));
    // What the runner wrote before it died, then 2.2 GiB more (sparse, as fast to make as a file can be).
    truncateSync(path, statSync(path).size + Math.round(2.2 * 1024 ** 3));
    appendFileSync(path, '\nstep 99 printed: 7.5\n');
    const size = statSync(path).size;

    const listed = await runCli(['ls', '--json'], { cwd: dir });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stderr, /marked CRASHED/);
    const store = openStore(dir);
    const run = store.listRuns()[0];
    assert.equal(run.status, 'CRASHED');
    assert.deepEqual(
      store.history(run.id, 'printed').map((p) => p.step),
      [...Array.from({ length: 10 }, (_, i) => i), 99],
    );
    const log = store.artifacts(run.id).find((a) => a.role === 'log');
    assert.equal(log?.size, size);
    assert.equal(statSync(store.objects.pathOf(log!.sha256)).size, size);
    assert.ok(!existsSync(store.runDir(run.id)));
    store.close();

    const shown = spawnSync(process.execPath, [CLI, 'log', run.id], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    assert.equal(shown.status, 0, `labbook log streams it: ${shown.stderr}`);
  });

  test("the runner's memory does not grow with its console output (64 MiB printed; npm run bench prints 300 MiB)", () => {
    const dir = workspace();
    const small = runnerPeakMib(dir, 1);
    const large = runnerPeakMib(dir, 64);
    assert.ok(large - small < 24, `peak RSS ${small.toFixed(0)} MiB for 1 MiB of output, ${large.toFixed(0)} MiB for 64 MiB`);
    const store = openStore(dir);
    const [bulk] = store.listRuns();
    assert.equal(bulk.metrics.bulk?.count, 64);
    assert.ok(store.artifacts(bulk.id).find((a) => a.role === 'log')!.size > 63 * 1024 * 1024, 'the whole console log is stored');
    store.close();
  });
});
