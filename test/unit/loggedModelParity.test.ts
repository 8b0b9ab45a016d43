// Logged models (MLflow 3) as its client uses them: metric filters and orders in search_logged_models, and the
// download URI of a version registered with a model_id but another source.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Harness } from '../integration/mlflowHarness';
import { startHarness } from '../integration/mlflowHarness';

type Json = Record<string, unknown>;

const api = (path: string) => `/api/2.0/mlflow/${path}`;

describe('logged models as the MLflow 3 client uses them', () => {
  let h: Harness;
  let runId: string;
  const ids: string[] = [];
  before(async () => {
    h = await startHarness();
    runId = (((await h.ok('POST', api('runs/create'), { body: { experiment_id: '0' } })).run as Json).info as Json).run_id as string;
    for (const [name, acc] of [
      ['low', 0.5],
      ['high', 0.9],
      ['none', undefined],
    ] as const) {
      const created = await h.ok('POST', api('logged-models'), { body: { experiment_id: '0', name, source_run_id: runId } });
      const id = ((created.model as Json).info as Json).model_id as string;
      ids.push(id);
      if (acc === undefined) continue;
      // mlflow.log_metric(..., model_id=...) sends the model id with the run's metric.
      await h.ok('POST', api('runs/log-batch'), {
        body: { run_id: runId, metrics: [{ key: 'acc', value: acc, timestamp: 1, step: 0, model_id: id }] },
      });
    }
  });
  after(() => h.close());

  const names = (reply: Json) => (reply.models as { info: Json }[]).map((m) => m.info.name);

  test('search filters and orders by metrics.<key>', async () => {
    const filtered = await h.ok('POST', api('logged-models/search'), { body: { experiment_ids: ['0'], filter: 'metrics.acc > 0.6' } });
    assert.deepEqual(names(filtered), ['high']);
    const ordered = await h.ok('POST', api('logged-models/search'), {
      body: { experiment_ids: ['0'], order_by: [{ field_name: 'metrics.acc', ascending: false }] },
    });
    // Models without the metric come last, as in MLflow's SQL store.
    assert.deepEqual(names(ordered), ['high', 'low', 'none']);
  });

  test('a version registered with a model_id but another source downloads from that source', async () => {
    await h.ok('POST', api('registered-models/create'), { body: { name: 'lm-src' } });
    const source = `mlflow-artifacts:/0/${runId}/artifacts/model`;
    await h.ok('POST', api('model-versions/create'), { body: { name: 'lm-src', source, model_id: ids[0] } });
    const uri = await h.ok('GET', api('model-versions/get-download-uri'), { query: { name: 'lm-src', version: '1' } });
    assert.equal(uri.artifact_uri, source);
  });

  test('registering with a model_id adds the version to the logged model’s mlflow.modelVersions tag, as MLflow 3’s server does', async () => {
    await h.ok('POST', api('registered-models/create'), { body: { name: 'lm-tag' } });
    const model = ids[1];
    await h.ok('POST', api('model-versions/create'), { body: { name: 'lm-tag', source: `models:/${model}`, model_id: model } });
    // The client then appends its own entry, with the version as a string.
    await h.ok('PATCH', api(`logged-models/${model}/tags`), {
      body: {
        tags: [
          {
            key: 'mlflow.modelVersions',
            value: JSON.stringify([
              { name: 'lm-tag', version: 1 },
              { name: 'lm-tag', version: '1' },
            ]),
          },
        ],
      },
    });
    await h.ok('POST', api('model-versions/create'), { body: { name: 'lm-tag', source: `models:/${model}`, model_id: model } });
    const info = ((await h.ok('GET', api(`logged-models/${model}`))).model as Json).info as Json;
    // MLflow's own server never fills `registrations` (a Databricks field); the tag is where it lists versions.
    assert.equal('registrations' in info, false);
    const tags = info.tags as Json[];
    const versions = tags.find((t) => t.key === 'mlflow.modelVersions')?.value as string;
    assert.deepEqual(JSON.parse(versions), [
      { name: 'lm-tag', version: 1 },
      { name: 'lm-tag', version: '1' },
      { name: 'lm-tag', version: 2 },
    ]);
    // A tag overwritten with something that is not a list is left alone, and the version is still registered.
    await h.ok('PATCH', api(`logged-models/${model}/tags`), { body: { tags: [{ key: 'mlflow.modelVersions', value: 'mine' }] } });
    await h.ok('POST', api('model-versions/create'), { body: { name: 'lm-tag', source: `models:/${model}`, model_id: model } });
    const after = (((await h.ok('GET', api(`logged-models/${model}`))).model as Json).info as Json).tags as Json[];
    assert.equal(after.find((t) => t.key === 'mlflow.modelVersions')?.value, 'mine');
  });

  test('a local source with a model_id is refused with MLflow 3’s model message; an unknown model_id is 404', async () => {
    await h.ok('POST', api('registered-models/create'), { body: { name: 'lm-local' } });
    const local = await h.call('POST', api('model-versions/create'), { body: { name: 'lm-local', source: '/tmp/m', model_id: ids[0] } });
    assert.deepEqual(local.json, {
      error_code: 'INVALID_PARAMETER_VALUE',
      message:
        "Invalid model version source: '/tmp/m'. To use a local path as a model version source, the model_id request parameter has to be " +
        'specified and the local path has to be contained within the artifact directory of the run specified by the model_id.',
    });
    const unknown = await h.call('POST', api('model-versions/create'), { body: { name: 'lm-local', source: '/tmp/m', model_id: 'm-0' } });
    assert.equal(unknown.status, 404);
  });
});
