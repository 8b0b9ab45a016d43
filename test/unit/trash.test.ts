import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { resolveRunRef, resolveTrashedRunRef, RunRefError } from '../../src/store/runRefs';
import { Store } from '../../src/store/store';
import { setRunLifecycle } from '../../src/store/tracking';
import { emptyTrash, listTrash, purgeExpiredTrash, purgeTrashedRuns, restoreRuns, trashRuns, TRASH_DAYS } from '../../src/store/trash';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function storeDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-trash-'));
  dirs.push(dir);
  return join(dir, '.labbook');
}

function storeWithRuns(count: number): { store: Store; ids: string[] } {
  const store = Store.open(storeDir());
  const ids = Array.from({ length: count }, (_, i) => {
    const run = store.createRun({ name: `run-${i}`, status: 'FINISHED' });
    store.logMetrics(run.id, [{ key: 'loss', value: i, step: 0, timestamp: 1 }]);
    return run.id;
  });
  return { store, ids };
}

const DAY = 24 * 3600_000;

describe('Trash', () => {
  test('moving runs to the Trash hides them from listings and references, and keeps their data', () => {
    const { store, ids } = storeWithRuns(3);
    assert.equal(trashRuns(store, [ids[0], ids[1]], 1000), 2);
    assert.deepEqual(
      store.listRuns().map((run) => run.id),
      [ids[2]],
    );
    assert.equal(store.countRuns(), 1);
    assert.throws(() => resolveRunRef(store, 'run-0'), RunRefError);
    assert.throws(() => resolveRunRef(store, ids[0]), RunRefError, 'a full id of a trashed run is not resolved either');
    const trash = listTrash(store);
    assert.deepEqual(trash.map((run) => [run.name, run.deletedAt]).sort(), [
      ['run-0', 1000],
      ['run-1', 1000],
    ]);
    assert.equal(trash[0].expiresAt, 1000 + TRASH_DAYS * DAY);
    assert.equal(store.history(ids[0], 'loss').length, 1);
    store.close();
  });

  test('restoring brings runs back as they were', () => {
    const { store, ids } = storeWithRuns(2);
    trashRuns(store, ids, 5);
    assert.equal(resolveTrashedRunRef(store, 'run-1').id, ids[1]);
    assert.equal(restoreRuns(store, [ids[1]]), 1);
    assert.deepEqual(
      store.listRuns().map((run) => run.id),
      [ids[1]],
    );
    assert.deepEqual(
      listTrash(store).map((run) => run.id),
      [ids[0]],
    );
    assert.throws(() => resolveTrashedRunRef(store, 'run-1'), /Trash/);
    assert.equal(store.listRuns()[0].metrics.loss.last, 1);
    store.close();
  });

  test('purging deletes only trashed runs; emptying deletes the whole Trash', () => {
    const { store, ids } = storeWithRuns(4);
    trashRuns(store, [ids[0], ids[1], ids[2]], 5);
    assert.equal(purgeTrashedRuns(store, [ids[0], ids[3]]), 1, 'an active run is not purged');
    assert.equal(store.findRun(ids[0]), undefined);
    assert.equal(emptyTrash(store), 2);
    assert.deepEqual(listTrash(store), []);
    assert.deepEqual(
      store.listRuns().map((run) => run.id),
      [ids[3]],
    );
    store.close();
  });

  test(`runs trashed more than ${TRASH_DAYS} days ago are purged, younger ones stay`, () => {
    const { store, ids } = storeWithRuns(3);
    const now = Date.UTC(2026, 0, 31);
    trashRuns(store, [ids[0]], now - TRASH_DAYS * DAY - 1);
    trashRuns(store, [ids[1]], now - TRASH_DAYS * DAY + 60_000);
    assert.equal(purgeExpiredTrash(store, now), 1);
    assert.equal(store.findRun(ids[0]), undefined);
    assert.deepEqual(
      listTrash(store).map((run) => run.id),
      [ids[1]],
    );
    assert.equal(purgeExpiredTrash(store, now), 0, 'nothing more to purge');
    store.close();
  });

  test('opening the store purges what expired', () => {
    const dir = storeDir();
    const store = Store.open(dir);
    const old = store.createRun({ status: 'FINISHED' });
    const recent = store.createRun({ status: 'FINISHED' });
    trashRuns(store, [old.id], Date.now() - (TRASH_DAYS + 1) * DAY);
    trashRuns(store, [recent.id]);
    store.close();
    const reopened = Store.open(dir);
    assert.deepEqual(
      listTrash(reopened).map((run) => run.id),
      [recent.id],
    );
    reopened.close();
  });

  test('a run deleted through the MLflow API is in the Trash, and restored through it leaves', () => {
    const { store, ids } = storeWithRuns(2);
    setRunLifecycle(store, ids[0], 'deleted');
    const [trashed] = listTrash(store);
    assert.equal(trashed.id, ids[0]);
    assert.ok(Math.abs(trashed.deletedAt - Date.now()) < 60_000);
    setRunLifecycle(store, ids[0], 'active');
    assert.deepEqual(listTrash(store), []);
    assert.equal(store.countRuns(), 2);
    store.close();
  });
});
