// Logged models (MLflow 3): create, get, finalize, search, tags and params. There is no fallback in the client:
// without these, log_model raises.
import { isLoggedModelStatus } from '../store/loggedModels';
import type { LoggedModel } from '../store/loggedModels';
import type { JsonCall, Route } from './context';
import { experimentIdOf, requireExperiment } from './experimentRoutes';
import { invalid, recordOf } from './fields';
import type { Fields } from './fields';
import { pagedJson } from './paging';
import { isFieldOf, searchPage } from './searchFilter';
import type { OrderTerm, Searchable } from './searchFilter';
import { loggedModelJson } from './wire';

function create({ ctx, fields }: JsonCall): object {
  const experiment = requireExperiment(ctx, fields);
  const sourceRunId = fields.optString('source_run_id') || null;
  const model = ctx.models.create({
    experimentId: experiment.id,
    name: fields.optString('name'),
    modelType: fields.optString('model_type'),
    sourceRunId: sourceRunId && ctx.store.findRun(sourceRunId) ? sourceRunId : null,
    params: recordOf(fields.keyValues('params'), 'param'),
    tags: fields.keyValueMap('tags'),
  });
  return { model: loggedModelJson(model) };
}

function get({ ctx, params }: JsonCall): object {
  return { model: loggedModelJson(ctx.models.get(params.id)) };
}

function finalize({ ctx, fields, params }: JsonCall): object {
  const status = fields.string('status');
  if (!isLoggedModelStatus(status)) throw invalid(`Invalid logged model status '${status}'.`);
  return { model: loggedModelJson(ctx.models.setStatus(params.id, status)) };
}

function setTags({ ctx, fields, params }: JsonCall): object {
  ctx.models.setTags(params.id, fields.keyValueMap('tags'));
  return {};
}

function deleteTag({ ctx, params }: JsonCall): object {
  ctx.models.deleteTag(params.id, params.key);
  return {};
}

function logParams({ ctx, fields, params }: JsonCall): object {
  ctx.models.logParams(params.id, recordOf(fields.keyValues('params'), 'param'));
  return {};
}

// A model's value of each metric for `metrics.<key>` filters and orders: the latest (time, then step), as MLflow
// orders by. (MLflow's filter matches any logged value; models log a metric once per key as a rule.)
function latestMetrics(model: LoggedModel): Record<string, number> {
  const latest = new Map<string, { timestamp: number; step: number; value: number }>();
  for (const m of model.metrics) {
    const seen = latest.get(m.key);
    if (!seen || m.timestamp > seen.timestamp || (m.timestamp === seen.timestamp && m.step >= seen.step)) latest.set(m.key, m);
  }
  return Object.fromEntries([...latest].map(([key, m]) => [key, m.value]));
}

const searchable: Searchable<LoggedModel> = {
  attributes: {
    name: 'string',
    model_id: 'string',
    source_run_id: 'string',
    status: 'string',
    model_type: 'string',
    creation_timestamp: 'number',
    creation_time: 'number',
    last_updated_timestamp: 'number',
  },
  valuesOf: (m) => ({
    name: m.name,
    model_id: m.id,
    source_run_id: m.sourceRunId ?? '',
    status: m.status,
    model_type: m.modelType,
    creation_timestamp: m.createdAt,
    creation_time: m.createdAt,
    last_updated_timestamp: m.updatedAt,
  }),
  keyed: { tags: (m) => m.tags, params: (m) => m.params, metrics: latestMetrics },
};
const isField = isFieldOf(searchable);

// MLflow 3 sends order_by as objects: [{field_name, ascending}].
function orderOf(fields: Fields): OrderTerm[] {
  return fields.objects('order_by').map((term) => {
    const field = term.nonEmpty('field_name');
    if (!isField(field)) throw invalid(`Invalid order_by field '${field}'.`);
    return { field, descending: !(term.optBool('ascending') ?? true) };
  });
}

function search({ ctx, fields }: JsonCall): object {
  const experimentIds = fields.strings('experiment_ids').map((id) => experimentIdOf(id, 'experiment_ids'));
  const page = searchPage(ctx.models.list(experimentIds), searchable, fields, { fallback: 100, cap: 10_000 }, orderOf(fields));
  return pagedJson(
    'models',
    page.items.map((m) => loggedModelJson(m)),
    page.nextPageToken,
  );
}

/** Logged-model endpoints. */
export const loggedModelRoutes: readonly Route[] = [
  { method: 'POST', path: 'mlflow/logged-models', json: create },
  { method: 'POST', path: 'mlflow/logged-models/search', json: search },
  { method: 'GET', path: 'mlflow/logged-models/:id', json: get },
  { method: 'PATCH', path: 'mlflow/logged-models/:id', json: finalize },
  { method: 'PATCH', path: 'mlflow/logged-models/:id/tags', json: setTags },
  { method: 'DELETE', path: 'mlflow/logged-models/:id/tags/*key', json: deleteTag },
  { method: 'POST', path: 'mlflow/logged-models/:id/params', json: logParams },
];
