// `node --import tsx scripts/soak.ts [orphan] [suspend] [gc] [output]`: the data-loss probes of issue 11 at full
// size (the integration suite runs them scaled down). Needs `npm run build` first; prints one line per probe and
// exits non-zero when one loses data. See docs/testing.md.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '../src/capture/recovery';
import { CLI, PYTHON, SCRIPTS, makeWorkspace, openStore, runCli, startCli, waitFor } from '../test/integration/helpers';
import { peakRssMib } from './bench/runnerMemory';

const MINUTE = 60_000;

async function status(dir: string): Promise<string> {
  const listed = await runCli(['ls', '--json'], { cwd: dir });
  assert.equal(listed.code, 0, listed.stderr);
  return (JSON.parse(listed.stdout) as { status: string }[])[0].status;
}

function count(dir: string, key: string): number {
  const store = openStore(dir);
  try {
    return store.history(store.listRuns()[0].id, key).length;
  } finally {
    store.close();
  }
}

/** held_logger.py under the runner, its first half in the console log. */
async function startHeld(dir: string, points: number): Promise<{ runner: ReturnType<typeof startCli>; scriptPid: number }> {
  const runner = startCli(['run', '--', PYTHON, join(SCRIPTS, 'held_logger.py'), String(points)], { cwd: dir });
  await waitFor('the script to be ready', () => existsSync(join(dir, 'ready.txt')), MINUTE);
  const runs = join(dir, '.labbook', 'runs');
  await waitFor(
    'the first half in the console log',
    () => readdirSync(runs).some((id) => readFileSync(join(runs, id, 'console.log'), 'utf8').includes('first half done')),
    MINUTE,
  );
  return { runner, scriptPid: Number(readFileSync(join(dir, 'ready.txt'), 'utf8')) };
}

/** Runner SIGKILLed while its script lives on and logs 15,767 points; five tries. */
async function orphan(dir: string): Promise<string> {
  const { runner, scriptPid } = await startHeld(dir, 15_767);
  runner.child.kill('SIGKILL');
  await runner.done;
  assert.equal(await status(dir), 'RUNNING');
  writeFileSync(join(dir, 'go.txt'), '');
  await waitFor('the script to end', () => existsSync(join(dir, 'done.txt')) && !isProcessAlive(scriptPid), 5 * MINUTE);
  assert.equal(await status(dir), 'CRASHED');
  assert.equal(count(dir, 'module'), 15_767);
  return 'module points kept: 15,767 of 15,767';
}

/** Runner stopped (SIGSTOP) past the real 60 s heartbeat threshold while its script finishes. */
async function suspend(dir: string): Promise<string> {
  const { runner } = await startHeld(dir, 3000);
  process.kill(runner.child.pid!, 'SIGSTOP');
  try {
    const resumeAt = Date.now() + 65_000;
    await waitFor('65 s of pause', () => Date.now() > resumeAt, 2 * MINUTE);
    assert.equal(await status(dir), 'RUNNING');
    writeFileSync(join(dir, 'go.txt'), '');
    await waitFor('the script to finish', () => existsSync(join(dir, 'done.txt')), MINUTE);
  } finally {
    process.kill(runner.child.pid!, 'SIGCONT');
  }
  assert.equal((await runner.done).code, 0);
  assert.equal(await status(dir), 'FINISHED');
  assert.equal(count(dir, 'module'), 3000);
  return 'FINISHED with 3,000 of 3,000 points after a 65 s pause';
}

/** gc in a loop while a run logs 301 artifacts whose content was stored two hours earlier. */
async function gc(dir: string): Promise<string> {
  await runCli(['run', '--', process.execPath, '-e', '0'], { cwd: dir });
  const store = openStore(dir);
  const old = new Date(Date.now() - 2 * 3600_000);
  for (let i = 0; i < 301; i++) utimesSync(store.objects.pathOf(store.objects.putBuffer(`blob ${i}\n`.repeat(4096))), old, old);
  for (let i = 0; i < 20_000; i++) store.objects.putBuffer(`young ${i}`);
  store.close();
  const runner = startCli(['run', '--', PYTHON, join(SCRIPTS, 'artifact_logger.py'), '301'], { cwd: dir });
  let running = true;
  void runner.done.then(() => (running = false));
  while (running) assert.equal((await runCli(['gc'], { cwd: dir })).code, 0);
  const after = openStore(dir);
  const artifacts = after.artifacts(after.listRuns()[0].id).filter((a) => a.path.startsWith('out/'));
  const missing = artifacts.filter((a) => !after.objects.has(a.sha256)).length;
  after.close();
  assert.equal(missing, 0);
  return `artifacts whose blob gc removed: ${missing} of ${artifacts.length}`;
}

/** A script printing 2.3 GiB through the runner. */
async function output(dir: string): Promise<string> {
  const peak = peakRssMib(dir, [process.execPath, CLI, 'run', '--', PYTHON, join(SCRIPTS, 'print_bulk.py'), String(Math.round(2.3 * 1024))]);
  assert.equal(await status(dir), 'FINISHED');
  assert.equal(count(dir, 'bulk'), Math.round(2.3 * 1024));
  assert.ok(peak < 150, `runner peak RSS ${peak} MiB`);
  return `FINISHED, every printed point kept, runner peak RSS ${peak.toFixed(0)} MiB`;
}

const PROBES: Record<string, (dir: string) => Promise<string>> = { orphan, suspend, gc, output };

async function main(): Promise<void> {
  const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(PROBES);
  let failed = 0;
  for (const name of names) {
    const tries = name === 'orphan' ? 5 : 1;
    for (let i = 1; i <= tries; i++) {
      const ws = makeWorkspace();
      try {
        process.stdout.write(`${name} ${i}/${tries}: ${await PROBES[name](ws.dir)}\n`);
      } catch (error) {
        failed += 1;
        process.stdout.write(`${name} ${i}/${tries}: FAILED ${(error as Error).message}\n`);
      } finally {
        ws.cleanup();
      }
    }
  }
  process.exitCode = failed ? 1 : 0;
}

void main();
