// Lazy histories: a pull leaves a history past the threshold on the remote (`labbook serve` here) with its latest
// point kept, the first reader fetches it whole once, a second does not, and an unreachable remote leaves the
// latest value usable with a message that says what happened.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTrackingServer, type TrackingServer } from '../../src/server/trackingServer';
import { Store } from '../../src/store/store';
import { MlflowClient, SyncError } from '../../src/sync/client';
import { HistoryFetcher } from '../../src/sync/lazyHistory';
import { Ledger } from '../../src/sync/ledger';
import { pull } from '../../src/sync/pull';
import { makeWorkspace } from './helpers';

const BIG = 30_000;

/** A client that counts its get-history calls. */
function countingClient(url: string): { client: MlflowClient; histories: string[] } {
  const client = new MlflowClient(url, { retries: 0 });
  const histories: string[] = [];
  const get = client.get.bind(client);
  client.get = (endpoint, query) => {
    if (endpoint === 'metrics/get-history') histories.push(String(query.metric_key));
    return get(endpoint, query);
  };
  return { client, histories };
}

/** The URL of a loopback port nothing listens on (taken, then let go). */
async function closedPortUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe('lazy histories', () => {
  const remoteWs = makeWorkspace();
  const localWs = makeWorkspace();
  let remoteStore: Store;
  let server: TrackingServer;
  let local: Store;
  let runId: string;

  before(async () => {
    remoteStore = Store.open(join(remoteWs.dir, '.labbook'));
    const run = remoteStore.createRun({ experimentName: 'lazy', name: 'long', startTime: 1_700_000_000_000 });
    runId = run.id;
    const points = [];
    for (let i = 0; i < BIG; i++) {
      points.push({ key: 'loss', value: 1 / (i + 1), step: i, timestamp: 1_700_000_000_000 + i });
      // Steps left at 0, as MLflow logs without a step: only the server's paging tells it is large.
      points.push({ key: 'flat', value: i, step: 0, timestamp: 1_700_000_000_000 + i });
    }
    points.push({ key: 'acc', value: 0.5, step: 1, timestamp: 1_700_000_000_000 });
    remoteStore.logMetrics(run.id, points);
    remoteStore.finishRun(run.id, 'FINISHED', { endTime: 1_700_000_100_000, exitCode: 0 });
    server = await startTrackingServer({ store: remoteStore, log: () => undefined });
    mkdirSync(join(localWs.dir, '.labbook'));
    local = Store.open(join(localWs.dir, '.labbook'));
  });

  after(async () => {
    local.close();
    await server.close();
    remoteStore.close();
    remoteWs.cleanup();
    localWs.cleanup();
  });

  test('pull brings the small history and only the latest point of each large one', async () => {
    const { client, histories } = countingClient(server.url);
    const summary = await pull(local, client, new Ledger(local.dir, server.url), { lazyAbove: 10_000 });
    assert.equal(summary.deferred, 2);
    assert.equal(summary.points, 1);
    // loss is large by its steps (not asked); flat by the server paging past 10,000 (one page asked).
    assert.deepEqual(histories.sort(), ['acc', 'flat']);
    assert.ok(client.stats.bytesReceived < 1_500_000, `${client.stats.bytesReceived} bytes received`);
    assert.deepEqual(local.history(runId, 'loss'), [{ step: BIG - 1, timestamp: 1_700_000_000_000 + BIG - 1, value: 1 / BIG }]);
    const summaries = Object.fromEntries(local.metricSummaries(runId).map((m) => [m.key, m]));
    assert.equal(summaries.loss.last, 1 / BIG);
    assert.equal(summaries.flat.last, BIG - 1);
    assert.equal(local.history(runId, 'acc').length, 1);
    assert.deepEqual(new HistoryFetcher(local, () => client).deferred(runId).sort(), ['flat', 'loss']);
  });

  test('a pull again keeps them on the remote and asks nothing for them', async () => {
    const { client, histories } = countingClient(server.url);
    const summary = await pull(local, client, new Ledger(local.dir, server.url), { lazyAbove: 10_000 });
    assert.equal(summary.deferred, 2);
    assert.deepEqual(histories, ['acc']);
    assert.equal(local.history(runId, 'flat').length, 1);
  });

  test('an unreachable remote leaves the latest value and says which history it could not fetch', async () => {
    const closed = await closedPortUrl();
    const fetcher = new HistoryFetcher(local, () => new MlflowClient(closed, { retries: 0 }));
    await assert.rejects(fetcher.fetch(runId, ['loss']), (error: unknown) => {
      assert.ok(error instanceof SyncError);
      assert.match(
        error.message,
        /full history of 'loss' .* could not be fetched: Cannot reach http:\/\/127\.0\.0\.1:\d+ .*The latest value is shown/,
      );
      return true;
    });
    assert.equal(local.history(runId, 'loss').length, 1);
    assert.deepEqual(fetcher.deferred(runId).sort(), ['flat', 'loss']);
  });

  test('the first open fetches the whole history once; a second open asks nothing', async () => {
    const { client, histories } = countingClient(server.url);
    const fetcher = new HistoryFetcher(local, () => client);
    const [first, again] = await Promise.all([fetcher.fetch(runId, ['loss']), fetcher.fetch(runId, ['loss'])]);
    assert.deepEqual([first, again], [['loss'], ['loss']]);
    const requests = histories.length;
    assert.equal(requests, 2, 'one history read of two pages of 25,000, shared by both opens');
    assert.deepEqual(local.history(runId, 'loss'), remoteStore.history(runId, 'loss'));
    assert.deepEqual(await fetcher.fetch(runId, ['loss']), []);
    assert.equal(histories.length, requests);
    assert.deepEqual(fetcher.deferred(runId), ['flat']);
    assert.equal(local.metricSummaries(runId).find((m) => m.key === 'loss')?.count, BIG);
  });

  test("labbook serve's get-history over a pulled run serves the whole history, fetched on first ask", async () => {
    const { client: remote, histories } = countingClient(server.url);
    const fetcher = new HistoryFetcher(local, () => remote);
    const mirror = await startTrackingServer({ store: local, log: () => undefined, beforeHistory: (id, key) => fetcher.fetch(id, [key]) });
    try {
      const reader = new MlflowClient(mirror.url);
      const page = await reader.get<{ metrics: unknown[] }>('metrics/get-history', { run_id: runId, metric_key: 'flat', max_results: 25_000 });
      assert.equal(page.metrics.length, 25_000);
      assert.deepEqual(histories, ['flat', 'flat']);
      await reader.get('metrics/get-history', { run_id: runId, metric_key: 'flat', max_results: 25_000 });
      assert.equal(histories.length, 2);
    } finally {
      await mirror.close();
    }
  });
});
