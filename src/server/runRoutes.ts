// Runs: create (with adoption of the runner's run), get, update, delete, restore, search, params, metrics, tags,
// batches, inputs, outputs, MLflow 2 log-model and metric history.
import { FilterError, parseFilter, parseOrderBy } from '../core/filter';
import type { MetricPoint, Run, RunStatus } from '../core/types';
import { NotFoundError, ParamConflictError } from '../store/errors';
import { readSeriesPage } from '../store/seriesReads';
import type { Store } from '../store/store';
import {
  linkModels,
  logDatasetInputs,
  logMetricsOnce,
  moveRun,
  recordLoggedModel,
  runLifecycle,
  setRunLifecycle,
  setRunUser,
} from '../store/tracking';
import type { DatasetInput } from '../store/tracking';
import { trashedAmong } from '../store/trash';
import type { JsonCall, Route, ServerContext } from './context';
import { experimentIdOf, experimentOf, lifecyclesOf } from './experimentRoutes';
import { ApiError, invalid, invalidValue, isJsonObject, missing, recordOf } from './fields';
import type { Fields } from './fields';
import { offsetOf, pageToken, pagedJson } from './paging';
import { metricHistoryJson, runInfoJson, runJson } from './wire';

/** MLflow's server limits per log-batch request. */
export const BATCH_LIMITS = { metrics: 1000, params: 100, tags: 100, total: 1000 } as const;

const HISTORY_PAGE = 25_000;
const RUN_NAME_TAG = 'mlflow.runName';
const PARENT_TAG = 'mlflow.parentRunId';
const CLIENT_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

function statusOf(text: string): RunStatus {
  const status = CLIENT_STATUSES.find((s) => s === text);
  if (!status) throw invalid(`Invalid run status '${text}': expected one of ${CLIENT_STATUSES.join(', ')}.`);
  return status;
}

function requireRun(store: Store, runId: string): Run {
  const run = store.findRun(runId);
  if (!run) throw runNotFound(runId);
  return run;
}

/** MLflow's 404 for an unknown run. */
export function runNotFound(runId: string): ApiError {
  return new ApiError('RESOURCE_DOES_NOT_EXIST', `Run with id=${runId} not found`);
}

/** The run id of a write; an unknown run is a 404, a deleted one a 400 (a finished run still takes data, as in MLflow). */
export function requireActiveRun(store: Store, runId: string): string {
  // runLifecycle is the one-column read of the hot logging path; it throws NotFoundError for an unknown run.
  let lifecycle: string;
  try {
    lifecycle = runLifecycle(store, runId);
  } catch (error) {
    throw error instanceof NotFoundError ? runNotFound(runId) : error;
  }
  if (lifecycle !== 'active') throw invalid(`The run ${runId} must be in the 'active' state. Current state is ${lifecycle}.`);
  return runId;
}

function fullRun(store: Store, run: Run): object {
  const data = { params: store.params(run.id), tags: store.tags(run.id), metrics: store.metricSummaries(run.id) };
  return runJson(store, run, data, runLifecycle(store, run.id));
}

// Setting mlflow.runName renames the run, as in MLflow.
function setRunTags(store: Store, runId: string, tags: Record<string, string>): void {
  const name = tags[RUN_NAME_TAG]?.trim();
  if (name) store.rename(runId, name);
  store.setTags(runId, tags);
}

// ---- create, with adoption ----

interface CreateSpec {
  experimentId: number | undefined;
  name: string | undefined;
  user: string | undefined;
  startTime: number | undefined;
  tags: Record<string, string>;
}

// Experiment "0" (or none) is what a client sends when the script chose no experiment: while adopting, that means
// "wherever the runner put its run" rather than moving the run to Default.
function targetExperiment(ctx: ServerContext, requested: string | undefined): number | undefined {
  if (ctx.adoption && (requested === undefined || requested === '0')) return undefined;
  const experiment = experimentOf(ctx, requested ?? '0');
  if (experiment.lifecycle !== 'active')
    throw invalid(`The experiment ${experiment.id} must be in the 'active' state. Current state is ${experiment.lifecycle}.`);
  return experiment.id;
}

function adoptRun(ctx: ServerContext, runId: string, spec: CreateSpec): Run {
  const { store } = ctx;
  if (spec.experimentId !== undefined) moveRun(store, runId, spec.experimentId);
  if (spec.name) store.rename(runId, spec.name);
  if (spec.user) setRunUser(store, runId, spec.user);
  store.setTags(runId, { ...spec.tags, [RUN_NAME_TAG]: store.getRun(runId).name });
  ctx.log(`adopted run ${runId} for the first runs/create of the process`);
  return store.getRun(runId);
}

function newRun(ctx: ServerContext, spec: CreateSpec): Run {
  const { store, adoption } = ctx;
  const parent: Record<string, string> = adoption && !(PARENT_TAG in spec.tags) ? { [PARENT_TAG]: adoption.runId } : {};
  const run = store.createRun({
    experimentId: spec.experimentId ?? (adoption ? store.getRun(adoption.runId).experimentId : 0),
    name: spec.name,
    startTime: spec.startTime,
    sourceFile: spec.tags['mlflow.source.name'] ?? null,
  });
  // A client that names no user gets none, as from MLflow (not the server's own OS user).
  setRunUser(store, run.id, spec.user ?? '');
  store.setTags(run.id, { ...spec.tags, ...parent, [RUN_NAME_TAG]: run.name });
  return store.getRun(run.id);
}

function createRun({ ctx, fields }: JsonCall): object {
  const tags = fields.keyValueMap('tags');
  const spec: CreateSpec = {
    experimentId: targetExperiment(ctx, fields.optString('experiment_id')),
    name: fields.optString('run_name')?.trim() || tags[RUN_NAME_TAG]?.trim() || undefined,
    user: fields.optString('user_id') || tags['mlflow.user'] || undefined,
    startTime: fields.optInt('start_time'),
    tags,
  };
  const { adoption } = ctx;
  const run = ctx.store.transaction(() => {
    if (!adoption || adoption.adopted) return newRun(ctx, spec);
    const adopted = adoptRun(ctx, adoption.runId, spec);
    adoption.adopted = true;
    return adopted;
  });
  return { run: fullRun(ctx.store, run) };
}

// ---- get, update, delete ----

function getRun({ ctx, fields }: JsonCall): object {
  return { run: fullRun(ctx.store, requireRun(ctx.store, fields.runId())) };
}

function updateRun({ ctx, fields }: JsonCall): object {
  const { store } = ctx;
  const runId = fields.runId();
  requireRun(store, runId);
  const name = fields.optString('run_name')?.trim();
  const status = fields.has('status') ? statusOf(fields.string('status')) : undefined;
  const endTime = fields.optInt('end_time');
  if (name) setRunTags(store, runId, { [RUN_NAME_TAG]: name });
  if (status === 'RUNNING' || status === 'SCHEDULED') store.setStatus(runId, status);
  else if (status && runId === ctx.adoption?.runId) ctx.log(`run ${runId} stays RUNNING: the client asked for ${status}, the runner's exit decides`);
  else if (status) store.finishRun(runId, status, { endTime: endTime ?? Date.now() });
  return { run_info: runInfoJson(store, store.getRun(runId), runLifecycle(store, runId)) };
}

function lifecycleSetter(lifecycle: 'active' | 'deleted') {
  return ({ ctx, fields }: JsonCall): object => {
    const runId = fields.runId();
    requireRun(ctx.store, runId);
    setRunLifecycle(ctx.store, runId, lifecycle);
    return {};
  };
}

// ---- search ----

function checkedFilter(filter: string | undefined, orderBy: readonly string[]): void {
  try {
    if (filter?.trim()) parseFilter(filter);
    for (const term of orderBy) parseOrderBy(term);
  } catch (error) {
    if (error instanceof FilterError) throw invalid(`Invalid search: ${error.message}`);
    throw error;
  }
}

function searchRuns({ ctx, fields }: JsonCall): object {
  const experimentIds = fields.strings('experiment_ids').map((id) => experimentIdOf(id, 'experiment_ids'));
  const filter = fields.optString('filter');
  const orderBy = fields.strings('order_by');
  const maxResults = fields.maxResults(1000, 50_000);
  const offset = offsetOf(fields.optString('page_token'));
  // Deleted runs are the ones in the Trash: DELETED_ONLY lists those, ALL both, each with its lifecycle_stage.
  const lifecycles = lifecyclesOf(fields.optString('run_view_type'), 'run_view_type');
  checkedFilter(filter, orderBy);
  const rows = ctx.store.listRuns({ experimentIds, filter, orderBy, lifecycles, limit: maxResults + 1, offset });
  const page = rows.slice(0, maxResults);
  const trashed = lifecycles.includes('deleted')
    ? trashedAmong(
        ctx.store,
        page.map((r) => r.id),
      )
    : new Set<string>();
  const runs = page.map((r) => runJson(ctx.store, r, { ...r, metrics: Object.values(r.metrics) }, trashed.has(r.id) ? 'deleted' : 'active'));
  return pagedJson('runs', runs, rows.length > maxResults ? pageToken(offset + maxResults) : undefined);
}

// ---- params, metrics, tags ----

function metricPoint(f: Fields): MetricPoint {
  return { key: f.key(), value: f.metricValue(), timestamp: f.int('timestamp'), step: f.int('step', 0) };
}

// MLflow 3 sends the logged model a metric belongs to; a model this store does not know keeps the run's copy only.
function logModelMetrics(ctx: ServerContext, runId: string, points: readonly (MetricPoint & { modelId?: string })[]): void {
  const byModel = new Map<string, MetricPoint[]>();
  for (const p of points) if (p.modelId) byModel.set(p.modelId, [...(byModel.get(p.modelId) ?? []), p]);
  for (const [modelId, modelPoints] of byModel) {
    try {
      ctx.models.logMetrics(modelId, runId, modelPoints);
    } catch (error) {
      ctx.log(`metrics of run ${runId} not linked to unknown logged model ${modelId}: ${String(error)}`);
    }
  }
}

// MLflow's wording of a changed param, one logged alone or several in a batch.
function logParamsOf(store: Store, runId: string, params: Record<string, string>, batch: boolean): void {
  try {
    store.logParams(runId, params);
  } catch (error) {
    if (!(error instanceof ParamConflictError)) throw error;
    const { key, oldValue, newValue } = error;
    throw invalid(
      batch
        ? `Changing param values is not allowed. Params were already logged='[{'key': '${key}', 'old_value': '${oldValue}', 'new_value': '${newValue}'}]' for run ID='${runId}'.`
        : `Changing param values is not allowed. Param with key='${key}' was already logged with value='${oldValue}' for run ID='${runId}'. Attempted logging new value '${newValue}'.`,
    );
  }
}

function logParameter({ ctx, fields }: JsonCall): object {
  const runId = requireActiveRun(ctx.store, fields.runId());
  // MLflow's server stores a param sent without a value as an empty one.
  logParamsOf(ctx.store, runId, { [fields.key()]: fields.optString('value') ?? '' }, false);
  return {};
}

function logMetric({ ctx, fields }: JsonCall): object {
  const runId = requireActiveRun(ctx.store, fields.runId());
  const point = { ...metricPoint(fields), modelId: fields.optString('model_id') };
  logMetricsOnce(ctx.store, runId, [point]);
  logModelMetrics(ctx, runId, [point]);
  return {};
}

function setTag({ ctx, fields }: JsonCall): object {
  const runId = requireActiveRun(ctx.store, fields.runId());
  setRunTags(ctx.store, runId, { [fields.key()]: fields.string('value') });
  return {};
}

function deleteTag({ ctx, fields }: JsonCall): object {
  const runId = requireActiveRun(ctx.store, fields.runId());
  const key = fields.key();
  if (!ctx.store.deleteTag(runId, key)) throw new ApiError('RESOURCE_DOES_NOT_EXIST', `No tag with name: ${key} in run with id ${runId}`);
  return {};
}

type BatchMetric = MetricPoint & { modelId?: string };

function isPlainKey(key: unknown): key is string {
  return typeof key === 'string' && key.length <= 250 && key.trim() !== '' && !key.includes('\u0000');
}

function isIntOrAbsent(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'number' && Number.isSafeInteger(value));
}

/**
 * A batch metric as clients send it ({key, value, timestamp, step?, model_id?}, numbers as numbers), read straight
 * from the parsed body; undefined for anything else, which the checked path reads (and words the 400 for).
 */
function plainMetric(item: unknown): BatchMetric | undefined {
  if (!isJsonObject(item)) return undefined;
  const { key, value, timestamp, step, model_id: modelId } = item;
  if (!isPlainKey(key) || typeof value !== 'number' || typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp)) return undefined;
  if (!isIntOrAbsent(step) || !(modelId === undefined || modelId === null || typeof modelId === 'string')) return undefined;
  return { key, value, timestamp, step: typeof step === 'number' ? step : 0, modelId: modelId ?? undefined };
}

// A thousand Fields objects (with their labels) per batch cost more than the points' insert; the checked path
// runs only when some metric is not plain, so every accepted batch reads the same and every refusal is worded the same.
function batchMetrics(fields: Fields): BatchMetric[] {
  const raw = fields.raw('metrics');
  if (Array.isArray(raw) && raw.length <= BATCH_LIMITS.metrics) {
    const plain: BatchMetric[] = [];
    for (const item of raw) {
      const metric = plainMetric(item);
      if (!metric) break;
      plain.push(metric);
    }
    if (plain.length === raw.length) return plain;
  }
  const metricFields = fields.objects('metrics', BATCH_LIMITS.metrics);
  // MLflow quotes the whole list when one of its metrics has no timestamp.
  if (metricFields.some((m) => !m.has('timestamp'))) throw invalidValue('metrics', raw);
  return metricFields.map((m) => ({ ...metricPoint(m), modelId: m.optString('model_id') }));
}

function logBatch({ ctx, fields }: JsonCall): object {
  const runId = requireActiveRun(ctx.store, fields.runId());
  const metrics = batchMetrics(fields);
  const params = recordOf(fields.keyValues('params', BATCH_LIMITS.params), 'param');
  const tags = fields.keyValueMap('tags', BATCH_LIMITS.tags);
  const total = metrics.length + Object.keys(params).length + Object.keys(tags).length;
  if (total > BATCH_LIMITS.total)
    throw invalid(`A batch may carry at most ${BATCH_LIMITS.total} metrics, params and tags together; this one has ${total}.`);
  ctx.store.transaction(() => {
    if (Object.keys(params).length) logParamsOf(ctx.store, runId, params, true);
    if (Object.keys(tags).length) setRunTags(ctx.store, runId, tags);
    logMetricsOnce(ctx.store, runId, metrics);
  });
  logModelMetrics(ctx, runId, metrics);
  return {};
}

function datasetOf(input: Fields): DatasetInput {
  const dataset = input.object('dataset');
  return {
    name: dataset.nonEmpty('name'),
    digest: dataset.string('digest'),
    sourceType: dataset.optString('source_type') ?? '',
    source: dataset.optString('source') ?? '',
    schema: dataset.optString('schema') ?? null,
    profile: dataset.optString('profile') ?? null,
    tags: input.keyValueMap('tags'),
  };
}

function logInputs({ ctx, fields }: JsonCall): object {
  const runId = requireActiveRun(ctx.store, fields.runId());
  // MLflow 2 requires datasets; MLflow 3 may send models alone.
  if (!fields.has('datasets') && !fields.has('models')) throw missing('datasets');
  const datasets = fields.objects('datasets').map(datasetOf);
  const models = fields.objects('models').map((m) => ({ modelId: m.nonEmpty('model_id'), step: 0 }));
  ctx.store.transaction(() => {
    logDatasetInputs(ctx.store, runId, datasets);
    linkModels(ctx.store, runId, 'input', models);
  });
  return {};
}

function logOutputs({ ctx, fields }: JsonCall): object {
  const runId = requireActiveRun(ctx.store, fields.runId());
  linkModels(
    ctx.store,
    runId,
    'output',
    fields.objects('models').map((m) => ({ modelId: m.nonEmpty('model_id'), step: m.int('step', 0) })),
  );
  return {};
}

function logModel({ ctx, fields }: JsonCall): object {
  const runId = requireActiveRun(ctx.store, fields.runId());
  const text = fields.string('model_json');
  const model = parseJson(text);
  if (!isJsonObject(model)) throw invalid(`Malformed model info. \n ${text} \n is not a valid JSON.`);
  const absent = MODEL_FIELDS.filter((f) => !(f in model));
  if (absent.length) throw invalid(`Model json is missing mandatory fields: {${absent.map((f) => `'${f}'`).join(', ')}}`);
  recordLoggedModel(ctx.store, runId, model);
  return {};
}

// What MLflow's server requires of a log-model's model_json.
const MODEL_FIELDS = ['artifact_path', 'flavors', 'run_id', 'utc_time_created'];

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function metricHistory({ ctx, fields }: JsonCall): object {
  const runId = fields.runId();
  const key = fields.string('metric_key');
  const pageSize = Math.min(fields.maxResults(HISTORY_PAGE, Number.MAX_SAFE_INTEGER), HISTORY_PAGE);
  const offset = offsetOf(fields.optString('page_token'));
  const { columns, total } = readSeriesPage(ctx.store, runId, key, offset, pageSize);
  return metricHistoryJson(key, columns, offset + pageSize < total ? pageToken(offset + pageSize) : undefined);
}

/** Lets sync fetch a pulled run's large history before it is read; the stored history is served when that fails. */
async function prepareHistory({ ctx, fields }: JsonCall): Promise<void> {
  if (!ctx.beforeHistory) return;
  try {
    await ctx.beforeHistory(fields.runId(), fields.string('metric_key'));
  } catch (error) {
    ctx.log(`warning: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Run and metric endpoints. */
export const runRoutes: readonly Route[] = [
  { method: 'POST', path: 'mlflow/runs/create', json: createRun },
  { method: 'GET', path: 'mlflow/runs/get', json: getRun },
  { method: 'POST', path: 'mlflow/runs/update', json: updateRun },
  { method: 'POST', path: 'mlflow/runs/delete', json: lifecycleSetter('deleted') },
  { method: 'POST', path: 'mlflow/runs/restore', json: lifecycleSetter('active') },
  { method: 'POST', path: 'mlflow/runs/search', json: searchRuns },
  { method: 'POST', path: 'mlflow/runs/log-parameter', json: logParameter },
  { method: 'POST', path: 'mlflow/runs/log-metric', json: logMetric },
  { method: 'POST', path: 'mlflow/runs/set-tag', json: setTag },
  { method: 'POST', path: 'mlflow/runs/delete-tag', json: deleteTag },
  { method: 'POST', path: 'mlflow/runs/log-batch', json: logBatch },
  { method: 'POST', path: 'mlflow/runs/log-inputs', json: logInputs },
  { method: 'POST', path: 'mlflow/runs/outputs', json: logOutputs },
  { method: 'POST', path: 'mlflow/runs/log-model', json: logModel },
  { method: 'GET', path: 'mlflow/metrics/get-history', json: metricHistory, prepare: prepareHistory },
];
