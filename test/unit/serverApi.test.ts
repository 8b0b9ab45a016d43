// The tracking API over HTTP on a temp store: runs, metrics, adoption, registry, experiments, errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTrackingServer } from '../../src/server/trackingServer';
import type { Harness } from '../integration/mlflowHarness';
import { startHarness } from '../integration/mlflowHarness';

type Json = Record<string, unknown>;

function errorCode(json: unknown): unknown {
  return (json as Json | undefined)?.error_code;
}

async function newRun(h: Harness, experimentId = '0', extra: Json = {}): Promise<string> {
  const created = await h.ok('POST', '/api/2.0/mlflow/runs/create', { body: { experiment_id: experimentId, start_time: Date.now(), ...extra } });
  return ((created.run as Json).info as Json).run_id as string;
}

async function getRun(
  h: Harness,
  runId: string,
): Promise<{ info: Json; data: { metrics: Json[]; params: Json[]; tags: Json[] }; inputs: Json; outputs: Json }> {
  return (await h.ok('GET', '/api/2.0/mlflow/runs/get', { query: { run_id: runId } })).run as never;
}

describe('tracking API', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  test('probes, both prefixes, JSON 404 for unknown endpoints', async () => {
    assert.equal((await h.call('GET', '/health')).body.toString(), 'OK');
    assert.match((await h.call('GET', '/version')).body.toString(), /^\d+\.\d+\.\d+$/);
    await h.ok('GET', '/ajax-api/2.0/mlflow/experiments/get', { query: { experiment_id: '0' } });
    const missing = await h.call('GET', '/api/2.0/mlflow/nope');
    assert.equal(missing.status, 404);
    assert.equal(errorCode(missing.json), 'ENDPOINT_NOT_FOUND');
    const wrongMethod = await h.call('GET', '/api/2.0/mlflow/runs/create');
    assert.equal(errorCode(wrongMethod.json), 'ENDPOINT_NOT_FOUND');
  });

  test('metric values NaN and ±Infinity: strings or bare JSON literals in, protobuf strings out', async () => {
    const runId = await newRun(h);
    await h.ok('POST', '/api/2.0/mlflow/runs/log-metric', { body: { run_id: runId, key: 'a', value: 'NaN', timestamp: 1, step: 0 } });
    await h.ok('POST', '/api/2.0/mlflow/runs/log-metric', {
      body: `{"run_id": "${runId}", "key": "b", "value": -Infinity, "timestamp": 1, "step": 0}`,
    });
    await h.ok('POST', '/api/2.0/mlflow/runs/log-batch', {
      body: `{"run_id": "${runId}", "metrics": [{"key": "c", "value": Infinity, "timestamp": 1, "step": 0}]}`,
    });
    const latest = Object.fromEntries((await getRun(h, runId)).data.metrics.map((m) => [m.key, m.value]));
    assert.deepEqual(latest, { a: 'NaN', b: '-Infinity', c: 'Infinity' });
    const history = await h.ok('GET', '/api/2.0/mlflow/metrics/get-history', { query: { run_id: runId, metric_key: 'b' } });
    assert.deepEqual(history.metrics, [{ key: 'b', value: '-Infinity', timestamp: 1, step: 0 }]);
  });

  test('identical (key, value, timestamp, step) rows are kept once; a different value at the same step is kept', async () => {
    const runId = await newRun(h);
    const metrics = [
      { key: 'loss', value: 1, timestamp: 10, step: 0 },
      { key: 'loss', value: 1, timestamp: 10, step: 0 },
      { key: 'loss', value: 0.5, timestamp: 11, step: 1 },
      { key: 'nan', value: 'NaN', timestamp: 10, step: 0 },
    ];
    await h.ok('POST', '/api/2.0/mlflow/runs/log-batch', { body: { run_id: runId, metrics } });
    await h.ok('POST', '/api/2.0/mlflow/runs/log-batch', { body: { run_id: runId, metrics } });
    await h.ok('POST', '/api/2.0/mlflow/runs/log-metric', { body: { run_id: runId, key: 'loss', value: 2, timestamp: 10, step: 0 } });
    const summary = Object.fromEntries(h.store.metricSummaries(runId).map((m) => [m.key, m.count]));
    assert.deepEqual(summary, { loss: 3, nan: 1 });
  });

  test('log-batch limits: 1000 metrics pass, 1001 metrics / 101 params / 101 tags are a 400 that logs nothing', async () => {
    const runId = await newRun(h);
    const metrics = (n: number) => Array.from({ length: n }, (_, i) => ({ key: 'm', value: i, timestamp: 1, step: i }));
    await h.ok('POST', '/api/2.0/mlflow/runs/log-batch', { body: { run_id: runId, metrics: metrics(1000) } });
    const pairs = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    for (const body of [{ metrics: metrics(1001) }, { params: pairs(101) }, { tags: pairs(101) }]) {
      const reply = await h.call('POST', '/api/2.0/mlflow/runs/log-batch', { body: { run_id: runId, ...body } });
      assert.equal(reply.status, 400);
      assert.equal(errorCode(reply.json), 'INVALID_PARAMETER_VALUE');
    }
    assert.equal(h.store.metricSummaries(runId)[0].count, 1000);
    assert.deepEqual(h.store.params(runId), {});
  });

  test('log-batch reads plain metrics and every other accepted form alike; a bad metric after plain ones is worded as alone', async () => {
    const runId = await newRun(h);
    const plain = [
      { key: 'a', value: 1, timestamp: 5, step: 2 },
      { key: 'a', value: 2, timestamp: 6 },
      { key: 'a', value: 3, timestamp: 7, step: null, model_id: null },
    ];
    // A numeric string among them (as hand-written clients send) sends the batch through the checked reader.
    await h.ok('POST', '/api/2.0/mlflow/runs/log-batch', { body: { run_id: runId, metrics: plain } });
    await h.ok('POST', '/api/2.0/mlflow/runs/log-batch', {
      body: { run_id: runId, metrics: [...plain.slice(1), { key: 'a', value: '4', timestamp: '8' }] },
    });
    const history = await h.ok('GET', '/api/2.0/mlflow/metrics/get-history', { query: { run_id: runId, metric_key: 'a' } });
    assert.deepEqual(
      (history.metrics as Json[]).map((m) => [m.value, m.timestamp, m.step]),
      [
        [1, 5, 2],
        [2, 6, 0],
        [3, 7, 0],
        [4, 8, 0],
      ],
    );
    const bad: [Json, string][] = [
      [{ key: ' ', value: 1, timestamp: 1 }, "Missing value for required parameter 'metrics[1].key'"],
      [{ key: 'k'.repeat(251), value: 1, timestamp: 1 }, "Parameter 'metrics[1].key' is longer than 250 characters."],
      [{ key: 'b', value: 1, timestamp: 1.5 }, "Invalid value 1.5 for parameter 'metrics[1].timestamp' supplied"],
      [{ key: 'b', value: true, timestamp: 1 }, "Invalid value True for parameter 'metrics[1].value' supplied"],
      [{ key: 'b', value: 1, timestamp: 1, model_id: 7 }, "Invalid value 7 for parameter 'metrics[1].model_id' supplied"],
      [{ key: 'b', value: 1 }, 'Invalid value [{'],
    ];
    for (const [metric, message] of bad) {
      const reply = await h.call('POST', '/api/2.0/mlflow/runs/log-batch', { body: { run_id: runId, metrics: [plain[0], metric] } });
      assert.equal(reply.status, 400, JSON.stringify(metric));
      assert.ok(String((reply.json as Json).message).startsWith(message), String((reply.json as Json).message));
    }
    assert.equal(h.store.metricSummaries(runId)[0].count, 4);
  });

  test('params are immutable: a changed value is INVALID_PARAMETER_VALUE and the whole batch is refused', async () => {
    const runId = await newRun(h);
    await h.ok('POST', '/api/2.0/mlflow/runs/log-parameter', { body: { run_id: runId, key: 'alpha', value: '0.5' } });
    await h.ok('POST', '/api/2.0/mlflow/runs/log-parameter', { body: { run_uuid: runId, key: 'alpha', value: '0.5' } });
    const changed = await h.call('POST', '/api/2.0/mlflow/runs/log-parameter', { body: { run_id: runId, key: 'alpha', value: '0.6' } });
    assert.equal(changed.status, 400);
    assert.equal(errorCode(changed.json), 'INVALID_PARAMETER_VALUE');
    const batch = await h.call('POST', '/api/2.0/mlflow/runs/log-batch', {
      body: {
        run_id: runId,
        params: [{ key: 'alpha', value: '0.7' }],
        metrics: [{ key: 'x', value: 1, timestamp: 1, step: 0 }],
        tags: [{ key: 't', value: '1' }],
      },
    });
    assert.equal(batch.status, 400);
    assert.deepEqual(h.store.metricSummaries(runId), []);
    assert.equal(h.store.tags(runId).t, undefined);
  });

  test('metric history pages 25,000 points with a token that leads to the rest', async () => {
    const runId = await newRun(h);
    h.store.logMetrics(
      runId,
      Array.from({ length: 30_000 }, (_, i) => ({ key: 'big', value: i, timestamp: i, step: i })),
    );
    const first = await h.ok('GET', '/api/2.0/mlflow/metrics/get-history', { query: { run_id: runId, metric_key: 'big', max_results: '25000' } });
    assert.equal((first.metrics as Json[]).length, 25_000);
    const second = await h.ok('GET', '/api/2.0/mlflow/metrics/get-history', {
      query: { run_id: runId, metric_key: 'big', max_results: '25000', page_token: first.next_page_token as string },
    });
    assert.equal((second.metrics as Json[]).length, 5_000);
    assert.equal((second.metrics as Json[])[0].step, 25_000);
    assert.equal(second.next_page_token, undefined);
  });

  test('runs/search: filter, order, paging, and a bad filter is a 400', async () => {
    const experimentId = (await h.ok('POST', '/api/2.0/mlflow/experiments/create', { body: { name: 'search-exp' } })).experiment_id as string;
    for (const [i, rmse] of [0.3, 0.1, 0.2].entries()) {
      const runId = await newRun(h, experimentId, { run_name: `r${i}` });
      await h.ok('POST', '/api/2.0/mlflow/runs/log-batch', {
        body: {
          run_id: runId,
          metrics: [{ key: 'rmse', value: rmse, timestamp: 1, step: 0 }],
          params: [{ key: 'p', value: i % 2 ? 'odd' : 'even' }],
        },
      });
    }
    const body = { experiment_ids: [experimentId], filter: "metrics.rmse < 0.25 and params.p = 'odd' or params.p = 'even'", max_results: 10 };
    assert.equal((await h.call('POST', '/api/2.0/mlflow/runs/search', { body })).status, 400);
    const names = async (extra: Json): Promise<string[]> => {
      const found = await h.ok('POST', '/api/2.0/mlflow/runs/search', { body: { experiment_ids: [experimentId], ...extra } });
      return ((found.runs ?? []) as { info: Json }[]).map((r) => r.info.run_name as string);
    };
    assert.deepEqual(await names({ filter: 'metrics.rmse < 0.25', order_by: ['metrics.rmse DESC'] }), ['r2', 'r1']);
    assert.deepEqual(await names({ filter: "params.p = 'even'", order_by: ['metrics.rmse ASC'] }), ['r2', 'r0']);
    const page = await h.ok('POST', '/api/2.0/mlflow/runs/search', {
      body: { experiment_ids: [experimentId], max_results: 2, order_by: ['metrics.rmse'] },
    });
    assert.equal((page.runs as Json[]).length, 2);
    assert.deepEqual(await names({ max_results: 2, order_by: ['metrics.rmse'], page_token: page.next_page_token }), ['r0']);
  });

  test('run lifecycle: update, rename through the tag, delete, restore', async () => {
    const runId = await newRun(h, '0', { run_name: 'before' });
    await h.ok('POST', '/api/2.0/mlflow/runs/set-tag', { body: { run_id: runId, key: 'mlflow.runName', value: 'after' } });
    assert.equal(h.store.getRun(runId).name, 'after');
    const updated = await h.ok('POST', '/api/2.0/mlflow/runs/update', { body: { run_id: runId, status: 'KILLED', end_time: 1234 } });
    assert.deepEqual([(updated.run_info as Json).status, (updated.run_info as Json).end_time], ['KILLED', 1234]);
    await h.ok('POST', '/api/2.0/mlflow/runs/delete', { body: { run_id: runId } });
    assert.equal((await getRun(h, runId)).info.lifecycle_stage, 'deleted');
    const logged = await h.call('POST', '/api/2.0/mlflow/runs/set-tag', { body: { run_id: runId, key: 'k', value: 'v' } });
    assert.equal(logged.status, 400);
    await h.ok('POST', '/api/2.0/mlflow/runs/restore', { body: { run_id: runId } });
    assert.equal((await getRun(h, runId)).info.lifecycle_stage, 'active');
    const unknownTag = await h.call('POST', '/api/2.0/mlflow/runs/delete-tag', { body: { run_id: runId, key: 'never' } });
    assert.equal(errorCode(unknownTag.json), 'RESOURCE_DOES_NOT_EXIST');
    const badStatus = await h.call('POST', '/api/2.0/mlflow/runs/update', { body: { run_id: runId, status: 'DONE' } });
    assert.equal(errorCode(badStatus.json), 'INVALID_PARAMETER_VALUE');
  });

  test('dataset inputs and model outputs show on the run', async () => {
    const runId = await newRun(h);
    await h.ok('POST', '/api/2.0/mlflow/runs/log-inputs', {
      body: {
        run_id: runId,
        datasets: [
          { tags: [{ key: 'mlflow.data.context', value: 'train' }], dataset: { name: 'iris', digest: 'abc', source_type: 'local', source: '{}' } },
        ],
      },
    });
    await h.ok('POST', '/api/2.0/mlflow/runs/outputs', { body: { run_id: runId, models: [{ model_id: 'm-x', step: 3 }] } });
    const run = await getRun(h, runId);
    assert.deepEqual(run.inputs.dataset_inputs, [
      { tags: [{ key: 'mlflow.data.context', value: 'train' }], dataset: { name: 'iris', digest: 'abc', source_type: 'local', source: '{}' } },
    ]);
    assert.deepEqual(run.outputs.model_outputs, [{ model_id: 'm-x', step: 3 }]);
  });

  test('experiments: create, duplicate, search by filter, rename, delete and restore', async () => {
    const id = (await h.ok('POST', '/api/2.0/mlflow/experiments/create', { body: { name: 'exp-a', tags: [{ key: 'team', value: 'ml' }] } }))
      .experiment_id as string;
    const dup = await h.call('POST', '/api/2.0/mlflow/experiments/create', { body: { name: 'exp-a' } });
    assert.deepEqual([dup.status, errorCode(dup.json)], [400, 'RESOURCE_ALREADY_EXISTS']);
    const found = await h.ok('POST', '/api/2.0/mlflow/experiments/search', {
      body: { filter: "name LIKE 'exp-%' AND tags.team = 'ml'", max_results: 10 },
    });
    assert.deepEqual(
      (found.experiments as Json[]).map((e) => e.name),
      ['exp-a'],
    );
    await h.ok('POST', '/api/2.0/mlflow/experiments/update', { body: { experiment_id: id, new_name: 'exp-b' } });
    await h.ok('POST', '/api/2.0/mlflow/experiments/delete', { body: { experiment_id: id } });
    const deleted = await h.ok('GET', '/api/2.0/mlflow/experiments/get-by-name', { query: { experiment_name: 'exp-b' } });
    assert.equal((deleted.experiment as Json).lifecycle_stage, 'deleted');
    const inDeleted = await h.call('POST', '/api/2.0/mlflow/runs/create', { body: { experiment_id: id } });
    assert.equal(inDeleted.status, 400);
    await h.ok('POST', '/api/2.0/mlflow/experiments/restore', { body: { experiment_id: id } });
    const missing = await h.call('GET', '/api/2.0/mlflow/experiments/get', { query: { experiment_id: '999' } });
    assert.deepEqual([missing.status, errorCode(missing.json)], [404, 'RESOURCE_DOES_NOT_EXIST']);
    // MLflow answers a malformed id as an unknown one.
    const malformed = await h.call('GET', '/api/2.0/mlflow/experiments/get', { query: { experiment_id: 'abc' } });
    assert.deepEqual(
      [malformed.status, malformed.json],
      [404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'No Experiment with id=abc exists' }],
    );
  });

  test('registry: versions, stages with archive_existing_versions, aliases, download URIs, searches', async () => {
    const runId = await newRun(h);
    const reg = (path: string) => `/api/2.0/mlflow/${path}`;
    await h.ok('POST', reg('registered-models/create'), { body: { name: 'reg-m', tags: [{ key: 'k', value: 'v' }] } });
    const dup = await h.call('POST', reg('registered-models/create'), { body: { name: 'reg-m' } });
    assert.equal(errorCode(dup.json), 'RESOURCE_ALREADY_EXISTS');
    const source = `runs:/${runId}/model`;
    for (let i = 0; i < 3; i++) await h.ok('POST', reg('model-versions/create'), { body: { name: 'reg-m', source, run_id: runId } });
    await h.ok('POST', reg('model-versions/transition-stage'), {
      body: { name: 'reg-m', version: '1', stage: 'production', archive_existing_versions: false },
    });
    await h.ok('POST', reg('model-versions/transition-stage'), {
      body: { name: 'reg-m', version: '2', stage: 'Production', archive_existing_versions: true },
    });
    const latest = await h.ok('POST', reg('registered-models/get-latest-versions'), { body: { name: 'reg-m', stages: ['Production'] } });
    assert.deepEqual(
      (latest.model_versions as Json[]).map((v) => v.version),
      ['2'],
    );
    const v1 = await h.ok('GET', reg('model-versions/get'), { query: { name: 'reg-m', version: '1' } });
    assert.equal((v1.model_version as Json).current_stage, 'Archived');
    const badStage = await h.call('POST', reg('model-versions/transition-stage'), { body: { name: 'reg-m', version: '1', stage: 'Prod' } });
    assert.equal(errorCode(badStage.json), 'INVALID_PARAMETER_VALUE');

    await h.ok('POST', reg('registered-models/alias'), { body: { name: 'reg-m', alias: 'champion', version: '3' } });
    const byAlias = await h.ok('GET', reg('registered-models/alias'), { query: { name: 'reg-m', alias: 'champion' } });
    assert.deepEqual([(byAlias.model_version as Json).version, (byAlias.model_version as Json).aliases], ['3', ['champion']]);
    const reserved = await h.call('POST', reg('registered-models/alias'), { body: { name: 'reg-m', alias: 'latest', version: '1' } });
    assert.equal(errorCode(reserved.json), 'INVALID_PARAMETER_VALUE');
    const model = await h.ok('GET', reg('registered-models/get'), { query: { name: 'reg-m' } });
    assert.deepEqual((model.registered_model as Json).aliases, [{ alias: 'champion', version: '3' }]);

    const uri = await h.ok('GET', reg('model-versions/get-download-uri'), { query: { name: 'reg-m', version: '1' } });
    assert.equal(uri.artifact_uri, source);

    await h.ok('DELETE', reg('model-versions/delete'), { body: { name: 'reg-m', version: '3' } });
    // The alias went with its version: MLflow answers an unknown alias as a bad parameter.
    const gone = await h.call('GET', reg('registered-models/alias'), { query: { name: 'reg-m', alias: 'champion' } });
    assert.deepEqual([gone.status, errorCode(gone.json)], [400, 'INVALID_PARAMETER_VALUE']);

    const models = await h.ok('GET', reg('registered-models/search'), { query: { filter: "name LIKE 'reg-%'" } });
    assert.deepEqual(
      (models.registered_models as Json[]).map((m) => m.name),
      ['reg-m'],
    );
    const versions = await h.ok('GET', reg('model-versions/search'), { query: { filter: "name = 'reg-m' AND run_id = '" + runId + "'" } });
    assert.equal((versions.model_versions as Json[]).length, 2);
    await h.ok('POST', reg('registered-models/rename'), { body: { name: 'reg-m', new_name: 'reg-n' } });
    const renamed = await h.ok('GET', reg('model-versions/get'), { query: { name: 'reg-n', version: '2' } });
    assert.equal((renamed.model_version as Json).current_stage, 'Production');
    const unknown = await h.call('POST', reg('model-versions/create'), { body: { name: 'nope', source } });
    assert.deepEqual([unknown.status, errorCode(unknown.json)], [404, 'RESOURCE_DOES_NOT_EXIST']);
  });

  test('logged models: create, finalize, tags, params, search by name, download URI through models:/', async () => {
    const runId = await newRun(h);
    const created = await h.ok('POST', '/api/2.0/mlflow/logged-models', { body: { experiment_id: '0', name: 'lm', source_run_id: runId } });
    const id = ((created.model as Json).info as Json).model_id as string;
    assert.match(id, /^m-[0-9a-f]{32}$/);
    await h.ok('PATCH', `/api/2.0/mlflow/logged-models/${id}`, { body: { model_id: id, status: 'LOGGED_MODEL_READY' } });
    await h.ok('PATCH', `/api/2.0/mlflow/logged-models/${id}/tags`, {
      body: {
        tags: [
          { key: 'a/b', value: '1' },
          { key: 'c', value: '2' },
        ],
      },
    });
    await h.ok('DELETE', `/api/2.0/mlflow/logged-models/${id}/tags/a%2Fb`);
    await h.ok('POST', `/api/2.0/mlflow/logged-models/${id}/params`, { body: { params: [{ key: 'lr', value: '0.1' }] } });
    const changed = await h.call('POST', `/api/2.0/mlflow/logged-models/${id}/params`, { body: { params: [{ key: 'lr', value: '0.2' }] } });
    assert.equal(errorCode(changed.json), 'INVALID_PARAMETER_VALUE');
    const got = (await h.ok('GET', `/api/2.0/mlflow/logged-models/${id}`)).model as { info: Json; data: Json };
    assert.equal(got.info.status, 'LOGGED_MODEL_READY');
    assert.deepEqual(got.info.tags, [{ key: 'c', value: '2' }]);
    assert.deepEqual(got.data.params, [{ key: 'lr', value: '0.1' }]);
    const found = await h.ok('POST', '/api/2.0/mlflow/logged-models/search', { body: { experiment_ids: ['0'], filter: "name = 'lm'" } });
    assert.deepEqual(
      (found.models as { info: Json }[]).map((m) => m.info.model_id),
      [id],
    );
    await h.ok('POST', '/api/2.0/mlflow/registered-models/create', { body: { name: 'from-lm' } });
    await h.ok('POST', '/api/2.0/mlflow/model-versions/create', { body: { name: 'from-lm', source: `models:/${id}`, model_id: id } });
    const uri = await h.ok('GET', '/api/2.0/mlflow/model-versions/get-download-uri', { query: { name: 'from-lm', version: '1' } });
    assert.equal(uri.artifact_uri, `mlflow-artifacts:/0/models/${id}/artifacts`);
    const missing = await h.call('GET', '/api/2.0/mlflow/logged-models/m-0');
    assert.deepEqual([missing.status, errorCode(missing.json)], [404, 'RESOURCE_DOES_NOT_EXIST']);
  });
});

describe('run adoption', () => {
  test('the first runs/create takes over the runner run; later ones are its children; ends are the runner’s', async () => {
    let adopted = '';
    const h = await startHarness({}, (store) => {
      adopted = store.createRun({ experimentName: 'runner-exp', name: 'train-1' }).id;
      return { adoptRunId: adopted };
    });
    try {
      const expId = (await h.ok('POST', '/api/2.0/mlflow/experiments/create', { body: { name: 'client-exp' } })).experiment_id as string;
      const first = await newRun(h, expId, { run_name: 'named', user_id: 'alice', tags: [{ key: 'k', value: 'v' }] });
      assert.equal(first, adopted);
      const run = h.store.getRunDetail(adopted);
      assert.deepEqual(
        [run.experimentName, run.name, run.user, run.tags.k, run.tags['mlflow.runName']],
        ['client-exp', 'named', 'alice', 'v', 'named'],
      );

      const child = await newRun(h, '0');
      assert.notEqual(child, adopted);
      assert.equal(h.store.tags(child)['mlflow.parentRunId'], adopted);
      assert.equal(h.store.getRun(child).experimentName, 'client-exp', 'experiment 0 means: where the adopted run is');
      const ownParent = await newRun(h, expId, { tags: [{ key: 'mlflow.parentRunId', value: child }] });
      assert.equal(h.store.tags(ownParent)['mlflow.parentRunId'], child);

      const end = await h.ok('POST', '/api/2.0/mlflow/runs/update', { body: { run_id: adopted, status: 'FINISHED', end_time: 5 } });
      assert.equal((end.run_info as Json).status, 'RUNNING');
      assert.equal(h.store.getRun(adopted).endTime, null);
      assert.ok(h.logs.some((line) => line.includes('stays RUNNING')));
      await h.ok('POST', '/api/2.0/mlflow/runs/update', { body: { run_id: child, status: 'FAILED', end_time: 6 } });
      assert.deepEqual([h.store.getRun(child).status, h.store.getRun(child).endTime], ['FAILED', 6]);
    } finally {
      await h.close();
    }
  });

  test('a script that chose no experiment leaves the runner run where the runner put it', async () => {
    let adopted = '';
    const h = await startHarness({}, (store) => {
      adopted = store.createRun({ experimentName: 'runner-exp' }).id;
      return { adoptRunId: adopted };
    });
    try {
      assert.equal(await newRun(h, '0'), adopted);
      const run = h.store.getRun(adopted);
      assert.equal(run.experimentName, 'runner-exp');
      assert.match(run.name, /^run-\d+$/, 'no run_name: the runner name stays');
    } finally {
      await h.close();
    }
  });

  test('refuses a run to adopt that is not in the store', async () => {
    await assert.rejects(startHarness({ adoptRunId: 'f'.repeat(32) }), /not in the store/);
  });
});

describe('binding', () => {
  test('a non-loopback host needs a token, and is announced with a warning', async () => {
    const h = await startHarness({ token: undefined });
    try {
      await assert.rejects(startTrackingServer({ store: h.store, host: '0.0.0.0' }), /without a token/);
      const lines: string[] = [];
      const open = await startTrackingServer({ store: h.store, host: '0.0.0.0', token: 's3cret', log: (line) => lines.push(line) });
      try {
        assert.ok(lines.some((line) => line.startsWith('warning:')));
        const reply = await fetch(`http://127.0.0.1:${open.port}/health`, { headers: { Authorization: 'Bearer s3cret' } });
        assert.equal(reply.status, 200);
      } finally {
        await open.close();
      }
      assert.equal((await h.call('GET', '/health')).status, 200, 'loopback without a token stays open');
    } finally {
      await h.close();
    }
  });
});
