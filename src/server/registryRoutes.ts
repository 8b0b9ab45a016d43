// The model registry: registered models, versions, stages, aliases, download URIs and searches.
import { parseStage } from '../store/registry';
import type { ModelVersion, RegisteredModel } from '../store/registry';
import type { JsonCall, Route, ServerContext } from './context';
import { ApiError, invalid } from './fields';
import type { Fields } from './fields';
import { checkModelVersionSource, splitUri } from './modelSource';
import { pagedJson } from './paging';
import { parseOrderBy, searchPage } from './searchFilter';
import type { OrderTerm, Searchable } from './searchFilter';
import { listedModelVersionJson, modelArtifactUri, modelVersionJson, registeredModelJson } from './wire';

// A version that is not a number gets MLflow's own wording (scripts match on it); 0 or less is an unknown version.
function versionOf(fields: Fields): number {
  const raw = fields.raw('version');
  if (typeof raw === 'string' && !/^-?\d+$/.test(raw.trim())) throw invalid(`Model version must be an integer, got '${raw}'`);
  return fields.int('version');
}

// ---- registered models ----

function createModel({ ctx, fields }: JsonCall): object {
  const model = ctx.registry.createModel(fields.nonEmpty('name'), { description: fields.optString('description'), tags: fields.keyValueMap('tags') });
  return { registered_model: registeredModelJson(model) };
}

function getModel({ ctx, fields }: JsonCall): object {
  return { registered_model: registeredModelJson(ctx.registry.getModel(fields.string('name'))) };
}

function renameModel({ ctx, fields }: JsonCall): object {
  return { registered_model: registeredModelJson(ctx.registry.renameModel(fields.string('name'), fields.nonEmpty('new_name'))) };
}

function updateModel({ ctx, fields }: JsonCall): object {
  return { registered_model: registeredModelJson(ctx.registry.updateModel(fields.string('name'), fields.optString('description') ?? '')) };
}

function deleteModel({ ctx, fields }: JsonCall): object {
  ctx.registry.deleteModel(fields.string('name'));
  return {};
}

function setModelTag({ ctx, fields }: JsonCall): object {
  ctx.registry.setModelTag(fields.string('name'), fields.key(), fields.string('value'));
  return {};
}

function deleteModelTag({ ctx, fields }: JsonCall): object {
  ctx.registry.deleteModelTag(fields.string('name'), fields.key());
  return {};
}

const searchableModels: Searchable<RegisteredModel> = {
  attributes: { name: 'string', creation_timestamp: 'number', last_updated_timestamp: 'number', timestamp: 'number' },
  valuesOf: (m) => ({ name: m.name, creation_timestamp: m.createdAt, last_updated_timestamp: m.updatedAt, timestamp: m.updatedAt }),
  keyed: { tags: (m) => m.tags },
};

function searchModels({ ctx, fields }: JsonCall): object {
  const page = searchPage(ctx.registry.listModels(), searchableModels, fields, { fallback: 100, cap: 1000 });
  return pagedJson('registered_models', page.items.map(registeredModelJson), page.nextPageToken);
}

function latestVersions({ ctx, fields }: JsonCall): object {
  const stages = fields.strings('stages').map(parseStage);
  return { model_versions: ctx.registry.latestVersions(fields.string('name'), stages).map(listedModelVersionJson) };
}

// ---- aliases ----

function setAlias({ ctx, fields }: JsonCall): object {
  ctx.registry.setAlias(fields.string('name'), fields.nonEmpty('alias'), versionOf(fields));
  return {};
}

function deleteAlias({ ctx, fields }: JsonCall): object {
  ctx.registry.deleteAlias(fields.string('name'), fields.string('alias'));
  return {};
}

// MLflow looks the alias up without checking the model first, and reports a missing one as a bad parameter.
function getByAlias({ ctx, fields }: JsonCall): object {
  const name = fields.string('name');
  const alias = fields.string('alias');
  const version = ctx.registry.aliasVersion(name, alias);
  if (version === undefined) throw invalid(`Registered model alias ${alias} not found.`);
  return { model_version: modelVersionJson(ctx.registry.getVersion(name, version)) };
}

// ---- versions ----

function createVersion({ ctx, fields }: JsonCall): object {
  const source = fields.nonEmpty('source');
  const runId = fields.optString('run_id') || null;
  const modelId = fields.optString('model_id') || null;
  checkModelVersionSource(
    source,
    modelId
      ? { param: 'model_id', id: modelId, exists: (id) => ctx.models.get(id) }
      : { param: 'run_id', id: runId, exists: (id) => ctx.store.getRun(id) },
  );
  const resolved = resolveSource(ctx, source, { runId, modelId });
  const version = ctx.registry.createVersion(fields.string('name'), {
    source,
    runId: resolved.runId,
    modelId,
    storageLocation: resolved.storageLocation,
    runLink: fields.optString('run_link') ?? '',
    description: fields.optString('description') ?? '',
    tags: fields.keyValueMap('tags'),
  });
  if (modelId) noteRegistration(ctx, modelId, version);
  return { model_version: modelVersionJson(version) };
}

const MODEL_VERSIONS_TAG = 'mlflow.modelVersions';

function listedVersions(tag: string | undefined): unknown[] | undefined {
  if (tag === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(tag);
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** MLflow 3's server lists each version registered from a logged model in its `mlflow.modelVersions` tag (the version a number). */
function noteRegistration(ctx: ServerContext, modelId: string, version: ModelVersion): void {
  const entry = { name: version.name, version: version.version };
  const entries = listedVersions(ctx.models.get(modelId).tags[MODEL_VERSIONS_TAG]);
  // A tag someone overwrote with something else is left as it is (MLflow would fail after registering).
  if (!entries || entries.some((e) => JSON.stringify(e) === JSON.stringify(entry))) return;
  ctx.models.setTags(modelId, { [MODEL_VERSIONS_TAG]: JSON.stringify([...entries, entry]) });
}

function getVersion({ ctx, fields }: JsonCall): object {
  return { model_version: modelVersionJson(ctx.registry.getVersion(fields.string('name'), versionOf(fields))) };
}

function updateVersion({ ctx, fields }: JsonCall): object {
  return {
    model_version: modelVersionJson(ctx.registry.updateVersion(fields.string('name'), versionOf(fields), fields.optString('description') ?? '')),
  };
}

function deleteVersion({ ctx, fields }: JsonCall): object {
  ctx.registry.deleteVersion(fields.string('name'), versionOf(fields));
  return {};
}

function setVersionTag({ ctx, fields }: JsonCall): object {
  ctx.registry.setVersionTag(fields.string('name'), versionOf(fields), fields.key(), fields.string('value'));
  return {};
}

function deleteVersionTag({ ctx, fields }: JsonCall): object {
  ctx.registry.deleteVersionTag(fields.string('name'), versionOf(fields), fields.key());
  return {};
}

function transitionStage({ ctx, fields }: JsonCall): object {
  const asked = fields.string('stage');
  const stage = parseStage(asked);
  const archiveExisting = fields.optBool('archive_existing_versions') ?? false;
  if (archiveExisting && stage !== 'Staging' && stage !== 'Production') {
    throw new ApiError(
      'INTERNAL_ERROR',
      `Model version transition cannot archive existing model versions because '${asked}' is not an Active stage. Valid stages are ['Staging', 'Production']`,
    );
  }
  const version = ctx.registry.transitionStage(fields.string('name'), versionOf(fields), stage, archiveExisting);
  return { model_version: modelVersionJson(version) };
}

/**
 * Where a version's files can be downloaded, as MLflow answers: the location stored when it was registered from a
 * `models:/` URI (versions stored before that was kept: a logged model's URI is resolved now), else its source as
 * given (a `runs:/` URI included, and whatever model_id came with it).
 */
export function downloadUri(ctx: ServerContext, version: ModelVersion): string {
  if (version.storageLocation) return version.storageLocation;
  const modelId = /^models:\/(m-[0-9a-f]{32})\/?$/.exec(version.source)?.[1];
  if (!modelId) return version.source;
  const model = ctx.models.get(modelId);
  return modelArtifactUri(model.experimentId, model.id);
}

const IMPROPER_MODELS_URI =
  "Models URIs must be of the form 'models:/model_name/suffix' or 'models:/model_name@alias' where suffix is a model version, stage, " +
  "or the string 'latest' and where alias is a registered model alias. Only one of suffix or alias can be defined at a time.";

/** A `models:/` URI's parts, as MLflow's _parse_model_uri reads them: a logged model id, or a name with a suffix or alias. */
type ModelsUri = { modelId: string } | { name: string; suffix?: string; alias?: string };

function parseModelsUri(source: string): ModelsUri {
  const improper = () => new ApiError('INTERNAL_ERROR', `Not a proper models:/ URI: ${source}. ${IMPROPER_MODELS_URI}`);
  const { path } = splitUri(source);
  const parts = path.replace(/^\/+/, '').split('/');
  if (!path.startsWith('/') || path.length <= 1 || parts.length > 2 || !parts[0].trim()) throw improper();
  if (parts.length === 2) {
    if (!parts[1].trim()) throw improper();
    return { name: parts[0], suffix: parts[1] };
  }
  const at = parts[0].lastIndexOf('@');
  if (at < 0) return { modelId: parts[0] };
  if (!parts[0].slice(at + 1).trim()) throw improper();
  return { name: parts[0].slice(0, at), alias: parts[0].slice(at + 1) };
}

/**
 * What a `models:/` source points at when it is registered, kept as MLflow keeps it (null for other sources), and
 * the run id to keep: the one given, else a logged model's source run (MLflow 3). A source MLflow cannot resolve is its 500.
 */
function resolveSource(
  ctx: ServerContext,
  source: string,
  ids: { runId: string | null; modelId: string | null },
): { storageLocation: string | null; runId: string | null } {
  const runOf = (modelId: string | null) => ids.runId ?? (modelId ? ctx.models.get(modelId).sourceRunId : null);
  if (splitUri(source).scheme !== 'models') return { storageLocation: null, runId: runOf(ids.modelId) };
  const parsed = parseModelsUri(source);
  const unresolved = (reason: string) =>
    new ApiError('INTERNAL_ERROR', `Unable to fetch model from model URI source artifact location '${source}'.Error: ${reason}`);
  if ('modelId' in parsed) {
    if (!ctx.models.has(parsed.modelId)) throw unresolved(`Logged model with ID '${parsed.modelId}' not found.`);
    const model = ctx.models.get(parsed.modelId);
    return { storageLocation: modelArtifactUri(model.experimentId, model.id), runId: runOf(model.id) };
  }
  // MLflow resolves only a version number here; stages, `latest` and aliases fail in its store.
  if (!parsed.suffix || !/^\d+$/.test(parsed.suffix)) throw unresolved('only models:/<name>/<version> sources can be registered');
  const version = Number(parsed.suffix);
  if (!ctx.registry.hasVersion(parsed.name, version)) throw unresolved(`Model Version (name=${parsed.name}, version=${version}) not found`);
  return { storageLocation: downloadUri(ctx, ctx.registry.getVersion(parsed.name, version)), runId: ids.runId };
}

function getDownloadUri({ ctx, fields }: JsonCall): object {
  return { artifact_uri: downloadUri(ctx, ctx.registry.getVersion(fields.string('name'), versionOf(fields))) };
}

const searchableVersions: Searchable<ModelVersion> = {
  attributes: {
    name: 'string',
    version_number: 'number',
    run_id: 'string',
    source_path: 'string',
    current_stage: 'string',
    creation_timestamp: 'number',
    last_updated_timestamp: 'number',
    timestamp: 'number',
  },
  valuesOf: (v) => ({
    name: v.name,
    version_number: v.version,
    run_id: v.runId ?? '',
    source_path: v.source,
    current_stage: v.stage,
    creation_timestamp: v.createdAt,
    last_updated_timestamp: v.updatedAt,
    timestamp: v.updatedAt,
  }),
  keyed: { tags: (v) => v.tags },
};

const VERSION_ORDER_KEYS = ['name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'];

/**
 * MLflow's order of a version search: the requested terms (last updated first when none), then name ascending and
 * version descending unless the request ordered by them already.
 */
function versionOrder(fields: Fields): OrderTerm[] {
  const asked = parseOrderBy(fields.strings('order_by'), (field) => VERSION_ORDER_KEYS.includes(field));
  const terms = asked.length ? asked : [{ field: 'last_updated_timestamp', descending: true }];
  const has = (field: string) => terms.some((t) => t.field === field);
  return [
    ...terms,
    ...(has('name') ? [] : [{ field: 'name', descending: false }]),
    ...(has('version_number') ? [] : [{ field: 'version_number', descending: true }]),
  ];
}

function searchVersions({ ctx, fields }: JsonCall): object {
  const page = searchPage(ctx.registry.listVersions(), searchableVersions, fields, { fallback: 10_000, cap: 200_000 }, versionOrder(fields));
  return pagedJson('model_versions', page.items.map(listedModelVersionJson), page.nextPageToken);
}

/** Model registry endpoints. */
export const registryRoutes: readonly Route[] = [
  { method: 'POST', path: 'mlflow/registered-models/create', json: createModel },
  { method: 'GET', path: 'mlflow/registered-models/get', json: getModel },
  { method: 'GET', path: 'mlflow/registered-models/search', json: searchModels },
  { method: 'POST', path: 'mlflow/registered-models/rename', json: renameModel },
  { method: 'PATCH', path: 'mlflow/registered-models/update', json: updateModel },
  { method: 'DELETE', path: 'mlflow/registered-models/delete', json: deleteModel },
  { method: 'POST', path: 'mlflow/registered-models/set-tag', json: setModelTag },
  { method: 'DELETE', path: 'mlflow/registered-models/delete-tag', json: deleteModelTag },
  { method: 'POST', path: 'mlflow/registered-models/get-latest-versions', json: latestVersions },
  { method: 'GET', path: 'mlflow/registered-models/get-latest-versions', json: latestVersions },
  { method: 'POST', path: 'mlflow/registered-models/alias', json: setAlias },
  { method: 'DELETE', path: 'mlflow/registered-models/alias', json: deleteAlias },
  { method: 'GET', path: 'mlflow/registered-models/alias', json: getByAlias },
  { method: 'POST', path: 'mlflow/model-versions/create', json: createVersion },
  { method: 'GET', path: 'mlflow/model-versions/get', json: getVersion },
  { method: 'PATCH', path: 'mlflow/model-versions/update', json: updateVersion },
  { method: 'DELETE', path: 'mlflow/model-versions/delete', json: deleteVersion },
  { method: 'POST', path: 'mlflow/model-versions/set-tag', json: setVersionTag },
  { method: 'DELETE', path: 'mlflow/model-versions/delete-tag', json: deleteVersionTag },
  { method: 'POST', path: 'mlflow/model-versions/transition-stage', json: transitionStage },
  { method: 'GET', path: 'mlflow/model-versions/get-download-uri', json: getDownloadUri },
  { method: 'GET', path: 'mlflow/model-versions/search', json: searchVersions },
];
