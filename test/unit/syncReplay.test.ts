// The answers of a real MLflow 2.12 server that sync depends on, recorded by scripts/sync-real-mlflow.ts
// (test/fixtures/mlflow-sync), replayed over a real socket to the sync client.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MlflowClient, SyncError } from '../../src/sync/client';
import { proxiedRoot } from '../../src/sync/push';
import { remoteHistory } from '../../src/sync/remoteRuns';

const FIXTURES = join(__dirname, '..', 'fixtures', 'mlflow-sync');

interface Recorded {
  request: { method: string; path: string };
  status: number;
  body: string;
}

const recorded = (name: string): Recorded => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Recorded;
const NAMES = [
  'get-by-name-missing',
  'runs-create',
  'log-batch-1001-metrics',
  'get-history-special-values',
  'search-by-run-id-tag',
  'missing-endpoint',
];

let server: Server;
let client: MlflowClient;

before(async () => {
  const byRoute = new Map(NAMES.map((name) => [`${recorded(name).request.method} ${recorded(name).request.path.split('?')[0]}`, recorded(name)]));
  server = createServer((req, res) => {
    const answer = byRoute.get(`${req.method} ${req.url!.split('?')[0]}`);
    req.resume();
    req.on('end', () => {
      res.writeHead(answer?.status ?? 500, { 'content-type': answer?.body.startsWith('<') ? 'text/html' : 'application/json' });
      res.end(answer?.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new MlflowClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { retries: 0 });
});

after(() => server.close());

async function failure(call: Promise<unknown>): Promise<SyncError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof SyncError) return error;
    throw error;
  }
  throw new Error('expected a SyncError');
}

test('a missing experiment is an MLflow error code (push then creates it), not a missing endpoint', async () => {
  const error = await failure(client.get('experiments/get-by-name', { experiment_name: 'no-such-experiment' }));
  assert.equal(error.code, 'RESOURCE_DOES_NOT_EXIST');
  assert.equal(error.kind, 'rejected');
});

test('an endpoint MLflow 2.12 lacks (its HTML 404) reads as an older server', async () => {
  const error = await failure(client.get('logged-models/search', {}));
  assert.equal(error.kind, 'missing-endpoint');
  assert.match(error.message, /older/);
});

test('MLflow refuses 1,001 metrics in one batch, which is why batches hold 1,000', async () => {
  const error = await failure(client.post('runs/log-batch', { run_id: 'x', metrics: [] }));
  assert.equal(error.code, 'INVALID_PARAMETER_VALUE');
  assert.match(error.message, /at most 1000 metrics/);
});

test("MLflow's history answer: NaN as a string and ±Infinity stored as ±MAX_VALUE come back as NaN and ±Infinity", async () => {
  const points = await remoteHistory(client, 'run', 'odd');
  const values = new Set(points.map((p) => String(p.value)));
  assert.deepEqual([...values].sort(), ['-Infinity', 'Infinity', 'NaN']);
  assert.ok(points.every((p) => Number.isInteger(p.step) && Number.isInteger(p.timestamp)));
});

test('runs/create answers a proxied artifact root that push uploads under', async () => {
  const created = await client.post<{ run: { info: { run_id: string; artifact_uri: string } } }>('runs/create', {});
  assert.equal(proxiedRoot(created.run.info.artifact_uri), `0/${created.run.info.run_id}/artifacts`);
  assert.equal(proxiedRoot('s3://bucket/0/abc/artifacts'), undefined);
  const found = await client.post<{ runs: { info: { run_id: string }; data: { tags: { key: string }[] } }[] }>('runs/search', {});
  assert.equal(found.runs.length, 1);
  assert.ok(found.runs[0].data.tags.some((tag) => tag.key === 'labbook.run_id'));
});
