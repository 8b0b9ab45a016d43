// Push against a fault-injecting HTTP server (real sockets) in front of `labbook serve`: refused tokens, rate limits
// and 5xx with Retry-After, a missing endpoint, an unreachable server, and a connection dropped after the server
// applied a metric batch. Each gives a clear error (or recovers), loses nothing locally and duplicates nothing.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTrackingServer, type TrackingServer } from '../../src/server/trackingServer';
import { Store } from '../../src/store/store';
import { MlflowClient, SyncError } from '../../src/sync/client';
import { Ledger } from '../../src/sync/ledger';
import { push } from '../../src/sync/push';
import { makeWorkspace, runCli } from './helpers';
import { histories } from './syncFixture';

type Fault = (req: IncomingMessage, body: Buffer, res: ServerResponse) => boolean | Promise<boolean>;

/** A server that lets `fault` answer (returning true) or forwards the request to `target`. */
async function faultServer(target: string, fault: Fault): Promise<{ url: string; server: Server; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push(`${req.method} ${req.url}`);
      void (async () => {
        if (await fault(req, body, res)) return;
        const answer = await fetch(`${target}${req.url}`, {
          method: req.method,
          headers: { 'content-type': req.headers['content-type'] ?? '' },
          body: body.length ? body : undefined,
        });
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
        res.end(Buffer.from(await answer.arrayBuffer()));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, requests };
}

function json(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): true {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
  return true;
}

const isMetricBatch = (req: IncomingMessage, body: Buffer): boolean => req.url!.endsWith('/runs/log-batch') && body.includes('"metrics"');

describe('push when the remote fails', () => {
  let remoteWs: ReturnType<typeof makeWorkspace>;
  let remote: Store;
  let tracking: TrackingServer;
  let localWs: ReturnType<typeof makeWorkspace>;
  let local: Store;
  let runId: string;
  const servers: Server[] = [];

  before(async () => {
    remoteWs = makeWorkspace();
    remote = Store.open(join(remoteWs.dir, '.labbook'));
    tracking = await startTrackingServer({ store: remote, log: () => undefined });
    localWs = makeWorkspace();
    local = Store.open(join(localWs.dir, '.labbook'));
    const run = local.createRun({ experimentName: 'faults', name: 'small' });
    local.logParams(run.id, { lr: '0.1' });
    local.logMetrics(
      run.id,
      Array.from({ length: 5000 }, (_, i) => ({ key: i % 2 ? 'loss' : 'acc', value: i, step: i, timestamp: 1_000 + i })),
    );
    local.finishRun(run.id, 'FINISHED');
    runId = run.id;
  });

  after(async () => {
    for (const server of servers) server.close();
    await tracking.close();
    local.close();
    remote.close();
    remoteWs.cleanup();
    localWs.cleanup();
  });

  async function pushThrough(fault: Fault, options: { retries?: number } = {}): Promise<{ error?: SyncError; requests: string[]; url: string }> {
    const proxy = await faultServer(tracking.url, fault);
    servers.push(proxy.server);
    const client = new MlflowClient(proxy.url, { retries: options.retries ?? 3, baseDelayMs: 1, maxDelayMs: 20 });
    try {
      await push(local, client, new Ledger(local.dir, proxy.url), [runId]);
      return { requests: proxy.requests, url: proxy.url };
    } catch (error) {
      if (!(error instanceof SyncError)) throw error;
      return { error, requests: proxy.requests, url: proxy.url };
    }
  }

  function assertLocalIntact(): void {
    assert.equal(
      local.metricSummaries(runId).reduce((n, m) => n + m.count, 0),
      5000,
    );
    assert.equal(local.getRun(runId).status, 'FINISHED');
  }

  test('401 and 403 are auth failures that name the token, not retried', async () => {
    for (const status of [401, 403]) {
      const { error, requests } = await pushThrough((_req, _body, res) => json(res, status, { error_code: 'UNAUTHENTICATED', message: 'no' }));
      assert.equal(error?.kind, 'auth');
      assert.match(error!.message, /token/);
      assert.equal(requests.length, 1);
    }
    assertLocalIntact();
  });

  test('429 with Retry-After is waited out and the push completes', async () => {
    let refusals = 0;
    const refuse = (res: ServerResponse): true => {
      refusals++;
      return json(res, 429, { error_code: 'RATE_LIMIT' }, { 'retry-after': '0' });
    };
    const { error, url } = await pushThrough((req, body, res) => (isMetricBatch(req, body) && refusals < 2 ? refuse(res) : false));
    assert.equal(error, undefined);
    assert.equal(refusals, 2);
    assert.equal(new Ledger(local.dir, url).get(runId)?.metrics.loss, 2500);
  });

  test('503 forever stops after bounded retries with a clear message', async () => {
    const { error, requests } = await pushThrough(
      (_req, _body, res) => json(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'down for maintenance' }),
      { retries: 2 },
    );
    assert.equal(error?.kind, 'server');
    assert.match(error!.message, /HTTP 503 \(down for maintenance\)/);
    assert.equal(requests.length, 3, 'the first attempt and two retries');
    assertLocalIntact();
  });

  test('an endpoint the server lacks says the server is too old', async () => {
    const { error } = await pushThrough((req, _body, res) => {
      if (!req.url!.includes('runs/create')) return false;
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>404 Not Found</title>');
      return true;
    });
    assert.equal(error?.kind, 'missing-endpoint');
    assert.match(error!.message, /has no POST \/api\/2\.0\/mlflow\/runs\/create .*older/);
  });

  test('an unreachable server is one clear error', async () => {
    const closed = await faultServer(tracking.url, () => false);
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    const client = new MlflowClient(closed.url, { retries: 3, baseDelayMs: 1 });
    await assert.rejects(
      push(local, client, new Ledger(local.dir, closed.url), [runId]),
      (error: SyncError) => error.kind === 'unreachable' && /Cannot reach/.test(error.message),
    );
    assertLocalIntact();
  });

  test('a metric batch applied but whose answer was lost is not sent again', async () => {
    let dropped = false;
    let pointsForwarded = 0;
    const { error, url } = await pushThrough(async (req, body, res) => {
      if (!isMetricBatch(req, body)) return false;
      pointsForwarded += (JSON.parse(body.toString('utf8')) as { metrics: unknown[] }).metrics.length;
      if (dropped) return false;
      dropped = true;
      // The server applies the batch, then the connection dies before the answer.
      await fetch(`${tracking.url}${req.url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body.toString('utf8') });
      res.socket!.destroy();
      return true;
    });
    assert.equal(error, undefined);
    assert.equal(pointsForwarded, 5000, 'every point sent exactly once');
    const remoteId = new Ledger(local.dir, url).get(runId)!.remoteRunId;
    assert.deepEqual(histories(remote, remoteId), histories(local, runId));
  });

  test('the CLI prints the failure, exits 1 and a later push resumes', async () => {
    const proxy = await faultServer(tracking.url, (_req, _body, res) => json(res, 401, { error_code: 'UNAUTHENTICATED', message: 'bad token' }));
    servers.push(proxy.server);
    const cwd = makeWorkspace();
    try {
      const store = Store.open(join(cwd.dir, '.labbook'));
      store.logMetrics(store.createRun({ name: 'cli' }).id, [{ key: 'x', value: 1, step: 0, timestamp: 1 }]);
      store.close();
      assert.equal((await runCli(['remote', 'add', 'origin', proxy.url, '--token-env', 'SYNC_TEST_TOKEN'], { cwd: cwd.dir })).code, 0);
      const unset = await runCli(['push'], { cwd: cwd.dir });
      assert.equal(unset.code, 2);
      assert.match(unset.stderr, /\$SYNC_TEST_TOKEN, which is not set/);
      const refused = await runCli(['push'], { cwd: cwd.dir, env: { SYNC_TEST_TOKEN: 'wrong' } });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /push stopped: .*needs a valid token \(HTTP 401: bad token\)/);
      assert.match(refused.stderr, /Nothing local was lost/);
    } finally {
      cwd.cleanup();
    }
  });
});
