// The sidebar Metrics view's host side: which run it shows, snapshot then increments, empty states, and the
// page message check.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { chooseRun, MetricsViewFeed, METRICS_VIEW_MAX_POINTS } from '../../src/extension/metricsViewFeed';
import { isMetricsViewToWebview, parseMetricsViewMessage } from '../../src/protocol/metricsView';
import type { MetricsViewToWebview } from '../../src/protocol/metricsView';
import { Store } from '../../src/store/store';

const stores: Store[] = [];
const dirs: string[] = [];
after(() => {
  for (const store of stores) store.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function openStore(): Store {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-metrics-view-'));
  dirs.push(dir);
  const store = Store.open(join(dir, '.labbook'));
  stores.push(store);
  return store;
}

function addRun(store: Store, name: string, live: boolean, startTime = Date.now()): string {
  const run = store.createRun({ name, cwd: '/ws', argv: ['python3', 'train.py'], startTime });
  store.logMetrics(run.id, [{ key: 'loss', value: 1, step: 0, timestamp: startTime }]);
  if (!live) store.finishRun(run.id, 'FINISHED', { exitCode: 0 });
  return run.id;
}

function only<T extends MetricsViewToWebview['type']>(messages: MetricsViewToWebview[], type: T): Extract<MetricsViewToWebview, { type: T }> {
  assert.deepEqual(
    messages.map((m) => m.type),
    [type],
  );
  return messages[0] as Extract<MetricsViewToWebview, { type: T }>;
}

describe('Metrics view: which run', () => {
  test('the selected run wins, then the newest live run, then the live run shown before', () => {
    const store = openStore();
    const ended = addRun(store, 'ended', false, 1_000);
    assert.equal(chooseRun(store, [], undefined), undefined);
    assert.deepEqual(chooseRun(store, ['f'.repeat(32), ended], undefined), { runId: ended, source: 'selected' });
    const live = addRun(store, 'live', true, 2_000);
    assert.deepEqual(chooseRun(store, [], undefined), { runId: live, source: 'live' });
    store.finishRun(live, 'FINISHED', { exitCode: 0 });
    assert.deepEqual(chooseRun(store, [], { runId: live, source: 'live' }), { runId: live, source: 'live' }, 'a finished live run stays');
    assert.equal(chooseRun(store, [], { runId: ended, source: 'selected' }), undefined, 'a deselected run goes');
  });
});

describe('Metrics view feed', () => {
  test('says what to do when there is no store or nothing to show, once', () => {
    const feed = new MetricsViewFeed();
    assert.equal(only(feed.update(undefined, []), 'metricsView/empty').reason, 'noStore');
    assert.deepEqual(feed.update(undefined, []), []);
    const store = openStore();
    assert.equal(only(feed.update(store, []), 'metricsView/empty').reason, 'nothingSelected');
    assert.deepEqual(feed.update(store, []), []);
  });

  test('sends the run with its metrics, then only new points, then a new run when the selection changes', () => {
    const store = openStore();
    const live = addRun(store, 'live', true);
    const feed = new MetricsViewFeed();
    const show = only(feed.update(store, []), 'metricsView/show');
    assert.equal(show.run.name, 'live');
    assert.equal(show.run.source, 'live');
    assert.deepEqual(
      show.metrics.map((s) => [s.key, s.points.steps]),
      [['loss', [0]]],
    );
    assert.deepEqual(feed.update(store, []), [], 'nothing new, nothing sent');
    store.logMetrics(live, [
      { key: 'loss', value: 0.5, step: 1, timestamp: Date.now() },
      { key: 'acc', value: 0.9, step: 1, timestamp: Date.now() },
    ]);
    const appended = only(feed.update(store, []), 'metricsView/metricsAppended');
    assert.deepEqual(appended.series.map((s) => [s.key, s.points.steps, s.summary.count]).sort(), [
      ['acc', [1], 1],
      ['loss', [1], 2],
    ]);
    const other = addRun(store, 'picked', false, 1_000);
    assert.equal(only(feed.update(store, [other]), 'metricsView/show').run.source, 'selected');
    // Deselecting the same run that is also live only changes why it is shown.
    const changed = only(feed.update(store, [live]), 'metricsView/show');
    assert.equal(changed.run.source, 'selected');
    assert.equal(only(feed.update(store, []), 'metricsView/runChanged').run.source, 'live');
  });

  test('keeps small charts small: long series arrive sampled', () => {
    const store = openStore();
    const id = addRun(store, 'long', false);
    const points = Array.from({ length: 5_000 }, (_, step) => ({ key: 'x', value: Math.sin(step), step, timestamp: 1_000 + step }));
    store.logMetrics(id, points);
    const show = only(new MetricsViewFeed().update(store, [id]), 'metricsView/show');
    const series = show.metrics.find((s) => s.key === 'x')!;
    assert.ok(series.sampled && series.points.steps.length <= METRICS_VIEW_MAX_POINTS, String(series.points.steps.length));
    assert.equal(series.summary.count, 5_000);
  });

  test('a deleted run gives way to the empty state', () => {
    const store = openStore();
    const id = addRun(store, 'gone', false);
    const feed = new MetricsViewFeed();
    only(feed.update(store, [id]), 'metricsView/show');
    store.deleteRuns([id]);
    assert.equal(only(feed.update(store, [id]), 'metricsView/empty').reason, 'nothingSelected');
  });
});

describe('Metrics view protocol', () => {
  test('accepts the page messages and refuses malformed ones', () => {
    assert.deepEqual(parseMetricsViewMessage({ type: 'metricsView/ready' }), { ok: true, message: { type: 'metricsView/ready' } });
    const id = 'a'.repeat(32);
    assert.deepEqual(parseMetricsViewMessage({ type: 'metricsView/openRun', runId: id, extra: 1 }), {
      ok: true,
      message: { type: 'metricsView/openRun', runId: id },
    });
    for (const bad of [null, [], 'ready', { type: 'metricsView/openRun', runId: '../x' }, { type: 'metricsView/openRun' }, { type: '__proto__' }]) {
      assert.equal(parseMetricsViewMessage(bad).ok, false, JSON.stringify(bad));
    }
  });

  test('the page takes only host message types', () => {
    assert.ok(isMetricsViewToWebview({ type: 'metricsView/empty', reason: 'noStore' }));
    assert.ok(!isMetricsViewToWebview({ type: 'runPanel/snapshot' }));
    assert.ok(!isMetricsViewToWebview(null));
  });
});
