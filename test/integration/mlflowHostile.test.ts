// Hostile and concurrent input: traversal paths, oversized bodies, malformed JSON, wrong types, unknown ids, bad
// tokens (never a 5xx for a client mistake), and several processes and servers logging into one store at once.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ModelRegistry } from '../../src/store/registry';
import type { Harness, Reply } from './mlflowHarness';
import { rawRequest, runProcess, startHarness } from './mlflowHarness';
import { startServerProcess } from './helpers';

const ROOT = join(__dirname, '..', '..');
const WORKER = join(ROOT, 'test', 'fixtures', 'python', 'mlflow_batch_worker.py');
const AUTH = { Authorization: 'Bearer test-token' };

function errorCode(reply: Reply): unknown {
  return (reply.json as { error_code?: unknown } | undefined)?.error_code;
}

function uploadsLeft(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith(`labbook-upload-${process.pid}-`));
}

describe('hostile requests', () => {
  let h: Harness;
  let runId: string;
  let prefix: string;
  before(async () => {
    h = await startHarness({ maxBodyBytes: 64 * 1024, maxArtifactBytes: 256 * 1024 });
    runId = h.store.createRun().id;
    prefix = `/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts`;
  });
  after(() => h.close());

  test('artifact paths that leave the run folder are a 400 and store nothing', async () => {
    const paths = [
      '/../../../etc/passwd',
      '/%2e%2e/%2e%2e/x',
      '/a/%2E%2E/%2E%2E/%2E%2E/x',
      '/a%2F..%2F..%2Fx',
      '/%2Fetc%2Fpasswd',
      '/a%5Cb',
      '/a%00b',
      '/a//b',
    ];
    for (const path of paths) {
      for (const method of ['PUT', 'GET']) {
        const reply = await rawRequest(h.server.url, method, `${prefix}${path}`, { headers: AUTH, body: method === 'PUT' ? 'x' : undefined });
        assert.equal(reply.status, 400, `${method} ${path}: ${reply.body.toString()}`);
        assert.equal(errorCode(reply), 'INVALID_PARAMETER_VALUE', `${method} ${path}`);
      }
      const listed = await h.call('GET', '/api/2.0/mlflow-artifacts/artifacts', {
        query: { path: `0/${runId}/artifacts${decodeURIComponent(path)}` },
      });
      assert.equal(listed.status, 400, `list ${path}`);
    }
    assert.deepEqual(h.store.artifacts(runId), []);
    const malformed = await rawRequest(h.server.url, 'GET', `${prefix}/%E0%A4%A`, { headers: AUTH });
    assert.equal(malformed.status, 400);
  });

  test('artifact paths naming a drive, a UNC share, a backslash or a NUL anywhere are a 400 and store nothing', async () => {
    const paths = [
      '/C:/x',
      '/c:',
      '/C:x',
      '/a/C:/x',
      '/a/d:',
      '/%43%3A/x',
      '//server/share/x',
      '/%2F%2Fserver%2Fshare',
      '/%5C%5Cserver%5Cshare',
      '/a%5C..%5Cx',
      '/x%00',
      '/%00',
    ];
    for (const path of paths) {
      for (const method of ['PUT', 'GET']) {
        const reply = await rawRequest(h.server.url, method, `${prefix}${path}`, { headers: AUTH, body: method === 'PUT' ? 'x' : undefined });
        assert.deepEqual([reply.status, errorCode(reply)], [400, 'INVALID_PARAMETER_VALUE'], `${method} ${path}: ${reply.body.toString()}`);
      }
      const listed = await h.call('GET', '/api/2.0/mlflow-artifacts/artifacts', {
        query: { path: `0/${runId}/artifacts${decodeURIComponent(path)}` },
      });
      assert.equal(listed.status, 400, `list ${path}`);
    }
    assert.deepEqual(h.store.artifacts(runId), []);
  });

  test('oversized bodies get a JSON 413 and leave nothing behind, declared or chunked', async () => {
    const json = await rawRequest(h.server.url, 'POST', '/api/2.0/mlflow/runs/log-batch', {
      headers: { ...AUTH, 'Content-Type': 'application/json' },
      body: JSON.stringify({ run_id: runId, tags: [{ key: 'big', value: 'x'.repeat(100 * 1024) }] }),
    });
    assert.deepEqual([json.status, errorCode(json)], [413, 'INVALID_PARAMETER_VALUE']);
    const chunkedJson = await rawRequest(h.server.url, 'POST', '/api/2.0/mlflow/runs/log-batch', {
      headers: { ...AUTH, 'Content-Type': 'application/json' },
      body: JSON.stringify({ run_id: runId, tags: [{ key: 'big', value: 'x'.repeat(100 * 1024) }] }),
      chunked: true,
    });
    assert.equal(chunkedJson.status, 413);
    for (const chunked of [false, true]) {
      const upload = await rawRequest(h.server.url, 'PUT', `${prefix}/huge.bin`, { headers: AUTH, body: Buffer.alloc(512 * 1024, 7), chunked });
      assert.deepEqual([upload.status, errorCode(upload)], [413, 'INVALID_PARAMETER_VALUE'], `chunked=${chunked}`);
    }
    assert.deepEqual(h.store.artifacts(runId), []);
    assert.deepEqual(h.store.tags(runId), {});
    assert.deepEqual(uploadsLeft(), []);
    const fine = await h.call('PUT', `${prefix}/ok.bin`, { bytes: Buffer.alloc(200 * 1024, 1) });
    assert.equal(fine.status, 200, 'the server still answers after refusing');
  });

  test('malformed JSON, non-object bodies and wrong field types are 400s that name the problem', async () => {
    const cases: [string, string | unknown, string][] = [
      ['runs/log-metric', '{"run_id": ', 'BAD_REQUEST'],
      ['runs/log-metric', [1, 2], 'BAD_REQUEST'],
      ['runs/log-metric', { run_id: runId, key: 'k', value: { nested: 1 }, timestamp: 1 }, 'INVALID_PARAMETER_VALUE'],
      ['runs/log-metric', { run_id: runId, key: 'k', value: 1, timestamp: 'yesterday' }, 'INVALID_PARAMETER_VALUE'],
      ['runs/log-metric', { run_id: runId, key: '', value: 1 }, 'INVALID_PARAMETER_VALUE'],
      ['runs/log-batch', { run_id: runId, metrics: { key: 'k' } }, 'INVALID_PARAMETER_VALUE'],
      ['runs/log-batch', { run_id: runId, params: [{ key: 'p', value: 5 }] }, 'INVALID_PARAMETER_VALUE'],
      [
        'runs/log-batch',
        {
          run_id: runId,
          params: [
            { key: 'p', value: 'a' },
            { key: 'p', value: 'b' },
          ],
        },
        'INVALID_PARAMETER_VALUE',
      ],
      ['runs/create', { experiment_id: 5 }, 'INVALID_PARAMETER_VALUE'],
      ['runs/search', { filter: 'metrics.x >>> 1' }, 'INVALID_PARAMETER_VALUE'],
      ['runs/search', { max_results: 50_001 }, 'INVALID_PARAMETER_VALUE'],
      ['runs/search', { page_token: '!!!' }, 'INVALID_PARAMETER_VALUE'],
      ['runs/log-model', { run_id: runId, model_json: 'not json' }, 'INVALID_PARAMETER_VALUE'],
      ['experiments/create', { name: '   ' }, 'INVALID_PARAMETER_VALUE'],
      ['model-versions/transition-stage', { name: 'x', version: 'one', stage: 'None' }, 'INVALID_PARAMETER_VALUE'],
    ];
    for (const [endpoint, body, code] of cases) {
      const reply = await h.call('POST', `/api/2.0/mlflow/${endpoint}`, { body });
      assert.equal(reply.status, 400, `${endpoint} ${JSON.stringify(body)}: ${reply.body.toString()}`);
      assert.equal(errorCode(reply), code, `${endpoint} ${JSON.stringify(body)}`);
      assert.ok((reply.json as { message: string }).message.length > 0);
    }
    // MLflow answers an experiment id that is not a number as an unknown experiment; it never becomes a path.
    const odd = await h.call('POST', '/api/2.0/mlflow/runs/create', { body: { experiment_id: '../1' } });
    assert.deepEqual([odd.status, odd.json], [404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'No Experiment with id=../1 exists' }]);
  });

  test('unknown run ids are RESOURCE_DOES_NOT_EXIST on every run endpoint', async () => {
    const ghost = 'a'.repeat(32);
    const posts = [
      'runs/update',
      'runs/delete',
      'runs/log-parameter',
      'runs/log-metric',
      'runs/set-tag',
      'runs/delete-tag',
      'runs/log-batch',
      'runs/log-inputs',
      'runs/outputs',
    ];
    for (const endpoint of posts) {
      const reply = await h.call('POST', `/api/2.0/mlflow/${endpoint}`, { body: { run_id: ghost, key: 'k', value: '1', timestamp: 1, step: 0 } });
      assert.deepEqual([reply.status, errorCode(reply)], [404, 'RESOURCE_DOES_NOT_EXIST'], endpoint);
    }
    for (const [path, query] of [
      ['/api/2.0/mlflow/runs/get', { run_id: ghost }],
      ['/api/2.0/mlflow/artifacts/list', { run_id: ghost }],
    ] as const) {
      const reply = await h.call('GET', path, { query });
      assert.deepEqual([reply.status, reply.json], [404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Run with id=${ghost} not found` }], path);
    }
    // MLflow's server answers an unknown run's metric history as an empty one.
    const history = await h.call('GET', '/api/2.0/mlflow/metrics/get-history', { query: { run_id: ghost, metric_key: 'k' } });
    assert.deepEqual([history.status, history.json], [200, { metrics: [] }]);
    const upload = await h.call('PUT', `/api/2.0/mlflow-artifacts/artifacts/0/${ghost}/artifacts/x.txt`, { bytes: Buffer.from('x') });
    assert.deepEqual([upload.status, errorCode(upload)], [404, 'RESOURCE_DOES_NOT_EXIST']);
    const download = await h.call('GET', `${prefix}/never-uploaded.txt`);
    assert.deepEqual([download.status, errorCode(download)], [404, 'RESOURCE_DOES_NOT_EXIST']);
    assert.deepEqual(await h.ok('GET', '/api/2.0/mlflow-artifacts/artifacts', { query: { path: `0/${ghost}/artifacts` } }), {});
  });

  test('bad tokens get a JSON 401 everywhere, artifacts and probes included', async () => {
    const targets: [string, string][] = [
      ['GET', '/health'],
      ['GET', '/api/2.0/mlflow/experiments/search'],
      ['POST', '/api/2.0/mlflow/runs/create'],
      ['PUT', `${prefix}/x.txt`],
      ['GET', `${prefix}/x.txt`],
    ];
    for (const [method, path] of targets) {
      for (const token of [null, 'wrong', 'test-token-and-more', 'test-toke']) {
        const reply = await h.call(method, path, { token, bytes: method === 'PUT' ? Buffer.from('x') : undefined });
        assert.deepEqual([reply.status, errorCode(reply)], [401, 'UNAUTHENTICATED'], `${method} ${path} token=${token}`);
      }
      const basic = await h.call(method, path, { token: null, headers: { Authorization: 'Basic dGVzdC10b2tlbg==' } });
      assert.equal(basic.status, 401);
    }
    assert.deepEqual(
      h.store.artifacts(runId).filter((a) => a.path === 'x.txt'),
      [],
    );
  });

  test('no client mistake is answered with a 5xx', async () => {
    const bodies: unknown[] = [
      {},
      { run_id: runId },
      { run_id: 42 },
      { name: null },
      { experiment_id: '0', tags: 'x' },
      { name: 'm', version: '-1' },
      'null',
      '"str"',
    ];
    const endpoints = [
      'experiments/create',
      'experiments/update',
      'runs/create',
      'runs/update',
      'runs/log-metric',
      'runs/log-batch',
      'runs/log-inputs',
      'runs/search',
      'registered-models/create',
      'registered-models/alias',
      'model-versions/create',
      'model-versions/transition-stage',
      'logged-models',
      'logged-models/search',
    ];
    for (const endpoint of endpoints) {
      for (const body of bodies) {
        const reply = await h.call('POST', `/api/2.0/mlflow/${endpoint}`, { body });
        assert.ok(reply.status < 500, `${endpoint} ${JSON.stringify(body)} answered ${reply.status}: ${reply.body.toString()}`);
      }
    }
    for (const path of [
      'runs/get',
      'experiments/get',
      'registered-models/get',
      'model-versions/get',
      'model-versions/get-download-uri',
      'registered-models/alias',
    ]) {
      const reply = await h.call('GET', `/api/2.0/mlflow/${path}`, {
        query: { run_id: 'x', experiment_id: 'x', name: 'x', version: 'x', alias: 'x' },
      });
      assert.ok(reply.status >= 400 && reply.status < 500, `${path} answered ${reply.status}`);
    }
  });
});

test('four processes through two servers in two processes log batches into one run concurrently, nothing lost', async () => {
  const h = await startHarness();
  const other = await startServerProcess(join(h.dir, '.labbook'), 'test-token');
  try {
    const runId = h.store.createRun().id;
    new ModelRegistry(h.store).createModel('shared-model');
    const batches = 10;
    const workers = [0, 1, 2, 3].map((worker) => {
      const env = { ...process.env, MLFLOW_TRACKING_URI: worker % 2 ? other.url : h.server.url, MLFLOW_TRACKING_TOKEN: 'test-token' };
      return runProcess('/usr/bin/python3', [WORKER, runId, String(worker), String(batches), 'shared-model'], env);
    });
    for (const result of await Promise.all(workers)) assert.equal(result.code, 0, result.stderr);
    const summaries = Object.fromEntries(h.store.metricSummaries(runId).map((m) => [m.key, m]));
    for (const worker of [0, 1, 2, 3]) {
      const summary = summaries[`w${worker}`];
      assert.equal(summary.count, batches * 1000, `worker ${worker} points`);
      assert.deepEqual([summary.min, summary.max, summary.lastStep], [0, batches * 1000 - 1, batches * 1000 - 1]);
      assert.equal(h.store.params(runId)[`p${worker}`], String(worker));
      assert.equal(h.store.tags(runId)[`t${worker}`], String(batches - 1));
    }
    const versions = new ModelRegistry(h.store).listVersions('shared-model').map((v) => v.version);
    assert.deepEqual(
      versions.sort((a, b) => a - b),
      Array.from({ length: 12 }, (_, i) => i + 1),
      'version numbers unique across processes',
    );
  } finally {
    await other.stop();
    await h.close();
  }
});
