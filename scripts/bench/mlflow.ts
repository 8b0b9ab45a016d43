// MLflow tracking API figures on a temp store: log-batch ingest over HTTP and one log-metric's round trip, with a
// keep-alive connection as the mlflow client (requests.Session) keeps one.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricPoint } from '../../src/core/types';
import { startTrackingServer } from '../../src/server/trackingServer';
import { Store } from '../../src/store/store';
import { BenchClient } from './httpClient';

type Report = (name: string, value: number, unit: string, target: string) => void;

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const REQUESTS = 200;
const KEYS = ['loss', 'acc', 'val_loss', 'val_acc', 'lr', 'grad_norm', 'tokens', 'throughput', 'mem', 'epoch'];

/** 200 batches of 1,000 points over 10 keys, steps rising as a training loop logs them. */
function batches(): MetricPoint[][] {
  const now = Date.now();
  return Array.from({ length: REQUESTS }, (_, r) =>
    Array.from({ length: 1000 }, (_, i) => ({
      key: KEYS[i % KEYS.length],
      value: Math.random(),
      timestamp: now + r,
      step: r * 100 + Math.floor(i / KEYS.length),
    })),
  );
}

/**
 * Points/s of `bodies` posted to a bare HTTP server that only reads and JSON.parses each, then answers `{}`: what HTTP
 * and JSON alone cost on this path, with no checks and no store. The log-batch figure cannot go above it.
 */
async function parseOnlyRate(bodies: readonly Buffer[]): Promise<number> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 2 }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new BenchClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  try {
    const start = process.hrtime.bigint();
    for (const body of bodies) await client.post('/api/2.0/mlflow/runs/log-batch', body);
    return (bodies.length * 1000) / seconds(start);
  } finally {
    client.close();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function benchIngest(client: BenchClient, store: Store, report: Report): Promise<void> {
  const runId = store.createRun({ name: 'bench-ingest' }).id;
  // Bodies are built and encoded up front: the figure is the server's (parse, check, de-duplicate, insert), not the
  // client's, which shares this process (encoding 200 bodies of 80 KB took a fifth of the server's own time).
  const bodies = batches().map((metrics) => Buffer.from(JSON.stringify({ run_id: runId, metrics })));
  const start = process.hrtime.bigint();
  for (const body of bodies) await client.post('/api/2.0/mlflow/runs/log-batch', body);
  report(
    'mlflow: log-batch ingest over HTTP (1,000 metrics a request, one keep-alive connection)',
    (REQUESTS * 1000) / seconds(start),
    'points/s',
    '>= 200,000',
  );

  const baselineRun = store.createRun({ name: 'bench-baseline' }).id;
  const direct = batches();
  const baseStart = process.hrtime.bigint();
  for (const points of direct) store.logMetrics(baselineRun, points);
  report('  baseline: the same batches into store.logMetrics directly', (REQUESTS * 1000) / seconds(baseStart), 'points/s', '');
  report('  ceiling: the same requests to a server that only parses them (no store)', await parseOnlyRate(bodies), 'points/s', '');
}

async function benchRoundTrip(client: BenchClient, runId: string, report: Report): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const body = JSON.stringify({ run_id: runId, run_uuid: runId, key: 'single', value: Math.random(), timestamp: Date.now(), step: i });
    const start = process.hrtime.bigint();
    await client.post('/api/2.0/mlflow/runs/log-metric', body);
    if (i >= 200) samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  report('mlflow: log-metric round trip p50 (keep-alive, client in the same process)', samples[Math.floor(samples.length / 2)], 'ms', '< 1 ms');
  report('  p99 of the same', samples[Math.floor(samples.length * 0.99)], 'ms', '');
}

/** Runs the MLflow API benchmarks on a temp store and reports each figure. */
export async function runMlflowBench(report: Report): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-bench-mlflow-'));
  const store = Store.open(join(dir, '.labbook'));
  const server = await startTrackingServer({ store, log: () => undefined });
  const client = new BenchClient(server.url);
  try {
    await benchIngest(client, store, report);
    await benchRoundTrip(client, store.createRun({ name: 'bench-latency' }).id, report);
  } finally {
    client.close();
    await server.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
