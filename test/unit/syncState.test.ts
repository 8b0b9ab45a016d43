// A run's sync state against a remote: local only, pushed, changed since push, pulled; decided from the origin
// tag, the ledger and the run as push would send it (pure), and read from a real store and ledger.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { LocalRunState, RunLedger } from '../../src/sync/plan';
import { countStates, syncState, syncStates } from '../../src/sync/syncState';
import { Ledger } from '../../src/sync/ledger';
import { localState } from '../../src/sync/push';
import { Store } from '../../src/store/store';
import { ORIGIN_TAG } from '../../src/store/runs';

const URL = 'http://team:5000';
const local: LocalRunState = {
  name: 'run-1',
  status: 'FINISHED',
  startTime: 1,
  endTime: 9,
  params: { lr: '0.1' },
  tags: { team: 'a' },
  metricCounts: { loss: 20 },
  artifacts: { 'model.pt': 'sha-a' },
};
const ledger: RunLedger = {
  url: URL,
  localRunId: 'a'.repeat(32),
  remoteRunId: 'b'.repeat(32),
  remoteExperimentId: '1',
  name: 'run-1',
  status: 'FINISHED',
  endTime: 9,
  params: { lr: '0.1' },
  tags: { team: 'a' },
  metrics: { loss: 20 },
  artifacts: { 'model.pt': 'sha-a' },
};

function stateOf(facts: { origin?: string; ledger?: RunLedger; local?: LocalRunState }): ReturnType<typeof syncState> {
  return syncState(URL, { origin: facts.origin, ledger: facts.ledger, local: () => facts.local ?? local });
}

test('a run never pushed is local only, and so is one whose create was never answered', () => {
  assert.equal(stateOf({}), 'local');
  assert.equal(stateOf({ ledger: { ...ledger, remoteRunId: '', creating: true } }), 'local');
});

test('a run whose ledger holds all of it is pushed', () => {
  assert.equal(stateOf({ ledger }), 'pushed');
});

test('a run that grew or changed after the last push is changed since push', () => {
  assert.equal(stateOf({ ledger, local: { ...local, metricCounts: { loss: 21 } } }), 'changed');
  assert.equal(stateOf({ ledger, local: { ...local, status: 'RUNNING', endTime: null } }), 'changed');
  assert.equal(stateOf({ ledger, local: { ...local, tags: { team: 'b' } } }), 'changed');
  assert.equal(stateOf({ ledger, local: { ...local, artifacts: { 'model.pt': 'sha-b' } } }), 'changed');
  assert.equal(stateOf({ ledger: { ...ledger, metrics: { loss: 10 }, inflight: [{ key: 'loss', from: 10, count: 10 }] } }), 'changed');
});

test('a run pulled from this remote is pulled; one pulled from another remote has no state here', () => {
  assert.equal(stateOf({ origin: URL, ledger }), 'pulled');
  assert.equal(stateOf({ origin: 'http://other:5000' }), undefined);
});

test('states are read from the store and the sync ledger', () => {
  const store = Store.open(mkdtempSync(join(tmpdir(), 'labbook-syncstate-')));
  try {
    const make = (name: string): string => store.createRun({ experimentName: 'mnist', name }).id;
    const [fresh, pushed, grown, pulled] = ['fresh', 'pushed', 'grown', 'pulled'].map(make);
    const book = new Ledger(store.dir, URL);
    // A ledger holding exactly what push would send, as a finished push leaves it.
    for (const id of [pushed, grown]) {
      const state = localState(store, store.getRun(id));
      const sent = { name: state.name, status: state.status, endTime: state.endTime, params: state.params, tags: state.tags };
      book.put({ ...ledger, ...sent, localRunId: id, metrics: state.metricCounts, artifacts: state.artifacts });
    }
    store.logMetrics(grown, [{ key: 'loss', value: 1, step: 0, timestamp: 5 }]);
    store.asImport(() => store.setTags(pulled, { [ORIGIN_TAG]: URL }));
    const states = syncStates(store, book, [fresh, pushed, grown, pulled]);
    assert.deepEqual(Object.fromEntries(states), { [fresh]: 'local', [pushed]: 'pushed', [grown]: 'changed', [pulled]: 'pulled' });
    assert.deepEqual(countStates(states), { local: 1, pushed: 1, changed: 1, pulled: 1 });
  } finally {
    store.close();
  }
});
