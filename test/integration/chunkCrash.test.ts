// A writer SIGKILLed at any moment (while appending open rows, sealing them into a chunk, or writing a batch as
// chunks) loses nothing it acknowledged: every acknowledged point reads back exactly, in order, and the next writer
// continues the same series (docs/architecture.md, "Metric history").
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { connectionOf } from '../../src/store/connection';
import { pointAt } from '../fixtures/scripts/chunkPoints';
import { makeWorkspace, openStore, waitFor } from './helpers';

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

const LOGGER = join(__dirname, '..', 'fixtures', 'scripts', 'chunkLogger.ts');

/** Starts the logger and SIGKILLs it once it has acknowledged at least `atLeast` points; returns the last acknowledged count. */
async function logThenKill(storeDir: string, runId: string, atLeast: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', LOGGER, storeDir, runId], { stdio: ['ignore', 'pipe', 'inherit'] });
  let acknowledged = 0;
  let pending = '';
  child.stdout.on('data', (data: Buffer) => {
    pending += data.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) acknowledged = Number(line.slice('ack '.length));
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await waitFor(`${atLeast} points acknowledged`, () => acknowledged >= atLeast, 60_000);
  child.kill('SIGKILL');
  await exited;
  // Lines still in the pipe when it died were acknowledged too.
  return acknowledged;
}

test('a writer SIGKILLed while logging into chunks loses no acknowledged point', async () => {
  const ws = makeWorkspace();
  cleanups.push(ws.cleanup);
  const storeDir = join(ws.dir, '.labbook');
  const store = openStore(ws.dir);
  const runId = store.createRun().id;
  store.close();
  for (const atLeast of [3_000, 9_000, 16_000]) {
    const acknowledged = await logThenKill(storeDir, runId, atLeast);
    const reader = openStore(ws.dir);
    try {
      const history = reader.history(runId, 'loss');
      assert.ok(history.length >= acknowledged, `${history.length} points stored, ${acknowledged} acknowledged`);
      history.forEach((point, i) => assert.deepEqual(point, pointAt(i), `point ${i}`));
      assert.equal(reader.metricSummaries(runId)[0].count, history.length, 'the summary counts what is stored');
      assert.equal(connectionOf(reader).pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      reader.close();
    }
  }
  const reader = openStore(ws.dir);
  const chunks = connectionOf(reader).prepare('SELECT count(*) FROM metric_chunks').pluck().get() as number;
  reader.close();
  assert.ok(chunks > 5, `the series went through chunks (${chunks})`);
});
