// One filter semantics for every MLflow search: runs (compiled to SQL) and experiments, registered models, model
// versions and logged models (evaluated in memory) must answer each operator alike. As MLflow: LIKE is
// case-sensitive, ILIKE folds case (ASCII letters only, as SQLite's lower() on MLflow's SQL store), `%` and `_` are
// the only wildcards with no escape character, and a backslash in a quoted value is an ordinary character (MLflow
// strips the quotes and nothing else). A doubled quote stands for one, as in SQL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Harness } from '../integration/mlflowHarness';
import { startHarness } from '../integration/mlflowHarness';

type Json = Record<string, unknown>;

const NAMES = ['Étude-a', 'étude-b', 'C:\\data', "it's", 'x_y', 'xay'];

/** Filter text (with {f} for the entity's name field) and the names it must select. */
const CASES: [string, string[]][] = [
  ["{f} ILIKE 'ÉTUDE%'", ['Étude-a']],
  ["{f} ILIKE 'c:%'", ['C:\\data']],
  ["{f} LIKE 'Étude%'", ['Étude-a']],
  ["{f} = 'C:\\data'", ['C:\\data']],
  ["{f} LIKE 'C:\\d%'", ['C:\\data']],
  ["{f} = 'it''s'", ["it's"]],
  ["{f} LIKE 'x_y'", ['x_y', 'xay']],
  ["{f} LIKE 'x\\_y'", []],
  ["{f} IN ('xay', 'it''s')", ["it's", 'xay']],
];

describe('filter semantics are the same for every entity', () => {
  let h: Harness;
  let experimentId = '';
  before(async () => {
    h = await startHarness();
    experimentId = (await h.ok('POST', '/api/2.0/mlflow/experiments/create', { body: { name: 'filters' } })).experiment_id as string;
    for (const name of NAMES) {
      await h.ok('POST', '/api/2.0/mlflow/experiments/create', { body: { name } });
      await h.ok('POST', '/api/2.0/mlflow/runs/create', { body: { experiment_id: experimentId, run_name: name, start_time: 1 } });
      await h.ok('POST', '/api/2.0/mlflow/registered-models/create', { body: { name } });
      await h.ok('POST', '/api/2.0/mlflow/model-versions/create', { body: { name, source: 's3://bucket/m' } });
      await h.ok('POST', '/api/2.0/mlflow/logged-models', { body: { experiment_id: experimentId, name } });
    }
  });
  after(() => h.close());

  const searches: Record<string, { field: string; names: (filter: string) => Promise<string[]> }> = {
    runs: {
      field: 'attributes.run_name',
      names: async (filter) => {
        const found = await h.ok('POST', '/api/2.0/mlflow/runs/search', { body: { experiment_ids: [experimentId], filter } });
        return ((found.runs ?? []) as { info: Json }[]).map((run) => run.info.run_name as string);
      },
    },
    experiments: {
      field: 'name',
      names: async (filter) =>
        (((await h.ok('POST', '/api/2.0/mlflow/experiments/search', { body: { filter } })).experiments as Json[] | undefined) ?? []).map(
          (e) => e.name as string,
        ),
    },
    'registered models': {
      field: 'name',
      names: async (filter) =>
        (((await h.ok('GET', '/api/2.0/mlflow/registered-models/search', { query: { filter } })).registered_models as Json[] | undefined) ?? []).map(
          (m) => m.name as string,
        ),
    },
    'model versions': {
      field: 'name',
      names: async (filter) =>
        (((await h.ok('GET', '/api/2.0/mlflow/model-versions/search', { query: { filter } })).model_versions as Json[] | undefined) ?? []).map(
          (v) => v.name as string,
        ),
    },
    'logged models': {
      field: 'name',
      names: async (filter) => {
        const found = await h.ok('POST', '/api/2.0/mlflow/logged-models/search', { body: { experiment_ids: [experimentId], filter } });
        return ((found.models ?? []) as { info: Json }[]).map((m) => m.info.name as string);
      },
    },
  };

  for (const [entity, search] of Object.entries(searches)) {
    test(`${entity}: LIKE, ILIKE, quotes and backslashes`, async () => {
      for (const [template, expected] of CASES) {
        const filter = template.replace('{f}', search.field);
        assert.deepEqual((await search.names(filter)).sort(), [...expected].sort(), filter);
      }
    });
  }
});
