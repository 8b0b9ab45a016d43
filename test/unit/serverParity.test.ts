// Behaviours where Labbook's server must answer as MLflow 2.12's does (issue 13), each checked against a real MLflow
// server too (test/integration/mlflowParity.test.ts replays the recorded answers).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Harness } from '../integration/mlflowHarness';
import { startHarness } from '../integration/mlflowHarness';

type Json = Record<string, unknown>;
const api = (path: string): string => `/api/2.0/mlflow/${path}`;
const API_DOCS = 'See the API docs for more information about request parameters.';

async function createExperiment(h: Harness, body: Json): Promise<string> {
  return (await h.ok('POST', api('experiments/create'), { body })).experiment_id as string;
}

async function createRun(h: Harness, experimentId: string): Promise<Json> {
  return ((await h.ok('POST', api('runs/create'), { body: { experiment_id: experimentId, run_name: 'r' } })).run as Json).info as Json;
}

describe('MLflow parity', () => {
  let h: Harness;
  let scratch: string;
  before(async () => {
    h = await startHarness();
    scratch = mkdtempSync(join(tmpdir(), 'labbook-parity-'));
  });
  after(async () => {
    await h.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('experiments/search lists newest first (creation time, then id) and takes tag. as well as tags.', async () => {
    const ids = [];
    for (const name of ['order-a', 'order-b', 'order-c']) ids.push(await createExperiment(h, { name, tags: [{ key: 'grp', value: 'order' }] }));
    const names = async (body: Json): Promise<string[]> =>
      ((await h.ok('POST', api('experiments/search'), { body })).experiments as Json[]).map((e) => e.name as string);
    const all = await names({ max_results: 100 });
    assert.deepEqual(all.slice(0, 3), ['order-c', 'order-b', 'order-a']);
    assert.equal(all.at(-1), 'Default');
    assert.deepEqual(await names({ max_results: 100, filter: "tag.grp = 'order'" }), ['order-c', 'order-b', 'order-a']);
    assert.deepEqual(await names({ max_results: 100, filter: "tags.grp = 'order'", order_by: ['name ASC'] }), ['order-a', 'order-b', 'order-c']);
  });

  test("artifact paths '.' and './dir' are the root and 'dir' in the proxied artifact API; '..' is 400 Invalid path", async () => {
    const eid = await createExperiment(h, { name: 'dots' });
    const runId = (await createRun(h, eid)).run_id as string;
    const root = `${eid}/${runId}/artifacts`;
    await h.ok('PUT', `/api/2.0/mlflow-artifacts/artifacts/${root}/dir/a.txt`, { bytes: Buffer.from('aaa') });
    const list = async (path: string): Promise<unknown> => (await h.call('GET', '/api/2.0/mlflow-artifacts/artifacts', { query: { path } })).json;
    assert.deepEqual(await list(`${root}/.`), { files: [{ path: 'dir', is_dir: true }] });
    assert.deepEqual(await list(`${root}/./dir`), { files: [{ path: 'a.txt', is_dir: false, file_size: 3 }] });
    const download = await h.call('GET', `/api/2.0/mlflow-artifacts/artifacts/${root}/./dir/a.txt`);
    assert.equal(download.body.toString(), 'aaa');
    const escape = await h.call('GET', '/api/2.0/mlflow-artifacts/artifacts', { query: { path: `${root}/../x` } });
    assert.deepEqual([escape.status, escape.json], [400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' }]);
  });

  test('GET mlflow/artifacts/list answers with root_uri and paths under the asked folder; .. is 400 Invalid path', async () => {
    const eid = await createExperiment(h, { name: 'listing' });
    const runId = (await createRun(h, eid)).run_id as string;
    const root = `mlflow-artifacts:/${eid}/${runId}/artifacts`;
    const list = (query: Json) => h.call('GET', api('artifacts/list'), { query: { run_id: runId, ...query } as Record<string, string> });
    assert.deepEqual((await list({})).json, { root_uri: root });
    await h.ok('PUT', `/api/2.0/mlflow-artifacts/artifacts/${eid}/${runId}/artifacts/model/MLmodel`, { bytes: Buffer.from('flavors: {}\n') });
    await h.ok('PUT', `/api/2.0/mlflow-artifacts/artifacts/${eid}/${runId}/artifacts/top.txt`, { bytes: Buffer.from('top') });
    assert.deepEqual((await list({})).json, {
      root_uri: root,
      files: [
        { path: 'model', is_dir: true },
        { path: 'top.txt', is_dir: false, file_size: 3 },
      ],
    });
    assert.deepEqual((await list({ path: 'model' })).json, { root_uri: root, files: [{ path: 'model/MLmodel', is_dir: false, file_size: 12 }] });
    assert.deepEqual((await list({ path: 'top.txt' })).json, { root_uri: root });
    const escape = await list({ path: 'model/../..' });
    assert.deepEqual([escape.status, escape.json], [400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' }]);
  });

  test('experiments/create honours a local artifact_location (path or file:// URI) and refuses one it cannot serve', async () => {
    const folder = join(scratch, 'exp-artifacts');
    const eid = await createExperiment(h, { name: 'local-loc', artifact_location: folder });
    const experiment = (await h.ok('GET', api('experiments/get'), { query: { experiment_id: eid } })).experiment as Json;
    assert.equal(experiment.artifact_location, folder);
    const info = await createRun(h, eid);
    assert.equal(info.artifact_uri, `${folder}/${info.run_id as string}/artifacts`);
    // The client writes such artifacts itself, straight into the folder; the tracking API lists them from there.
    mkdirSync(join(folder, info.run_id as string, 'artifacts', 'sub'), { recursive: true });
    writeFileSync(join(folder, info.run_id as string, 'artifacts', 'sub', 'f.txt'), 'abcd');
    const listed = await h.ok('GET', api('artifacts/list'), { query: { run_id: info.run_id as string } });
    assert.deepEqual(listed, { root_uri: info.artifact_uri, files: [{ path: 'sub', is_dir: true }] });
    assert.deepEqual((await h.ok('GET', api('artifacts/list'), { query: { run_id: info.run_id as string, path: 'sub' } })).files, [
      { path: 'sub/f.txt', is_dir: false, file_size: 4 },
    ]);

    const uri = pathToFileURL(join(scratch, 'by-uri')).href;
    const byUri = await createExperiment(h, { name: 'uri-loc', artifact_location: uri });
    const uriRun = await createRun(h, byUri);
    assert.equal(uriRun.artifact_uri, `${uri}/${uriRun.run_id as string}/artifacts`);

    const defaultLoc = await createExperiment(h, { name: 'empty-loc', artifact_location: '' });
    const fallback = (await h.ok('GET', api('experiments/get'), { query: { experiment_id: defaultLoc } })).experiment as Json;
    assert.equal(fallback.artifact_location, `mlflow-artifacts:/${defaultLoc}`);

    for (const location of [
      's3://bucket/path',
      'relative/dir',
      'mlflow-artifacts://other-host/x',
      'mlflow-artifacts:/a/../b',
      'http://example.com/x',
    ]) {
      const refused = await h.call('POST', api('experiments/create'), { body: { name: `refused ${location}`, artifact_location: location } });
      assert.equal(refused.status, 400, location);
      assert.match((refused.json as Json).message as string, /artifact_location .* cannot be served by Labbook/, location);
    }
    const taken = await h.call('GET', api('experiments/get-by-name'), { query: { experiment_name: 'refused s3://bucket/path' } });
    assert.equal(taken.status, 404, 'a refused experiment is not created');
  });

  test('experiments/create honours another mlflow-artifacts root: runs upload, list and download under it', async () => {
    const eid = await createExperiment(h, { name: 'custom-root', artifact_location: 'mlflow-artifacts:/team/custom-root' });
    const experiment = (await h.ok('GET', api('experiments/get'), { query: { experiment_id: eid } })).experiment as Json;
    assert.equal(experiment.artifact_location, 'mlflow-artifacts:/team/custom-root');
    const info = await createRun(h, eid);
    const root = `team/custom-root/${info.run_id as string}/artifacts`;
    assert.equal(info.artifact_uri, `mlflow-artifacts:/${root}`);
    await h.ok('PUT', `/api/2.0/mlflow-artifacts/artifacts/${root}/d/f.txt`, { bytes: Buffer.from('custom') });
    assert.deepEqual(await h.ok('GET', '/api/2.0/mlflow-artifacts/artifacts', { query: { path: `${root}/d` } }), {
      files: [{ path: 'f.txt', is_dir: false, file_size: 6 }],
    });
    assert.deepEqual(await h.ok('GET', api('artifacts/list'), { query: { run_id: info.run_id as string } }), {
      root_uri: `mlflow-artifacts:/${root}`,
      files: [{ path: 'd', is_dir: true }],
    });
    assert.equal((await h.call('GET', `/api/2.0/mlflow-artifacts/artifacts/${root}/d/f.txt`)).body.toString(), 'custom');
  });

  test("validation as MLflow's: artifact_location type, log-batch metrics without timestamp, log-inputs without datasets", async () => {
    const eid = await createExperiment(h, { name: 'validation' });
    const runId = (await createRun(h, eid)).run_id as string;
    const call = async (path: string, body: Json): Promise<unknown> => {
      const reply = await h.call('POST', api(path), { body });
      return [reply.status, reply.json];
    };
    assert.deepEqual(await call('experiments/create', { name: 'typed', artifact_location: 5 }), [
      400,
      {
        error_code: 'INVALID_PARAMETER_VALUE',
        message: `Invalid value 5 for parameter 'artifact_location' supplied. Hint: Value was of type 'int'. ${API_DOCS}`,
      },
    ]);
    assert.deepEqual(await call('runs/log-batch', { run_id: runId, metrics: [{ key: 'm', value: 1, step: 0 }] }), [
      400,
      {
        error_code: 'INVALID_PARAMETER_VALUE',
        message: `Invalid value [{'key': 'm', 'value': 1, 'step': 0}] for parameter 'metrics' supplied. Hint: Value was of type 'list'. ${API_DOCS}`,
      },
    ]);
    assert.deepEqual(await call('runs/log-metric', { run_id: runId, key: 'm', value: 1 }), [
      400,
      { error_code: 'INVALID_PARAMETER_VALUE', message: `Missing value for required parameter 'timestamp'. ${API_DOCS}` },
    ]);
    assert.deepEqual(await call('runs/log-inputs', { run_id: runId }), [
      400,
      { error_code: 'INVALID_PARAMETER_VALUE', message: `Missing value for required parameter 'datasets'. ${API_DOCS}` },
    ]);
    const run = (await h.ok('GET', api('runs/get'), { query: { run_id: runId } })).run as { data: Json };
    assert.deepEqual(run.data.metrics ?? [], [], 'the refused metrics were not logged');
  });

  test("MLflow's wording for the common errors", async () => {
    const ghost = 'f'.repeat(32);
    const message = async (method: string, path: string, options: Json): Promise<unknown> =>
      ((await h.call(method, api(path), options)).json as Json).message;
    assert.equal(await message('GET', 'runs/get', { query: { run_id: ghost } }), `Run with id=${ghost} not found`);
    assert.equal(
      await message('POST', 'runs/log-metric', { body: { run_id: ghost, key: 'k', value: 1, timestamp: 1 } }),
      `Run with id=${ghost} not found`,
    );
    assert.equal(await message('GET', 'experiments/get', { query: { experiment_id: '4242' } }), 'No Experiment with id=4242 exists');
    assert.equal(await message('GET', 'registered-models/get', { query: { name: 'nope' } }), 'Registered Model with name=nope not found');
    await h.ok('POST', api('registered-models/create'), { body: { name: 'worded' } });
    assert.equal(
      await message('GET', 'model-versions/get', { query: { name: 'worded', version: '3' } }),
      'Model Version (name=worded, version=3) not found',
    );
    assert.equal(
      await message('GET', 'model-versions/get', { query: { name: 'worded', version: 'abc' } }),
      "Model version must be an integer, got 'abc'",
    );
    assert.equal(
      await message('POST', 'experiments/create', { body: { name: 7 } }),
      `Invalid value 7 for parameter 'name' supplied. Hint: Value was of type 'int'. ${API_DOCS}`,
    );
    assert.equal(await message('POST', 'experiments/create', { body: {} }), `Missing value for required parameter 'name'. ${API_DOCS}`);
  });
  test('runs/search run_view_type: DELETED_ONLY lists the runs in the Trash, ALL active and deleted ones, each with its lifecycle_stage', async () => {
    const eid = await createExperiment(h, { name: 'view-types' });
    const startedAt = async (start_time: number): Promise<string> =>
      (((await h.ok('POST', api('runs/create'), { body: { experiment_id: eid, start_time } })).run as Json).info as Json).run_id as string;
    const kept = await startedAt(1000);
    const trashed = await startedAt(2000);
    await h.ok('POST', api('runs/delete'), { body: { run_id: trashed } });
    const listed = async (body: Json): Promise<string[]> =>
      (((await h.ok('POST', api('runs/search'), { body: { experiment_ids: [eid], ...body } })).runs ?? []) as Json[]).map((r) => {
        const info = r.info as Json;
        return `${info.run_id === kept ? 'kept' : 'trashed'}:${info.lifecycle_stage as string}`;
      });
    assert.deepEqual(await listed({}), ['kept:active']);
    assert.deepEqual(await listed({ run_view_type: 'ACTIVE_ONLY' }), ['kept:active']);
    assert.deepEqual(await listed({ run_view_type: 'DELETED_ONLY' }), ['trashed:deleted']);
    assert.deepEqual(await listed({ run_view_type: 'ALL' }), ['trashed:deleted', 'kept:active']);
    assert.deepEqual(await listed({ run_view_type: 'ALL', max_results: 1 }), ['trashed:deleted']);
    await h.ok('POST', api('runs/restore'), { body: { run_id: trashed } });
    assert.deepEqual(await listed({ run_view_type: 'DELETED_ONLY' }), []);
    // Deliberate: MLflow's protobuf parser drops an unknown value and lists active runs; Labbook refuses it, as for experiments.
    const bad = await h.call('POST', api('runs/search'), { body: { experiment_ids: [eid], run_view_type: 'SOME' } });
    assert.deepEqual(
      [bad.status, (bad.json as Json).message],
      [400, `Invalid value SOME for parameter 'run_view_type' supplied. Hint: Value was of type 'str'. ${API_DOCS}`],
    );
  });
});
