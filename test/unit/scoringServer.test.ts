// The scoring server in process, on a real Python child serving an sklearn model written in mlflow's layout.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { columnSample } from '../../src/server/scoring/inputWindow';
import { ModelProcess } from '../../src/server/scoring/modelProcess';
import { MIN_DRIFT_ROWS, startScoringServer, type ScoringServer } from '../../src/server/scoring/scoringServer';
import { inferenceLog } from '../../src/store/inferenceLog';
import { Store } from '../../src/store/store';

const ROOT = resolve(__dirname, '..', '..');
const PYTHON = process.env.LABBOOK_TEST_PYTHON ?? '/usr/bin/python3';
const FIXTURES = join(ROOT, 'test', 'fixtures', 'python');
const TOKEN = 'test-token';

interface Answer {
  status: number;
  type: string;
  body: string;
}

function call(url: string, path: string, options: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolveAnswer, reject) => {
    const req = request(`${url}${path}`, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const auth = { Authorization: `Bearer ${TOKEN}` };
const json = { ...auth, 'Content-Type': 'application/json' };

function score(url: string, body: object, path = '/invocations'): Promise<Answer> {
  return call(url, path, { method: 'POST', headers: json, body: JSON.stringify(body) });
}

describe('the scoring server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-scoring-'));
  const modelDir = join(dir, 'model');
  let store: Store;
  let model: ModelProcess;
  let server: ScoringServer;
  const logs: string[] = [];

  before(async () => {
    const made = spawnSync(PYTHON, [join(FIXTURES, 'serving_model.py'), modelDir, 'crasher'], {
      env: { ...process.env, PYTHONPATH: FIXTURES },
      encoding: 'utf8',
    });
    assert.equal(made.status, 0, made.stderr);
    store = Store.open(join(dir, '.labbook'));
    model = new ModelProcess({
      python: PYTHON,
      script: join(ROOT, 'python', 'labbook', 'serving.py'),
      modelPath: modelDir,
      log: (line) => logs.push(line),
      env: { ...process.env, PYTHONPATH: FIXTURES },
    });
    const info = await model.start();
    // The reference: a, b, c around 0, as the model was trained.
    const reference = {
      name: 'train',
      rows: 200,
      columns: new Map(['a', 'b', 'c'].map((name, k) => [name, columnSample(Array.from({ length: 200 }, (_, i) => Math.sin(i * (k + 1.3))))])),
    };
    server = await startScoringServer({
      model,
      info,
      name: 'iris',
      version: 3,
      token: TOKEN,
      serverVersion: '9.9.9',
      inferenceLog: { store, options: { sample: 1, keep: 5, flushMs: 60_000 } },
      drift: { reference, window: 100, intervalMs: 60_000 },
      log: (line) => logs.push(line),
    });
  });
  after(async () => {
    await server.close();
    await model.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('probes answer without the token; everything else needs it', async () => {
    assert.equal((await call(server.url, '/ping')).status, 200);
    assert.equal((await call(server.url, '/health')).status, 200);
    assert.equal((await call(server.url, '/version')).body, '9.9.9');
    for (const path of ['/metrics', '/labbook/window.csv']) assert.equal((await call(server.url, path)).status, 401, path);
    const noToken = await call(server.url, '/invocations', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"instances": [[1, 2, 3]]}',
    });
    assert.equal(noToken.status, 401);
    assert.equal(JSON.parse(noToken.body).error_code, 'UNAUTHENTICATED');
    const wrong = await call(server.url, '/metrics', { headers: { Authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
  });

  test("a hostile page's requests are refused: foreign Origin, foreign Host (DNS rebinding), a form post", async () => {
    const origin = await call(server.url, '/invocations', {
      method: 'POST',
      headers: { ...json, Origin: 'http://evil.example' },
      body: '{"instances": [[1, 2, 3]]}',
    });
    assert.equal(origin.status, 403);
    const rebound = await call(server.url, '/ping', { headers: { Host: `evil.example:${server.port}` } });
    assert.equal(rebound.status, 403);
    const form = await call(server.url, '/invocations', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', Origin: 'http://evil.example' },
      body: '{"instances": [[1, 2, 3]]}',
    });
    assert.equal(form.status, 403);
  });

  test('every payload form scores, answering {"predictions": [...]} as MLflow does', async () => {
    const forms: [object, string?][] = [
      [{ dataframe_split: { columns: ['a', 'b', 'c'], data: [[1, 2, 3]] } }],
      [{ dataframe_records: [{ c: 3, b: 2, a: 1 }] }],
      [{ instances: [[1, 2, 3]] }],
      [{ inputs: { a: [1], b: [2], c: [3] } }],
      [{ features: [1, 2, 3] }, '/predict'],
    ];
    for (const [body, path] of forms) {
      const answer = await score(server.url, body, path);
      assert.equal(answer.status, 200, answer.body);
      assert.deepEqual(JSON.parse(answer.body), { predictions: [1] });
    }
    const csv = await call(server.url, '/invocations', {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'text/csv' },
      body: 'b,a,c\n-2,-1,0\n',
    });
    assert.deepEqual(JSON.parse(csv.body), { predictions: [0] });
  });

  test("inputs the model refuses are 400s with the model's reason; unknown endpoints 404", async () => {
    const narrow = await score(server.url, { instances: [[1, 2]] });
    assert.equal(narrow.status, 400);
    assert.match(JSON.parse(narrow.body).message, /could not score this input: .*features/);
    const missing = await score(server.url, { dataframe_records: [{ a: 1, b: 2 }] });
    assert.match(JSON.parse(missing.body).message, /missing feature\(s\) c/);
    assert.equal((await call(server.url, '/nope', { headers: auth })).status, 404);
  });

  test('a crashed model process gives a 503 that says so, and the next request is served by a new one', async () => {
    const before = model.pid;
    const crash = await score(server.url, { instances: [[666, 0, 0]] });
    assert.equal(crash.status, 503);
    assert.match(JSON.parse(crash.body).message, /model process exited with code 3 .*restarted/);
    const again = await score(server.url, { instances: [[1, 2, 3]] });
    assert.equal(again.status, 200, again.body);
    assert.notEqual(model.pid, before);
    assert.equal(model.restarts, 1);
  });

  test('/metrics: the series by their contract names, in the text exposition format', async () => {
    const answer = await call(server.url, '/metrics', { headers: auth });
    assert.match(answer.type, /^text\/plain; version=0\.0\.4/);
    const text = answer.body;
    assert.match(text, /^predictions_total\{model="iris",version="3",status="ok"\} 7$/m);
    assert.match(text, /^predictions_total\{model="iris",version="3",status="error"\} 3$/m);
    assert.match(text, /^prediction_duration_seconds_count\{model="iris",version="3"\} 10$/m);
    assert.match(text, /^predicted_class_total\{model="iris",version="3",class="1"\} 6$/m);
    assert.match(text, /^input_feature_value_count\{model="iris",version="3",feature="a"\} 7$/m);
    assert.match(text, /^model_process_restarts_total\{model="iris",version="3"\} 1$/m);
    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(promtool.status, 0, `${promtool.stdout}${promtool.stderr}`);
  });

  test('the window of inputs is served as CSV by feature name, and the drift gauge rises on shifted inputs', async () => {
    const csv = await call(server.url, '/labbook/window.csv', { headers: auth });
    assert.equal(csv.body.split('\n')[0], 'a,b,c');
    assert.equal(csv.body.split('\n')[2], '1,2,3', 'records are put in the model feature order');
    const like = Array.from({ length: MIN_DRIFT_ROWS }, (_, i) => [Math.sin(i), Math.sin(i * 2), Math.sin(i * 3)]);
    await score(server.url, { instances: like });
    server.recomputeDrift();
    const share = async (): Promise<number> =>
      Number(/^drift_share_of_drifted_features\{[^}]*\} (\S+)$/m.exec((await call(server.url, '/metrics', { headers: auth })).body)?.[1]);
    const calm = await share();
    await score(server.url, { instances: Array.from({ length: 100 }, (_, i) => [50 + i, 40, -30]) });
    server.recomputeDrift();
    const shifted = await share();
    assert.ok(shifted > calm, `drift share ${calm} -> ${shifted}`);
    assert.equal(shifted, 1);
  });

  test('the inference log keeps the newest rows per version, written in a batch', async () => {
    await server.close();
    const logged = inferenceLog(store, 'iris', 3);
    assert.equal(logged.length, 5);
    assert.deepEqual(logged[0].input, { a: 149, b: 40, c: -30 });
    assert.equal(logged[0].prediction, 1);
  });
});
