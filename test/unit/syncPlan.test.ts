// The pure planning of a push: only what the ledger does not hold, batches within MLflow's limits, and the
// reconciliation of a batch in flight at a kill.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkRecord, inflightLanded, isEmptyPlan, metricBatches, planPoints, planPush, reconcile } from '../../src/sync/plan';
import type { LocalRunState, RunLedger } from '../../src/sync/plan';

const local: LocalRunState = {
  name: 'run-1',
  status: 'FINISHED',
  startTime: 1,
  endTime: 9,
  params: { lr: '0.1', big: 'x'.repeat(6001) },
  tags: { team: 'a' },
  metricCounts: { loss: 2500, acc: 10 },
  artifacts: { 'model.pt': 'sha-a' },
};

function ledgerOf(changes: Partial<RunLedger> = {}): RunLedger {
  return {
    url: 'http://r',
    localRunId: 'a'.repeat(32),
    remoteRunId: 'b'.repeat(32),
    remoteExperimentId: '1',
    name: 'run-1',
    status: 'FINISHED',
    endTime: 9,
    params: { lr: '0.1' },
    tags: { team: 'a' },
    metrics: { loss: 2500, acc: 10 },
    artifacts: { 'model.pt': 'sha-a' },
    ...changes,
  };
}

test('a run never pushed sends everything but values the server would refuse', () => {
  const plan = planPush(local, undefined);
  assert.equal(plan.create, true);
  assert.deepEqual(plan.params, { lr: '0.1' });
  assert.match(plan.skipped[0], /param 'big': value longer than 6000/);
  assert.deepEqual(plan.metrics, [
    { key: 'loss', from: 0, count: 2500 },
    { key: 'acc', from: 0, count: 10 },
  ]);
  assert.equal(planPoints(plan), 2510);
  assert.deepEqual(plan.update, { status: 'FINISHED', endTime: 9, name: 'run-1' });
  assert.deepEqual(plan.artifacts, ['model.pt']);
});

test('a run the ledger holds whole sends nothing', () => {
  assert.ok(isEmptyPlan(planPush(local, ledgerOf())));
});

test('a run that grew sends only new points, changed tags and a changed status', () => {
  const plan = planPush(
    { ...local, status: 'CRASHED', tags: { team: 'b' }, metricCounts: { loss: 2600, acc: 10, lr: 1 }, artifacts: { 'model.pt': 'sha-b' } },
    ledgerOf(),
  );
  assert.equal(plan.create, false);
  assert.deepEqual(plan.tags, { team: 'b' });
  assert.deepEqual(plan.metrics, [
    { key: 'loss', from: 2500, count: 100 },
    { key: 'lr', from: 0, count: 1 },
  ]);
  assert.equal(plan.update?.status, 'FAILED', 'MLflow has no CRASHED');
  assert.deepEqual(plan.artifacts, ['model.pt']);
});

test('metric batches hold at most 1,000 points and keep order across keys', () => {
  const batches = metricBatches([
    { key: 'a', from: 0, count: 1500 },
    { key: 'b', from: 10, count: 700 },
  ]);
  assert.deepEqual(
    batches.map((b) => b.reduce((n, s) => n + s.count, 0)),
    [1000, 1000, 200],
  );
  assert.deepEqual(batches[1], [
    { key: 'a', from: 1000, count: 500 },
    { key: 'b', from: 10, count: 500 },
  ]);
  assert.equal(chunkRecord(Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`k${i}`, 'v'])), 100).length, 3);
});

test('a batch in flight counts as sent only when the remote grew', () => {
  const inflight = [
    { key: 'loss', from: 2500, count: 900 },
    { key: 'acc', from: 10, count: 100 },
  ];
  const ledger = ledgerOf({ inflight });
  assert.equal(inflightLanded(ledger, { loss: 2500, acc: 10 }), false);
  assert.deepEqual(reconcile(ledger, { loss: 2500, acc: 10 }), { loss: 2500, acc: 10 });
  // MLflow's SQL store drops exact duplicates, so the remote may hold fewer than were sent: growth decides.
  assert.equal(inflightLanded(ledger, { loss: 3390, acc: 10 }), true);
  assert.deepEqual(reconcile(ledger, { loss: 3390, acc: 10 }), { loss: 3400, acc: 110 });
});
