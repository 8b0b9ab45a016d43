// The model registry answers as MLflow 2.12's server does (each expectation was checked against a real one):
// version search order and paging, download URIs of run and copied sources, source validation, stage times.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Harness } from '../integration/mlflowHarness';
import { startHarness } from '../integration/mlflowHarness';

type Json = Record<string, unknown>;

const api = (path: string) => `/api/2.0/mlflow/${path}`;

// Orders below follow last-updated times, which have millisecond resolution: each write waits for the next tick.
async function nextMillisecond(): Promise<void> {
  const start = Date.now();
  while (Date.now() === start) await new Promise((resolve) => setImmediate(resolve));
}

function pairs(reply: Json): string[] {
  return (reply.model_versions as Json[]).map((v) => `${v.name as string}/${v.version as string}`);
}

const RELATIVE_SOURCE =
  'If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be ' +
  'provided without relative path references present. Please provide an absolute path.';
const LOCAL_SOURCE =
  'To use a local path as a model version source, the run_id request parameter has to be specified and the local path has to be ' +
  'contained within the artifact directory of the run specified by the run_id.';

describe('model registry parity with MLflow 2.12', () => {
  let h: Harness;
  let runId: string;
  before(async () => {
    h = await startHarness();
    const created = await h.ok('POST', api('runs/create'), { body: { experiment_id: '0' } });
    runId = ((created.run as Json).info as Json).run_id as string;
  });
  after(() => h.close());

  test('model-versions/search without order_by: last updated first, then name, then newest version; pages follow it', async () => {
    for (const name of ['s-a', 's-b', 's-c']) await h.ok('POST', api('registered-models/create'), { body: { name } });
    for (const name of ['s-b', 's-a', 's-c', 's-a', 's-b']) {
      await nextMillisecond();
      await h.ok('POST', api('model-versions/create'), { body: { name, source: `runs:/${runId}/model`, run_id: runId } });
    }
    await nextMillisecond();
    await h.ok('PATCH', api('model-versions/update'), { body: { name: 's-a', version: '1', description: 'touched' } });
    const filter = "name LIKE 's-%'";
    assert.deepEqual(pairs(await h.ok('GET', api('model-versions/search'), { query: { filter } })), ['s-a/1', 's-b/2', 's-a/2', 's-c/1', 's-b/1']);
    const first = await h.ok('GET', api('model-versions/search'), { query: { filter, max_results: '2' } });
    const second = await h.ok('GET', api('model-versions/search'), {
      query: { filter, max_results: '2', page_token: first.next_page_token as string },
    });
    assert.deepEqual([...pairs(first), ...pairs(second)], ['s-a/1', 's-b/2', 's-a/2', 's-c/1']);
    // An order on another field keeps MLflow's tie-breaks: name ascending, then version descending.
    assert.deepEqual(pairs(await h.ok('GET', api('model-versions/search'), { query: { filter, order_by: 'name' } })), [
      's-a/2',
      's-a/1',
      's-b/2',
      's-b/1',
      's-c/1',
    ]);
    const unknownKey = await h.call('GET', api('model-versions/search'), { query: { order_by: 'current_stage' } });
    assert.deepEqual([unknownKey.status, (unknownKey.json as Json).error_code], [400, 'INVALID_PARAMETER_VALUE']);
  });

  test('a stage transition updates the registered model’s last_updated_timestamp too', async () => {
    await h.ok('POST', api('registered-models/create'), { body: { name: 't-m' } });
    await h.ok('POST', api('model-versions/create'), { body: { name: 't-m', source: `runs:/${runId}/model` } });
    const before = ((await h.ok('GET', api('registered-models/get'), { query: { name: 't-m' } })).registered_model as Json).last_updated_timestamp;
    await nextMillisecond();
    const moved = await h.ok('POST', api('model-versions/transition-stage'), { body: { name: 't-m', version: '1', stage: 'Staging' } });
    const model = (await h.ok('GET', api('registered-models/get'), { query: { name: 't-m' } })).registered_model as Json;
    assert.ok((model.last_updated_timestamp as number) > (before as number));
    assert.equal(model.last_updated_timestamp, (moved.model_version as Json).last_updated_timestamp);
  });

  test('download URIs: a runs:/ source as given (its run need not be here); a copy resolves to the copied version’s', async () => {
    await h.ok('POST', api('registered-models/create'), { body: { name: 'd-src' } });
    await h.ok('POST', api('registered-models/create'), { body: { name: 'd-copy' } });
    const ghost = `runs:/${'f'.repeat(32)}/model`;
    await h.ok('POST', api('model-versions/create'), { body: { name: 'd-src', source: ghost } });
    const uriOf = async (name: string, version: string) =>
      (await h.ok('GET', api('model-versions/get-download-uri'), { query: { name, version } })).artifact_uri;
    assert.equal(await uriOf('d-src', '1'), ghost);
    const zero = await h.call('GET', api('model-versions/get-download-uri'), { query: { name: 'd-src', version: '0' } });
    assert.deepEqual([zero.status, (zero.json as Json).error_code], [404, 'RESOURCE_DOES_NOT_EXIST']);
    const stored = `mlflow-artifacts:/0/${runId}/artifacts/model`;
    await h.ok('POST', api('model-versions/create'), { body: { name: 'd-src', source: stored, run_id: runId } });
    // MlflowClient.copy_model_version registers `models:/<name>/<version>` as the source.
    const copy = await h.ok('POST', api('model-versions/create'), { body: { name: 'd-copy', source: 'models:/d-src/2', run_id: runId } });
    assert.equal((copy.model_version as Json).source, 'models:/d-src/2');
    assert.equal(await uriOf('d-copy', '1'), stored);
    await h.ok('POST', api('model-versions/create'), { body: { name: 'd-copy', source: 'models:/d-copy/1' } });
    assert.equal(await uriOf('d-copy', '2'), stored);
    const missing = await h.call('POST', api('model-versions/create'), { body: { name: 'd-copy', source: 'models:/d-src/99' } });
    assert.deepEqual(
      [missing.status, (missing.json as Json).error_code, (missing.json as Json).message],
      [
        500,
        'INTERNAL_ERROR',
        "Unable to fetch model from model URI source artifact location 'models:/d-src/99'.Error: Model Version (name=d-src, version=99) not found",
      ],
    );
    const improper = await h.call('POST', api('model-versions/create'), { body: { name: 'd-copy', source: 'models:/d-src/1/2' } });
    assert.equal(improper.status, 500);
    assert.match((improper.json as Json).message as string, /^Not a proper models:\/ URI: models:\/d-src\/1\/2\. /);
    // MLflow keeps a copy's location when the copied version goes, and never hands a deleted version's number out again.
    await h.ok('DELETE', api('model-versions/delete'), { body: { name: 'd-src', version: '2' } });
    assert.equal(await uriOf('d-copy', '1'), stored);
    const next = await h.ok('POST', api('model-versions/create'), { body: { name: 'd-src', source: stored } });
    assert.equal((next.model_version as Json).version, '3');
  });

  test('latest versions come in the order their stages first appear going up the versions, as MLflow lists them', async () => {
    await h.ok('POST', api('registered-models/create'), { body: { name: 'l-m' } });
    for (let i = 0; i < 3; i++) await h.ok('POST', api('model-versions/create'), { body: { name: 'l-m', source: `runs:/${runId}/model` } });
    await h.ok('POST', api('model-versions/transition-stage'), { body: { name: 'l-m', version: '1', stage: 'Production' } });
    await h.ok('POST', api('model-versions/transition-stage'), { body: { name: 'l-m', version: '2', stage: 'Staging' } });
    const latest = (reply: Json, field: string) => (reply[field] as Json[]).map((v) => `${v.version as string}:${v.current_stage as string}`);
    const model = (await h.ok('GET', api('registered-models/get'), { query: { name: 'l-m' } })).registered_model as Json;
    assert.deepEqual(latest(model, 'latest_versions'), ['1:Production', '2:Staging', '3:None']);
    const asked = await h.ok('POST', api('registered-models/get-latest-versions'), { body: { name: 'l-m', stages: ['None', 'Production'] } });
    assert.deepEqual(latest(asked, 'model_versions'), ['1:Production', '3:None']);
  });

  test('aliases are listed on a version read alone, not in searches or latest versions; no model_id is echoed', async () => {
    await h.ok('POST', api('registered-models/create'), { body: { name: 'al-m' } });
    await h.ok('POST', api('model-versions/create'), { body: { name: 'al-m', source: `runs:/${runId}/model` } });
    await h.ok('POST', api('registered-models/alias'), { body: { name: 'al-m', alias: 'champ', version: '1' } });
    const alone = (await h.ok('GET', api('model-versions/get'), { query: { name: 'al-m', version: '1' } })).model_version as Json;
    assert.deepEqual(alone.aliases, ['champ']);
    const listed = [
      ...((await h.ok('GET', api('model-versions/search'), { query: { filter: "name = 'al-m'" } })).model_versions as Json[]),
      ...(((await h.ok('GET', api('registered-models/get'), { query: { name: 'al-m' } })).registered_model as Json).latest_versions as Json[]),
      ...((await h.ok('POST', api('registered-models/get-latest-versions'), { body: { name: 'al-m' } })).model_versions as Json[]),
    ];
    assert.deepEqual(
      listed.map((v) => 'aliases' in v),
      [false, false, false],
    );
    const lm = ((await h.ok('POST', api('logged-models'), { body: { experiment_id: '0', name: 'al-lm' } })).model as Json).info as Json;
    const fromModel = await h.ok('POST', api('model-versions/create'), {
      body: { name: 'al-m', source: `models:/${lm.model_id as string}`, model_id: lm.model_id },
    });
    assert.equal('model_id' in (fromModel.model_version as Json), false);
  });

  test('archive_existing_versions with a stage other than Staging or Production is MLflow’s 500', async () => {
    await h.ok('POST', api('registered-models/create'), { body: { name: 'a-m' } });
    await h.ok('POST', api('model-versions/create'), { body: { name: 'a-m', source: `runs:/${runId}/model` } });
    const reply = await h.call('POST', api('model-versions/transition-stage'), {
      body: { name: 'a-m', version: '1', stage: 'archived', archive_existing_versions: true },
    });
    assert.deepEqual(
      [reply.status, reply.json],
      [
        500,
        {
          error_code: 'INTERNAL_ERROR',
          message:
            "Model version transition cannot archive existing model versions because 'archived' is not an Active stage. Valid stages are ['Staging', 'Production']",
        },
      ],
    );
  });

  test('model version sources: relative paths, encoded dots, NUL bytes and local paths are refused as MLflow does', async () => {
    await h.ok('POST', api('registered-models/create'), { body: { name: 'v-m' } });
    const create = (source: string, run?: string) =>
      h.call('POST', api('model-versions/create'), { body: { name: 'v-m', source, ...(run ? { run_id: run } : {}) } });
    const refusals: [string, string][] = [
      ['mlflow-artifacts://host/../../', RELATIVE_SOURCE],
      ['http://host:5000/api/2.0/mlflow-artifacts/artifacts/../../', RELATIVE_SOURCE],
      ['mlflow-artifacts://host:5000/..%2f..%2f', RELATIVE_SOURCE],
      ['mlflow-artifacts://host:5000/%252e%252e%252f', RELATIVE_SOURCE],
      ['http://h/api/2.0/mlflow-artifacts/artifacts%00', RELATIVE_SOURCE],
      ['s3://bucket', RELATIVE_SOURCE],
      [`runs:/${runId}/../../x`, RELATIVE_SOURCE],
      ['file:///tmp', LOCAL_SOURCE],
      ['/tmp/model', LOCAL_SOURCE],
      ['relative/model', LOCAL_SOURCE],
    ];
    for (const [source, reason] of refusals) {
      const reply = await create(source);
      assert.deepEqual(
        [source, reply.status, reply.json],
        [source, 400, { error_code: 'INVALID_PARAMETER_VALUE', message: `Invalid model version source: '${source}'. ${reason}` }],
      );
    }
    const withRun = await create('file:///tmp/%2e%2e/x', runId);
    assert.deepEqual(withRun.json, { error_code: 'INVALID_PARAMETER_VALUE', message: `Invalid model version source: '/x'. ${LOCAL_SOURCE}` });
    const unknownRun = await create('/tmp/model', 'f'.repeat(32));
    assert.equal(unknownRun.status, 404);
    for (const source of ['s3://bucket/model', 'http://h/a/..b', 'http://h/a%3F/../b', 'mlflow-artifacts:/0/x/', 'dbfs:/a/b', 'runs:/abc']) {
      const reply = await create(source);
      assert.deepEqual([source, reply.status], [source, 200]);
    }
  });
  test('an empty registered-model description is left out, as MLflow does; a version keeps its empty one', async () => {
    const bare = (await h.ok('POST', api('registered-models/create'), { body: { name: 'd-m' } })).registered_model as Json;
    assert.equal('description' in bare, false);
    await h.ok('POST', api('model-versions/create'), { body: { name: 'd-m', source: `runs:/${runId}/model` } });
    const read = (await h.ok('GET', api('registered-models/get'), { query: { name: 'd-m' } })).registered_model as Json;
    assert.equal('description' in read, false);
    assert.equal((read.latest_versions as Json[])[0].description, '');
    const found = (await h.ok('GET', api('registered-models/search'), { query: { filter: "name = 'd-m'" } })).registered_models as Json[];
    assert.equal('description' in found[0], false);
    const described = (await h.ok('PATCH', api('registered-models/update'), { body: { name: 'd-m', description: 'kept' } })).registered_model as Json;
    assert.equal(described.description, 'kept');
    const cleared = (await h.ok('PATCH', api('registered-models/update'), { body: { name: 'd-m', description: '' } })).registered_model as Json;
    assert.equal('description' in cleared, false);
    const renamed = (await h.ok('POST', api('registered-models/rename'), { body: { name: 'd-m', new_name: 'd-m2' } })).registered_model as Json;
    assert.equal('description' in renamed, false);
  });

  test('MLflow’s answers for a taken name, an invalid stage, an unknown alias and an unset tag', async () => {
    const refusal = async (method: string, path: string, options: Json): Promise<unknown[]> => {
      const reply = await h.call(method, api(path), options);
      return [reply.status, reply.json];
    };
    await h.ok('POST', api('registered-models/create'), { body: { name: 'w-m' } });
    await h.ok('POST', api('registered-models/create'), { body: { name: 'w-n' } });
    await h.ok('POST', api('model-versions/create'), { body: { name: 'w-m', source: `runs:/${runId}/model` } });
    const taken = (name: string) => [400, { error_code: 'RESOURCE_ALREADY_EXISTS', message: `Registered Model (name=${name}) already exists.` }];
    assert.deepEqual(await refusal('POST', 'registered-models/create', { body: { name: 'w-m' } }), taken('w-m'));
    assert.deepEqual(await refusal('POST', 'registered-models/rename', { body: { name: 'w-m', new_name: 'w-n' } }), taken('w-n'));
    assert.deepEqual(await refusal('POST', 'model-versions/transition-stage', { body: { name: 'w-m', version: '1', stage: 'Bogus' } }), [
      400,
      {
        error_code: 'INVALID_PARAMETER_VALUE',
        message: 'Invalid Model Version stage: Bogus. Value must be one of None, Staging, Production, Archived.',
      },
    ]);
    // MLflow looks the alias up without checking the model: an unknown model's alias is the same 400.
    for (const name of ['w-m', 'no-such-model']) {
      assert.deepEqual(await refusal('GET', 'registered-models/alias', { query: { name, alias: 'none' } }), [
        400,
        { error_code: 'INVALID_PARAMETER_VALUE', message: 'Registered model alias none not found.' },
      ]);
    }
    assert.deepEqual(await refusal('DELETE', 'model-versions/delete-tag', { body: { name: 'w-m', version: '1', key: 'never-set' } }), [200, {}]);
    assert.deepEqual(await refusal('DELETE', 'registered-models/delete-tag', { body: { name: 'w-m', key: 'never-set' } }), [200, {}]);
    // The model or version must still exist.
    assert.equal((await h.call('DELETE', api('model-versions/delete-tag'), { body: { name: 'w-m', version: '9', key: 'k' } })).status, 404);
    assert.equal((await h.call('DELETE', api('registered-models/delete-tag'), { body: { name: 'nope', key: 'k' } })).status, 404);
  });
});
