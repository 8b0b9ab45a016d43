import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { listQueue, type QueueEntry } from '../../src/store/queue';
import type { Run } from '../../src/core/types';
import { PYTHON, makeWorkspace, openStore, runCli, startCli, waitFor } from './helpers';

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

function workspace(): string {
  const ws = makeWorkspace();
  cleanups.push(ws.cleanup);
  return ws.dir;
}

// A quick run that logs its GPU (what CUDA_VISIBLE_DEVICES it got) and a metric.
const QUICK =
  "import os, time; print('loss=0.5'); open('gpu-' + os.environ.get('LABBOOK_RUN_ID', '?'), 'w').write(os.environ.get('CUDA_VISIBLE_DEVICES', '-')); time.sleep(0.4)";
// A run that holds until the test writes release.txt.
const HELD =
  "import os, time\nopen('held.txt', 'w').write(str(os.getpid()))\nprint('loss=1.0', flush=True)\nwhile not os.path.exists('release.txt'): time.sleep(0.05)";

async function add(dir: string, code: string, name: string): Promise<number> {
  const added = await runCli(['queue', 'add', '--name', name, '--', PYTHON, '-c', code], { cwd: dir });
  assert.equal(added.code, 0, added.stderr);
  return Number(added.stdout.trim());
}

function snapshot(dir: string): { entries: QueueEntry[]; runs: Map<string, Run> } {
  const store = openStore(dir);
  try {
    const entries = listQueue(store);
    const runs = new Map(entries.filter((e) => e.runId).map((e) => [e.runId!, store.getRun(e.runId!)]));
    return { entries, runs };
  } finally {
    store.close();
  }
}

/** The most runs alive at once, from their recorded start and end times. */
function peakConcurrency(runs: readonly Run[]): number {
  const events = runs.flatMap((run) => [
    { at: run.startTime, delta: 1 },
    { at: run.endTime ?? Infinity, delta: -1 },
  ]);
  events.sort((a, b) => a.at - b.at || a.delta - b.delta); // an end and a start at the same instant do not overlap
  let alive = 0;
  let peak = 0;
  for (const event of events) peak = Math.max(peak, (alive += event.delta));
  return peak;
}

describe('the run queue and its worker', () => {
  test('a worker with --parallel 2 runs five queued runs, never three at once, each tracked like labbook run', async () => {
    const dir = workspace();
    for (let i = 0; i < 5; i++) await add(dir, QUICK, `q${i}`);
    const worker = await runCli(['queue', 'worker', '--parallel', '2', '--once'], { cwd: dir });
    assert.equal(worker.code, 0, worker.stderr);
    const { entries, runs } = snapshot(dir);
    assert.deepEqual(
      entries.map((e) => e.state),
      ['done', 'done', 'done', 'done', 'done'],
    );
    assert.deepEqual(
      [...runs.values()].map((run) => run.status),
      ['FINISHED', 'FINISHED', 'FINISHED', 'FINISHED', 'FINISHED'],
    );
    assert.equal(peakConcurrency([...runs.values()]), 2);
    const listed = JSON.parse((await runCli(['ls', '--json'], { cwd: dir })).stdout) as { name: string; metrics: Record<string, { last: number }> }[];
    assert.deepEqual(listed.map((run) => run.name).sort(), ['q0', 'q1', 'q2', 'q3', 'q4']);
    assert.ok(listed.every((run) => run.metrics.loss?.last === 0.5));
  });

  test('two workers at once never run an entry twice', async () => {
    const dir = workspace();
    for (let i = 0; i < 6; i++) await add(dir, QUICK, `q${i}`);
    const results = await Promise.all([1, 2].map(() => runCli(['queue', 'worker', '--parallel', '1', '--once'], { cwd: dir })));
    for (const result of results) assert.equal(result.code, 0, result.stderr);
    const { entries, runs } = snapshot(dir);
    assert.ok(entries.every((e) => e.state === 'done' && e.attempts === 1));
    assert.equal(runs.size, 6);
    assert.equal(new Set(entries.map((e) => e.worker?.pid)).size, 2, 'both workers took entries');
  });

  test('one GPU per run: with nvidia-smi listing two GPUs, K is 2 and each run sees the device it holds', async () => {
    const dir = workspace();
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'nvidia-smi'), '#!/bin/sh\necho "GPU 0: Fake A (UUID: GPU-a)"\necho "GPU 1: Fake B (UUID: GPU-b)"\n');
    chmodSync(join(bin, 'nvidia-smi'), 0o755);
    for (let i = 0; i < 4; i++) await add(dir, QUICK, `g${i}`);
    const worker = await runCli(['queue', 'worker', '--once'], { cwd: dir, env: { PATH: `${bin}:${process.env.PATH}` } });
    assert.equal(worker.code, 0, worker.stderr);
    assert.match(worker.stderr, /runs 2 at a time \(one per GPU\)/);
    const { entries, runs } = snapshot(dir);
    assert.ok(peakConcurrency([...runs.values()]) <= 2);
    for (const entry of entries) assert.equal(readFileSync(join(dir, `gpu-${entry.runId}`), 'utf8'), entry.device);
    assert.deepEqual(new Set(entries.map((e) => e.device)), new Set(['0', '1']));
  });

  test('cancel stops a running entry (its run ends KILLED) and cancels a waiting one; retry runs it again', async () => {
    const dir = workspace();
    const held = await add(dir, HELD, 'held');
    const waiting = await add(dir, QUICK, 'waiting');
    const worker = startCli(['queue', 'worker', '--parallel', '1'], { cwd: dir });
    cleanups.unshift(() => worker.child.kill('SIGKILL'));
    await waitFor('the held run to start', () => existsSync(join(dir, 'held.txt')));
    assert.equal((await runCli(['queue', 'cancel', String(waiting)], { cwd: dir })).stdout.trim(), `#${waiting} cancelled`);
    assert.match((await runCli(['queue', 'cancel', String(held)], { cwd: dir })).stdout, /running \(its worker is stopping it\)/);
    await waitFor('the held entry to be cancelled', () => snapshot(dir).entries.find((e) => e.id === held)?.state === 'cancelled');
    const { entries, runs } = snapshot(dir);
    assert.equal(runs.get(entries.find((e) => e.id === held)!.runId!)?.status, 'KILLED');
    const again = await runCli(['queue', 'cancel', String(held)], { cwd: dir });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already ended \(cancelled\)/);
    assert.equal((await runCli(['queue', 'retry', String(waiting)], { cwd: dir })).stdout.trim(), `#${waiting} waiting`);
    await waitFor('the retried entry to run', () => snapshot(dir).entries.find((e) => e.id === waiting)?.state === 'done');
    worker.child.kill('SIGTERM');
    assert.equal((await worker.done).code, 0);
  });

  test('a SIGKILLed worker: its run ends CRASHED, its entry fails with "worker died", and the next worker resumes the queue', async () => {
    const dir = workspace();
    const held = await add(dir, HELD, 'held');
    for (let i = 0; i < 2; i++) await add(dir, QUICK, `after${i}`);
    const first = startCli(['queue', 'worker', '--parallel', '1'], { cwd: dir });
    cleanups.unshift(() => writeFileSync(join(dir, 'release.txt'), ''));
    await waitFor('the held run to start', () => existsSync(join(dir, 'held.txt')));
    first.child.kill('SIGKILL');
    await first.done;
    // The script outlives its worker (its own process group) and still holds the only slot.
    const second = startCli(['queue', 'worker', '--parallel', '1', '--once'], { cwd: dir });
    let stderr = '';
    second.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    await waitFor('the next worker to see the orphan', () => stderr.includes(`#${held} is still running`));
    const released = Date.now();
    writeFileSync(join(dir, 'release.txt'), '');
    const result = await second.done;
    assert.equal(result.code, 0, result.stderr);
    const { entries, runs } = snapshot(dir);
    const heldEntry = entries.find((e) => e.id === held)!;
    assert.deepEqual([heldEntry.state, heldEntry.reason], ['failed', 'worker died (run CRASHED)']);
    assert.equal(runs.get(heldEntry.runId!)?.status, 'CRASHED');
    const rest = entries.filter((e) => e.id !== held);
    assert.deepEqual(
      rest.map((e) => e.state),
      ['done', 'done'],
    );
    assert.ok(
      rest.every((e) => e.startedAt! >= released),
      'nothing started while the orphaned script held the slot',
    );
    assert.equal((await runCli(['queue', 'retry', String(held)], { cwd: dir })).code, 0);
  });
});
