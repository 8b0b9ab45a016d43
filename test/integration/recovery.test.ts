import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { isProcessAlive } from '../../src/capture/recovery';
import { procStatFields } from '../../src/capture/systemSampler';
import type { Store } from '../../src/store/store';
import { PYTHON, SCRIPTS, makeWorkspace, openStore, readyPid, runCli, startCli, waitFor } from './helpers';
import { connectionOf } from '../../src/store/connection';

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

function workspace(): string {
  const ws = makeWorkspace();
  cleanups.push(ws.cleanup);
  return ws.dir;
}

interface Listed {
  id: string;
  status: string;
  metrics: Record<string, { count: number } | undefined>;
}

async function listRuns(dir: string, env: NodeJS.ProcessEnv = {}): Promise<Listed[]> {
  const listed = await runCli(['ls', '--json'], { cwd: dir, env });
  assert.equal(listed.code, 0, listed.stderr);
  return JSON.parse(listed.stdout) as Listed[];
}

/** Starts held_logger.py under the runner and waits until its first half is in the console log. */
async function startHeld(
  dir: string,
  points: number,
  env: NodeJS.ProcessEnv = {},
): Promise<{ runner: ReturnType<typeof startCli>; scriptPid: number }> {
  const runner = startCli(['run', '--', PYTHON, join(SCRIPTS, 'held_logger.py'), String(points)], { cwd: dir, env });
  await waitFor('the script to be ready', () => existsSync(join(dir, 'ready.txt')));
  const runs = join(dir, '.labbook', 'runs');
  // The runner must have written the first half to its console log before the test acts on it.
  await waitFor('the console log to hold the first half', () =>
    readdirSync(runs).some((id) => readFileSync(join(runs, id, 'console.log'), 'utf8').includes('first half done')),
  );
  return { runner, scriptPid: await readyPid(join(dir, 'ready.txt')) };
}

function steps(store: Store, runId: string, key: string): number[] {
  return store.history(runId, key).map((p) => p.step);
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function canWrite(store: Store): boolean {
  connectionOf(store).pragma('busy_timeout = 0');
  try {
    connectionOf(store).exec('BEGIN IMMEDIATE; ROLLBACK');
    return true;
  } catch {
    return false;
  } finally {
    connectionOf(store).pragma('busy_timeout = 10000');
  }
}

/**
 * SIGSTOPs a runner at a moment it holds no write lock. Stopped inside one of its short write transactions, it
 * would block every writer until it resumes, which no Labbook process can undo; the test is about what follows.
 */
async function stopRunner(pid: number, store: Store): Promise<void> {
  for (;;) {
    process.kill(pid, 'SIGSTOP');
    await waitFor('the runner to stop', () => procStatFields(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[0] === 'T');
    if (canWrite(store)) return;
    process.kill(pid, 'SIGCONT');
  }
}

describe('recovery of a run whose runner vanished or paused', () => {
  test('a script that outlives its SIGKILLed runner keeps its run RUNNING and every point; the run is CRASHED once the script ends', async () => {
    const dir = workspace();
    const { runner, scriptPid } = await startHeld(dir, 2000);
    runner.child.kill('SIGKILL');
    await runner.done;

    const [live] = await listRuns(dir);
    assert.equal(live.status, 'RUNNING', 'a run whose script is alive is not taken');
    assert.equal(live.metrics.module?.count, 1000, 'what the script logged so far is ingested');
    assert.ok(existsSync(join(dir, '.labbook', 'runs', live.id, 'journal.jsonl')), 'the journal the script writes to is kept');

    writeFileSync(join(dir, 'go.txt'), '');
    await waitFor('the script to end', () => existsSync(join(dir, 'done.txt')) && !isProcessAlive(scriptPid));
    const [ended] = await listRuns(dir);
    assert.equal(ended.status, 'CRASHED');
    const store = openStore(dir);
    assert.deepEqual(steps(store, ended.id, 'module'), range(2000), 'points logged after the runner died are kept, once each');
    assert.deepEqual(steps(store, ended.id, 'printed'), range(1000), 'every printed line in the console log, once each');
    assert.ok(!existsSync(store.runDir(ended.id)));
    store.close();
  });

  test('printed metrics the runner read but had not stored when SIGKILLed are recovered from the console log', async () => {
    const dir = workspace();
    // The runner never flushes on its own here, so every printed point is read but not stored when it dies.
    const { runner, scriptPid } = await startHeld(dir, 400, { LABBOOK_FLUSH_INTERVAL_MS: '600000' });
    runner.child.kill('SIGKILL');
    await runner.done;
    process.kill(scriptPid, 'SIGKILL');
    await waitFor('the orphaned script to exit', () => !isProcessAlive(scriptPid));

    const [run] = await listRuns(dir);
    assert.equal(run.status, 'CRASHED');
    const store = openStore(dir);
    assert.deepEqual(steps(store, run.id, 'printed'), range(200));
    assert.deepEqual(steps(store, run.id, 'module'), range(200));
    store.close();
  });

  test('a runner paused past the stale heartbeat wins: no CRASHED while its script runs, and it re-asserts FINISHED with every point', async () => {
    const dir = workspace();
    const env = { LABBOOK_HEARTBEAT_STALE_MS: '1000' };
    const { runner } = await startHeld(dir, 3000, env);
    const pid = runner.child.pid!;
    const store = openStore(dir);
    const runId = store.listRuns()[0].id;
    const heartbeat = (): number =>
      (connectionOf(store).prepare('SELECT heartbeat_at FROM runs WHERE id = ?').get(runId) as { heartbeat_at: number }).heartbeat_at;
    try {
      await stopRunner(pid, store); // Ctrl-Z, or a laptop suspend as the runner sees it
      await waitFor('the heartbeat to go stale', () => Date.now() - heartbeat() > 1500);
      assert.equal((await listRuns(dir, env))[0].status, 'RUNNING', 'a run whose script is alive is not taken');

      writeFileSync(join(dir, 'go.txt'), '');
      await waitFor('the script to finish', () => existsSync(join(dir, 'done.txt')));
      // The script is a zombie now (its parent is stopped): recovery takes the run as a crash.
      const deadline = Date.now() + 20_000;
      while ((await listRuns(dir, env))[0].status !== 'CRASHED') assert.ok(Date.now() < deadline, 'recovery marks the run CRASHED');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const result = await runner.done;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /finished/);
    const run = store.getRun(runId);
    assert.equal(run.status, 'FINISHED');
    assert.equal(run.exitCode, 0);
    assert.deepEqual(steps(store, runId, 'module'), range(3000));
    assert.deepEqual(steps(store, runId, 'printed'), range(3000), 'no printed point lost or doubled between recovery and the runner');
    assert.ok(!existsSync(store.runDir(runId)));
    store.close();
  });
});
