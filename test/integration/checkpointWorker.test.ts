// A long-lived writer (labbook serve) checkpoints its WAL in a worker thread (dist/checkpointWorker.js): its own
// connection keeps only a far larger backstop, the worker copies commits into the database file, and closing the
// store ends the worker, whose connection was the last one open. A worker that cannot start changes nothing.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BACKSTOP_AUTOCHECKPOINT_PAGES, DEFAULT_AUTOCHECKPOINT_PAGES } from '../../src/store/checkpointer';
import { connectionOf } from '../../src/store/connection';
import { startTrackingServer } from '../../src/server/trackingServer';
import { Store } from '../../src/store/store';
import { ROOT, waitFor } from './helpers';

const WORKER = join(ROOT, 'dist', 'checkpointWorker.js');
const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function storeDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-checkpoint-'));
  dirs.push(dir);
  return join(dir, '.labbook');
}

function autocheckpoint(store: Store): number {
  return connectionOf(store).pragma('wal_autocheckpoint', { simple: true }) as number;
}

// About 1,500 pages of chunks: more than SQLite's default auto-checkpoint, less than the backstop.
function writeManyPages(store: Store): void {
  const run = store.createRun({ name: 'big' });
  const points = Array.from({ length: 500_000 }, (_, i) => ({ key: 'loss', value: Math.random(), timestamp: 1_700_000_000_000 + i, step: i }));
  store.logMetrics(run.id, points);
}

test('the worker copies commits into the database file; the writer keeps only the backstop', async () => {
  const dir = storeDir();
  const store = Store.open(dir);
  const logged: string[] = [];
  store.checkpointInBackground(WORKER, (line) => logged.push(line));
  assert.equal(autocheckpoint(store), BACKSTOP_AUTOCHECKPOINT_PAGES);
  const file = join(dir, 'labbook.db');
  const before = statSync(file).size;
  writeManyPages(store);
  await waitFor('the worker to copy the commit into the database file', () => statSync(file).size > before + 4_000_000);
  store.close();
  // The worker's connection closes after the store's: the last one to close removes the WAL.
  await waitFor('the worker to close its connection', () => !existsSync(join(dir, 'labbook.db-wal')));
  assert.deepEqual(logged, []);
  const reopened = Store.open(dir);
  assert.equal(reopened.listRuns()[0].name, 'big');
  assert.equal(reopened.metricSummaries(reopened.listRuns()[0].id)[0].count, 500_000);
  reopened.close();
});

test('a worker that cannot start leaves the writer checkpointing itself, and says so', async () => {
  const store = Store.open(storeDir());
  const logged: string[] = [];
  store.checkpointInBackground(join(ROOT, 'dist', 'no-such-worker.js'), (line) => logged.push(line));
  await waitFor('the failure to be reported', () => logged.length > 0);
  assert.match(logged[0], /background checkpoint stopped .*checkpoints itself again/);
  assert.equal(autocheckpoint(store), DEFAULT_AUTOCHECKPOINT_PAGES);
  store.close();
});

test('a tracking server starts the worker at its first request, so a runner whose script never calls MLflow has no thread', async () => {
  const store = Store.open(storeDir());
  const server = await startTrackingServer({ store, checkpointWorker: WORKER, log: () => undefined });
  try {
    assert.equal(autocheckpoint(store), DEFAULT_AUTOCHECKPOINT_PAGES);
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
    assert.equal(autocheckpoint(store), BACKSTOP_AUTOCHECKPOINT_PAGES);
  } finally {
    await server.close();
    store.close();
  }
});
