// `labbook push` throughput to `labbook serve` over loopback (issue 16), beside the baseline of the same server: its
// raw log-batch rate for the same 100,000 points in batches of 1,000 sent back to back with nothing else to do.
// The push reads the points from the local store, keeps the ledger (one fsynced rename per batch) and plans.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/store/store';
import { MlflowClient } from '../../src/sync/client';
import { Ledger } from '../../src/sync/ledger';
import { push } from '../../src/sync/push';
import { startLabbookServe } from './labbookServe';

type Report = (name: string, value: number, unit: string, target: string) => void;

const POINTS = 100_000;
const KEYS = ['loss', 'acc', 'val_loss', 'lr'];

function point(i: number): { key: string; value: number; step: number; timestamp: number } {
  return { key: KEYS[i % KEYS.length], value: Math.sin(i), step: Math.floor(i / KEYS.length), timestamp: 1e12 + i };
}

async function rawLogBatch(client: MlflowClient, name: string): Promise<number> {
  const experiment = await client.post<{ experiment_id: string }>('experiments/create', { name });
  const run = await client.post<{ run: { info: { run_id: string } } }>('runs/create', { experiment_id: experiment.experiment_id, start_time: 1e12 });
  const started = process.hrtime.bigint();
  for (let start = 0; start < POINTS; start += 1000) {
    const metrics = Array.from({ length: 1000 }, (_, i) => point(start + i));
    await client.post('runs/log-batch', { run_id: run.run.info.run_id, metrics });
  }
  return POINTS / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function pushRate(local: Store, url: string, name: string): Promise<number> {
  const run = local.createRun({ experimentName: 'bench', name });
  for (let start = 0; start < POINTS; start += 10_000)
    local.logMetrics(
      run.id,
      Array.from({ length: 10_000 }, (_, i) => point(start + i)),
    );
  local.finishRun(run.id, 'FINISHED');
  const started = process.hrtime.bigint();
  const summary = await push(local, new MlflowClient(url), new Ledger(local.dir, url), [run.id]);
  return summary.points / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** Prints push points/s and the raw log-batch rate of the same server. */
export async function runSyncBench(report: Report): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-bench-sync-'));
  const serve = await startLabbookServe(dir);
  const local = Store.open(join(dir, 'local'));
  try {
    // Each best of two, interleaved: the first raw run also warms the server up (JIT, SQLite cache); the machine's
    // load varies from second to second, so one pass of each would compare two different machines.
    let raw = 0;
    let rate = 0;
    for (const name of ['push-1', 'push-2']) {
      raw = Math.max(raw, await rawLogBatch(new MlflowClient(serve.url), `raw-${name}`));
      rate = Math.max(rate, await pushRate(local, serve.url, name));
    }
    report('sync: raw log-batch to labbook serve, 1,000 points a batch (baseline)', raw, 'points/s', '');
    report(
      'sync: labbook push of a 100,000-point run to labbook serve',
      rate,
      'points/s',
      `>= 50% of the baseline (${Math.round((100 * rate) / raw)}%)`,
    );
  } finally {
    local.close();
    await serve.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module)
  void runSyncBench((name, value, unit, target) => process.stdout.write(`${name}: ${Math.round(value)} ${unit} ${target}\n`));
