// The serving loop end to end: an sklearn model registered through the MLflow REST API under `labbook run`,
// `labbook serve-model` on it, every payload form, then a real Prometheus (Debian's /usr/bin/prometheus) scraping
// /metrics, read back through its query API, and the drift share rising in it once the inputs shift.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { servedModels } from '../../src/server/scoring/discovery';
import { inferenceLog } from '../../src/store/inferenceLog';
import { makeWorkspace, openStore, PYTHON, ROOT, runCli, startCli, waitFor } from './helpers';

const TRAIN = join(ROOT, 'test', 'fixtures', 'python', 'serving_train.py');
const TOKEN = 'integration-token';
const PROMETHEUS = process.env.LABBOOK_TEST_PROMETHEUS ?? '/usr/bin/prometheus';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

// Training data: a, b, c around 0; the label is whether a + b > 0 (a little noise so both classes overlap).
function trainingCsv(): string {
  const rows = ['a,b,c,label'];
  for (let i = 0; i < 300; i++) {
    const [a, b, c] = [Math.sin(i * 1.7), Math.cos(i * 2.3), Math.sin(i * 0.9 + 1)];
    rows.push(`${a},${b},${c},${a + b + 0.1 * Math.sin(i * 7) > 0 ? 1 : 0}`);
  }
  return `${rows.join('\n')}\n`;
}

async function post(url: string, path: string, body: string, contentType = 'application/json'): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': contentType }, body });
  return { status: res.status, json: await res.json() };
}

/** One instant-vector value from Prometheus, or undefined while it has none. */
async function promValue(prometheus: string, query: string): Promise<number | undefined> {
  const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(query)}`);
  if (!res.ok) return undefined;
  const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
  const [first] = body.data.result;
  return first ? Number(first.value[1]) : undefined;
}

/** Polls Prometheus until `query` has a value that `accept` takes; returns it. */
async function waitForProm(prometheus: string, query: string, accept: (value: number) => boolean, what: string): Promise<number> {
  let last: number | undefined;
  const deadline = Date.now() + 30_000;
  for (;;) {
    last = await promValue(prometheus, query).catch(() => undefined);
    if (last !== undefined && accept(last)) return last;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what} in Prometheus (${query}; last value ${last})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function stop(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

test('serve-model: MLflow payloads, /metrics scraped by a real Prometheus, drift share rising on shifted inputs', { timeout: 240_000 }, async () => {
  const workspace = makeWorkspace();
  let prometheus: ChildProcess | undefined;
  let served: ReturnType<typeof startCli> | undefined;
  try {
    mkdirSync(join(workspace.dir, 'data'));
    writeFileSync(join(workspace.dir, 'data', 'train.csv'), trainingCsv());
    const trained = await runCli(['run', '--', PYTHON, TRAIN, 'churn'], { cwd: workspace.dir });
    assert.equal(trained.code, 0, trained.stderr);

    served = startCli(['serve-model', 'churn/Production', '--port', '0', '--python', PYTHON, '--window', '200', '--drift-interval', '0.2'], {
      cwd: workspace.dir,
      env: { LABBOOK_SERVE_TOKEN: TOKEN },
    });
    const storeDir = join(workspace.dir, '.labbook');
    const entry = await waitFor('the discovery file of serve-model', () => servedModels(storeDir)[0], 60_000);
    assert.deepEqual(
      { model: entry.model, version: entry.version, stage: entry.stage, token: entry.token },
      { model: 'churn', version: 1, stage: 'Production', token: TOKEN },
    );
    const url = entry.url;

    // Every form MLflow's scoring server takes, and the classic /predict.
    const row = { a: 0.5, b: 0.5, c: 0 };
    const forms: [string, string, string?][] = [
      ['/invocations', JSON.stringify({ dataframe_split: { columns: ['a', 'b', 'c'], data: [[0.5, 0.5, 0]] } })],
      ['/invocations', JSON.stringify({ dataframe_records: [row] })],
      ['/invocations', JSON.stringify({ instances: [[0.5, 0.5, 0]] })],
      ['/invocations', JSON.stringify({ inputs: { a: [0.5], b: [0.5], c: [0] } })],
      ['/invocations', 'a,b,c\n0.5,0.5,0\n', 'text/csv'],
      ['/predict', JSON.stringify({ features: [0.5, 0.5, 0] })],
    ];
    for (const [path, body, type] of forms) assert.deepEqual(await post(url, path, body, type), { status: 200, json: { predictions: [1] } }, body);
    const malformed = await post(url, '/invocations', '{"instances": [[1, NaN, 0]]}');
    assert.equal(malformed.status, 400);

    const metricsText = await (await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } })).text();
    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: metricsText, encoding: 'utf8' });
    assert.equal(promtool.status, 0, `promtool check metrics: ${promtool.stdout}${promtool.stderr}`);

    // In-distribution traffic first, so the gauge has a calm value before the shift.
    const calmRows = Array.from({ length: 100 }, (_, i) => [Math.sin(i * 1.7 + 0.3), Math.cos(i * 2.3 + 0.3), Math.sin(i * 0.9 + 1.3)]);
    assert.equal((await post(url, '/invocations', JSON.stringify({ instances: calmRows }))).status, 200);

    const port = await freePort();
    const promDir = join(workspace.dir, 'prometheus');
    mkdirSync(promDir);
    const target = new URL(url).host;
    writeFileSync(
      join(promDir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        'scrape_configs:',
        '  - job_name: labbook-model',
        '    scrape_interval: 1s',
        '    authorization:',
        `      credentials: ${TOKEN}`,
        '    static_configs:',
        `      - targets: ['${target}']`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(
      PROMETHEUS,
      [`--config.file=${join(promDir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(promDir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let promLog = '';
    prometheus.stderr!.on('data', (chunk: Buffer) => (promLog = (promLog + chunk.toString('utf8')).slice(-4000)));
    const prom = `http://127.0.0.1:${port}`;
    await waitForProm(prom, 'up{job="labbook-model"}', (v) => v === 1, 'the model server scraped as up').catch((error: Error) => {
      throw new Error(`${error.message}\n${promLog}`);
    });

    const ok = await waitForProm(prom, 'predictions_total{model="churn",version="1",status="ok"}', (v) => v >= 7, 'ok predictions');
    assert.equal(ok, 7);
    assert.equal(await waitForProm(prom, 'predictions_total{model="churn",status="error"}', (v) => v >= 1, 'errors'), 1);
    assert.equal(await waitForProm(prom, 'prediction_duration_seconds_count{model="churn"}', (v) => v >= 8, 'durations'), 8);
    await waitForProm(prom, 'histogram_quantile(0.95, prediction_duration_seconds_bucket{model="churn"})', (v) => v > 0, 'p95 latency');
    await waitForProm(prom, 'predicted_class_total{model="churn",class="1"}', (v) => v >= 6, 'class counts');
    await waitForProm(prom, 'input_feature_value_count{model="churn",feature="a"}', (v) => v >= 106, 'feature summaries');
    const calm = await waitForProm(prom, 'drift_share_of_drifted_features{model="churn",version="1"}', () => true, 'the drift share');
    assert.ok(calm < 0.5, `in-distribution inputs drift: share ${calm}`);

    // Shifted inputs fill the window: every feature drifts.
    const shifted = Array.from({ length: 200 }, (_, i) => [5 + Math.sin(i), -4 + Math.cos(i), 3 + Math.sin(i * 3)]);
    assert.equal((await post(url, '/invocations', JSON.stringify({ instances: shifted }))).status, 200);
    const risen = await waitForProm(prom, 'drift_share_of_drifted_features{model="churn",version="1"}', (v) => v > calm, 'the drift share to rise');
    assert.equal(risen, 1);

    const windowCsv = await (await fetch(`${url}/labbook/window.csv`, { headers: { Authorization: `Bearer ${TOKEN}` } })).text();
    assert.equal(windowCsv.split('\n')[0], 'a,b,c');
    assert.equal(windowCsv.trim().split('\n').length, 201, 'the header and the window of 200 rows');

    await stop(served.child, 'SIGINT');
    const exit = await served.done;
    assert.equal(exit.code, 0, exit.stderr);
    assert.equal(existsSync(join(storeDir, 'serving', `${entry.pid}.json`)), false, 'the discovery file is removed on exit');
    const store = openStore(workspace.dir);
    try {
      assert.equal(inferenceLog(store, 'churn', 1, 100_000).length, 306, 'every scored row is in the inference log');
    } finally {
      store.close();
    }
  } finally {
    await stop(prometheus, 'SIGTERM');
    await stop(served?.child, 'SIGKILL');
    workspace.cleanup();
  }
});

test('serve-model: a usage mistake or an unknown model is exit 2 with a message that says which', async () => {
  const workspace = makeWorkspace();
  try {
    openStore(workspace.dir).close();
    const usage = await runCli(['serve-model'], { cwd: workspace.dir });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /Usage: labbook serve-model NAME/);
    const port = await runCli(['serve-model', 'churn', '--port', 'http'], { cwd: workspace.dir });
    assert.equal(port.code, 2);
    assert.match(port.stderr, /--port takes a port number, got 'http'/);
    const unknown = await runCli(['serve-model', 'churn/Production'], { cwd: workspace.dir });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Registered Model with name=churn not found/);
    assert.deepEqual(servedModels(join(workspace.dir, '.labbook')), []);
  } finally {
    workspace.cleanup();
  }
});

test('serve-model: a plain model.pkl registered with labbook models register is served; a port in use is exit 2', async () => {
  const workspace = makeWorkspace();
  try {
    const made = spawnSync(PYTHON, [join(ROOT, 'test', 'fixtures', 'python', 'serving_model.py'), join(workspace.dir, 'mlflow-layout')], {
      encoding: 'utf8',
    });
    assert.equal(made.status, 0, made.stderr);
    const store = openStore(workspace.dir);
    try {
      const run = store.createRun({
        name: 'pickled',
        experimentName: 'plain',
        argv: ['python3', 'train.py'],
        git: { commit: null, branch: null, dirty: false },
      });
      const sha256 = store.objects.putBuffer(readFileSync(join(workspace.dir, 'mlflow-layout', 'model.pkl')));
      store.addArtifact({ runId: run.id, path: 'model.pkl', sha256, size: 1, role: 'model', direction: 'output' });
      store.setStatus(run.id, 'FINISHED');
    } finally {
      store.close();
    }
    assert.equal((await runCli(['models', 'register', '@last', '--name', 'plain'], { cwd: workspace.dir })).code, 0);
    const served = startCli(['serve-model', 'plain/1', '--port', '0', '--python', PYTHON], {
      cwd: workspace.dir,
      env: { LABBOOK_SERVE_TOKEN: TOKEN },
    });
    try {
      const entry = await waitFor('the discovery file', () => servedModels(join(workspace.dir, '.labbook'))[0], 60_000);
      assert.equal(entry.stage, undefined);
      assert.deepEqual(
        await post(
          entry.url,
          '/predict',
          JSON.stringify({
            features: [
              [1, 1, 0],
              [-1, -1, 0],
            ],
          }),
        ),
        { status: 200, json: { predictions: [1, 0] } },
      );
    } finally {
      await stop(served.child, 'SIGINT');
    }
    assert.match((await served.done).stderr, /no drift gauge: Run pickled, the source of plain version 1, recorded no CSV or Parquet input/);
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const address = busy.address();
      const busyPort = String(typeof address === 'object' && address ? address.port : 0);
      const taken = await runCli(['serve-model', 'plain', '--port', busyPort, '--python', PYTHON], { cwd: workspace.dir });
      assert.equal(taken.code, 2);
      assert.match(taken.stderr, new RegExp(`Port ${busyPort} on 127.0.0.1 is in use`));
    } finally {
      busy.close();
    }
  } finally {
    workspace.cleanup();
  }
});
