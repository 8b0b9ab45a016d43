import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { cancelEntry, claimNext, endQueueEntry, enqueue, listQueue, moveEntry, orphanedEntries, QueueError, retryEntry } from '../../src/store/queue';
import { Store } from '../../src/store/store';

const WORKER = { pid: 4242, startTime: 7 };

describe('the run queue in the store', () => {
  let dir: string;
  let store: Store;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'labbook-queue-'));
    store = Store.open(join(dir, '.labbook'));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const add = (name: string): number => enqueue(store, { command: ['python3', 'train.py', `--name=${name}`], cwd: dir, name }).id;
  const waitingNames = (): (string | null)[] =>
    listQueue(store)
      .filter((e) => e.state === 'waiting')
      .map((e) => e.name);

  test('an entry keeps its command, params, tags and group; an empty command is refused', () => {
    const entry = enqueue(store, {
      command: ['python3', 'a b.py'],
      cwd: dir,
      experiment: 'E',
      params: { lr: '0.1' },
      tags: { t: 'x' },
      group: 'sw1',
    });
    assert.deepEqual(
      { command: entry.command, experiment: entry.experiment, params: entry.params, tags: entry.tags, group: entry.group, state: entry.state },
      { command: ['python3', 'a b.py'], experiment: 'E', params: { lr: '0.1' }, tags: { t: 'x' }, group: 'sw1', state: 'waiting' },
    );
    assert.throws(() => enqueue(store, { command: [], cwd: dir }), QueueError);
    assert.equal(listQueue(store).length, 1);
  });

  test('claims take waiting entries in turn order, mark them running for the worker and count attempts', () => {
    add('a');
    add('b');
    const first = claimNext(store, WORKER, '0');
    assert.equal(first?.name, 'a');
    assert.equal(first?.state, 'running');
    assert.deepEqual(first?.worker, WORKER);
    assert.equal(first?.device, '0');
    assert.equal(first?.attempts, 1);
    assert.equal(claimNext(store, WORKER)?.name, 'b');
    assert.equal(claimNext(store, WORKER), undefined);
  });

  test('two connections claiming in turn never get the same entry', () => {
    const other = Store.open(join(dir, '.labbook'));
    try {
      for (let i = 0; i < 10; i++) add(`e${i}`);
      const claimed: number[] = [];
      for (let i = 0; i < 6; i++) {
        for (const s of [store, other]) {
          const entry = claimNext(s, WORKER);
          if (entry) claimed.push(entry.id);
        }
      }
      assert.equal(claimed.length, 10);
      assert.equal(new Set(claimed).size, 10);
    } finally {
      other.close();
    }
  });

  test('move reorders waiting entries (to a place, up, down), clamped at the ends; only waiting entries move', () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(add);
    moveEntry(store, d, { to: 1 });
    assert.deepEqual(waitingNames(), ['d', 'a', 'b', 'c']);
    moveEntry(store, a, 'down');
    assert.deepEqual(waitingNames(), ['d', 'b', 'a', 'c']);
    moveEntry(store, c, 'up');
    assert.deepEqual(waitingNames(), ['d', 'b', 'c', 'a']);
    moveEntry(store, d, 'up');
    moveEntry(store, b, { to: 99 });
    assert.deepEqual(waitingNames(), ['d', 'c', 'a', 'b']);
    assert.equal(claimNext(store, WORKER)?.name, 'd');
    assert.throws(() => moveEntry(store, d, 'down'), /Only a waiting entry can be moved; \d+ is running/);
    assert.throws(() => moveEntry(store, c, { to: 1.5 }), /whole number/);
    assert.throws(() => moveEntry(store, 999, 'up'), /No queue entry 999/);
  });

  test('cancel: a waiting entry is cancelled at once, a running one is marked for its worker, an ended one is refused', () => {
    const [a, b] = ['a', 'b'].map(add);
    assert.equal(cancelEntry(store, b).state, 'cancelled');
    claimNext(store, WORKER);
    const running = cancelEntry(store, a);
    assert.equal(running.state, 'running');
    assert.equal(running.cancelRequested, true);
    endQueueEntry(store, a, 'cancelled', 'KILLED');
    assert.throws(() => cancelEntry(store, a), /already ended \(cancelled\)/);
    assert.equal(claimNext(store, WORKER), undefined);
  });

  test('retry puts a failed or cancelled entry back at the end; waiting, running and done entries are refused', () => {
    const [a, b, c] = ['a', 'b', 'c'].map(add);
    claimNext(store, WORKER);
    assert.throws(() => retryEntry(store, a), /Only a failed or cancelled entry can be retried; \d+ is running/);
    endQueueEntry(store, a, 'failed', 'FAILED');
    assert.throws(() => retryEntry(store, b), /is waiting/);
    const retried = retryEntry(store, a);
    assert.deepEqual([retried.state, retried.reason, retried.worker, retried.runId], ['waiting', null, null, null]);
    assert.deepEqual(waitingNames(), ['b', 'c', 'a']);
    claimNext(store, WORKER);
    endQueueEntry(store, b, 'done', null);
    assert.throws(() => retryEntry(store, b), /is done/);
    cancelEntry(store, c);
    assert.equal(retryEntry(store, c).state, 'waiting');
    assert.deepEqual(waitingNames(), ['a', 'c']);
    assert.equal(claimNext(store, WORKER)?.attempts, 2);
    assert.equal(claimNext(store, WORKER)?.attempts, 1);
  });

  test('orphaned entries are running entries whose worker is gone', () => {
    add('a');
    add('b');
    claimNext(store, WORKER);
    claimNext(store, { pid: 1, startTime: 1 });
    assert.deepEqual(
      orphanedEntries(store, (worker) => worker.pid === 1).map((e) => e.name),
      ['a'],
    );
  });
});
