// Development check (not CI: CI has no MLflow): issue 16's round trip against a real MLflow tracking server.
//   bash /work/mlflow-real/run.sh 5077 &   (docs: real-mlflow-server.md), then
//   node --import tsx scripts/sync-real-mlflow.ts http://127.0.0.1:5077 [--record test/fixtures/mlflow-sync]
// Pushes a run with 100,000 points, 50 params, 20 tags and a 10 MB file with the built CLI, pulls it into another
// store, compares everything exactly, re-pushes (nothing sent), grows the run, SIGKILLs a second push halfway and
// resumes it. Prints one line per check; exits 1 when one fails. --record saves the server's answers the sync
// code depends on as JSON fixtures for test/unit/syncReplay.test.ts.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ModelRegistry } from '../src/store/registry';
import { Store } from '../src/store/store';
import { MlflowClient } from '../src/sync/client';
import { remoteHistory } from '../src/sync/remoteRuns';
import { histories, recordBigRun } from '../test/integration/syncFixture';

const CLI = resolve(__dirname, '..', 'dist', 'cli.js');
const url = process.argv[2] ?? 'http://127.0.0.1:5077';
const recordIndex = process.argv.indexOf('--record');
const recordDir = recordIndex > 0 ? resolve(process.argv[recordIndex + 1]) : undefined;
let failed = 0;

function cli(cwd: string, ...args: string[]): Record<string, unknown> {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, LABBOOK_DIR: '' } });
  if (result.status !== 0) throw new Error(`labbook ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return args.includes('--json') ? (JSON.parse(result.stdout) as Record<string, unknown>) : {};
}

async function check(name: string, action: () => Promise<string> | string): Promise<void> {
  const started = Date.now();
  try {
    const detail = await action();
    process.stdout.write(`PASS ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)${detail ? `: ${detail}` : ''}\n`);
  } catch (error) {
    failed++;
    process.stdout.write(`FAIL ${name}: ${(error as Error).message}\n`);
  }
}

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-real-sync-'));
  mkdirSync(join(dir, '.labbook'));
  cli(dir, 'remote', 'add', 'real', url);
  return dir;
}

function ledgerPoints(dir: string, runId: string): number {
  const sync = join(dir, '.labbook', 'sync');
  if (!existsSync(sync)) return 0;
  for (const remote of readdirSync(sync)) {
    const file = join(sync, remote, `${runId}.json`);
    if (existsSync(file))
      return Object.values((JSON.parse(readFileSync(file, 'utf8')) as { metrics: Record<string, number> }).metrics).reduce((a, b) => a + b, 0);
  }
  return 0;
}

async function record(name: string, method: string, path: string, body?: unknown): Promise<void> {
  if (!recordDir) return;
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  mkdirSync(recordDir, { recursive: true });
  // A long request (1,001 metrics) is recorded as a description: the answer is what the tests replay.
  const shown = JSON.stringify(body ?? null).length > 2000 ? `${JSON.stringify(body).length} characters` : body;
  writeFileSync(
    join(recordDir, `${name}.json`),
    `${JSON.stringify({ request: { method, path, body: shown }, status: response.status, body: text }, null, 2)}\n`,
  );
}

async function main(): Promise<void> {
  const local = workspace();
  const store = Store.open(join(local, '.labbook'));
  const big = recordBigRun(store);
  const registry = new ModelRegistry(store);
  registry.createModel('churn');
  registry.createVersion('churn', { source: `runs:/${big.runId}/models/model.bin`, runId: big.runId });
  registry.transitionStage('churn', 1, 'Production');
  registry.setAlias('churn', 'champion', 1);
  const source = histories(store, big.runId);
  const sourceDetail = store.getRunDetail(big.runId);
  store.close();
  let remoteId = '';

  await check('push of 100,000 points, 50 params, 20 tags, 10 MB file', () => {
    const started = Date.now();
    const summary = cli(local, 'push', '--json');
    assert.equal(summary.points, 100_000);
    assert.equal(summary.params, 50);
    assert.equal(summary.artifacts, 1);
    remoteId = (summary.remoteIds as Record<string, string>)[big.runId];
    return `${summary.requests} requests, ${Math.round(100_000 / ((Date.now() - started) / 1000))} points/s`;
  });

  await check('the model version is on the real server with its stage and alias', async () => {
    const client = new MlflowClient(url);
    const answer = await client.get<{ model_version: { version: string; current_stage: string; run_id: string; source: string } }>(
      'registered-models/alias',
      {
        name: 'churn',
        alias: 'champion',
      },
    );
    assert.equal(answer.model_version.current_stage, 'Production');
    assert.equal(answer.model_version.run_id, remoteId);
    return `version ${answer.model_version.version}, source ${answer.model_version.source}`;
  });

  await check('re-push sends nothing', () => {
    const summary = cli(local, 'push', '--json');
    assert.equal(summary.points, 0);
    assert.equal(summary.requests, 0);
    return `points ${summary.points}, requests ${summary.requests}`;
  });

  await check('real server holds every point exactly (get-history through the REST API)', async () => {
    const client = new MlflowClient(url);
    for (const [key, points] of Object.entries(source)) assert.deepEqual(await remoteHistory(client, remoteId, key), points, key);
    return `${Object.keys(source).length} keys`;
  });

  const third = workspace();
  await check('pull into a third store compares exactly (values, steps, timestamps, NaN/±Inf, params, tags, artifact sha256)', () => {
    const summary = cli(third, 'pull', '--json', '--experiment', 'sync-test', '--filter', `tags.\`labbook.run_id\` = '${big.runId}'`);
    assert.equal(summary.created, 1);
    const copy = Store.open(join(third, '.labbook'));
    try {
      const run = copy.getRunDetail(remoteId);
      assert.deepEqual(histories(copy, remoteId), source);
      assert.deepEqual(run.params, sourceDetail.params);
      for (const [key, value] of Object.entries(sourceDetail.tags)) assert.equal(run.tags[key], value, key);
      assert.equal(run.status, 'FINISHED');
      assert.equal(run.startTime, sourceDetail.startTime);
      assert.equal(run.endTime, sourceDetail.endTime);
      assert.equal(run.artifacts.find((a) => a.path === 'models/model.bin')?.sha256, sourceDetail.artifacts[0].sha256);
    } finally {
      copy.close();
    }
    return `${summary.points} points pulled`;
  });

  await check('a grown run sends only its new point', () => {
    const grow = Store.open(join(local, '.labbook'));
    grow.logMetrics(big.runId, [{ key: 'loss', value: 0.25, step: 100_000, timestamp: 1_700_000_300_000 }]);
    grow.close();
    const summary = cli(local, 'push', '--json');
    assert.equal(summary.points, 1);
    return '';
  });

  await check('a push SIGKILLed halfway resumes with no duplicates', async () => {
    const again = Store.open(join(local, '.labbook'));
    const second = recordBigRun(again);
    const expected = histories(again, second.runId);
    again.close();
    const child = spawn(process.execPath, [CLI, 'push', '--json', second.runId], {
      cwd: local,
      stdio: 'ignore',
      env: { ...process.env, LABBOOK_DIR: '' },
    });
    const deadline = Date.now() + 120_000;
    while (ledgerPoints(local, second.runId) < 30_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    const before = ledgerPoints(local, second.runId);
    const summary = cli(local, 'push', '--json', second.runId);
    assert.equal(summary.created, 0);
    assert.ok((summary.points as number) <= 100_000 - before + 1000);
    const id = (summary.remoteIds as Record<string, string>)[second.runId];
    const client = new MlflowClient(url);
    for (const [key, points] of Object.entries(expected)) assert.deepEqual(await remoteHistory(client, id, key), points, key);
    return `killed after ${before} acknowledged points, resumed with ${summary.points}`;
  });

  await record('get-by-name-missing', 'GET', '/api/2.0/mlflow/experiments/get-by-name?experiment_name=no-such-experiment');
  await record('runs-create', 'POST', '/api/2.0/mlflow/runs/create', { experiment_id: '0', run_name: 'recorded', start_time: 1_700_000_000_000 });
  await record('log-batch-1001-metrics', 'POST', '/api/2.0/mlflow/runs/log-batch', {
    run_id: remoteId,
    metrics: Array.from({ length: 1001 }, (_, i) => ({ key: 'over', value: i, timestamp: 1, step: i })),
  });
  await record('get-history-special-values', 'GET', `/api/2.0/mlflow/metrics/get-history?run_id=${remoteId}&metric_key=odd`);
  await record('search-by-run-id-tag', 'POST', '/api/2.0/mlflow/runs/search', {
    experiment_ids: ['1'],
    filter: `tags.\`labbook.run_id\` = '${big.runId}'`,
    max_results: 1,
  });
  await record('missing-endpoint', 'GET', '/api/2.0/mlflow/logged-models/search');
  process.exit(failed ? 1 : 0);
}

void main();
