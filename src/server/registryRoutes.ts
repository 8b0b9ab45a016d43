// The model registry: registered models, versions, stages, aliases, download URIs and searches.
import { parseStage } from '../store/registry';
import type { ModelVersion, RegisteredModel } from '../store/registry';
import type { JsonCall, Route, ServerContext } from './context';
import { invalid } from './fields';
import type { Fields } from './fields';
import { pagedJson } from './paging';
import { searchPage } from './searchFilter';
import type { Searchable } from './searchFilter';
import { modelArtifactUri, modelVersionJson, registeredModelJson, runArtifactUri } from './wire';

function versionOf(fields: Fields): number {
  const raw = fields.raw('version');
  // MLflow's own wording: scripts match on it.
  if (typeof raw === 'string' && !/^-?\d+$/.test(raw.trim())) throw invalid(`Model version must be an integer, got '${raw}'`);
  const version = fields.int('version');
  if (version < 1) throw invalid(`Invalid value ${version} for parameter 'version': versions start at 1.`);
  return version;
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
  return { model_versions: ctx.registry.latestVersions(fields.string('name'), stages).map(modelVersionJson) };
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

function getByAlias({ ctx, fields }: JsonCall): object {
  return { model_version: modelVersionJson(ctx.registry.versionByAlias(fields.string('name'), fields.string('alias'))) };
}

// ---- versions ----

function createVersion({ ctx, fields }: JsonCall): object {
  const version = ctx.registry.createVersion(fields.string('name'), {
    source: fields.nonEmpty('source'),
    runId: fields.optString('run_id') || null,
    modelId: fields.optString('model_id') || null,
    runLink: fields.optString('run_link') ?? '',
    description: fields.optString('description') ?? '',
    tags: fields.keyValueMap('tags'),
  });
  return { model_version: modelVersionJson(version) };
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
  const stage = parseStage(fields.string('stage'));
  const version = ctx.registry.transitionStage(fields.string('name'), versionOf(fields), stage, fields.optBool('archive_existing_versions') ?? false);
  return { model_version: modelVersionJson(version) };
}

/** Where a version's files can be downloaded: its logged model's or run's artifact URI, else its source as given. */
export function downloadUri(ctx: ServerContext, version: ModelVersion): string {
  const modelId = version.modelId ?? /^models:\/(m-[0-9a-f]{32})\/?$/.exec(version.source)?.[1];
  if (modelId) {
    const model = ctx.models.get(modelId);
    return modelArtifactUri(model.experimentId, model.id);
  }
  const fromRun = /^runs:\/([^/]+)\/?(.*)$/.exec(version.source);
  if (fromRun) {
    const run = ctx.store.getRun(fromRun[1]);
    return [runArtifactUri(run.experimentId, run.id), fromRun[2]].filter(Boolean).join('/');
  }
  return version.source;
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

function searchVersions({ ctx, fields }: JsonCall): object {
  const page = searchPage(ctx.registry.listVersions(), searchableVersions, fields, { fallback: 10_000, cap: 200_000 });
  return pagedJson('model_versions', page.items.map(modelVersionJson), page.nextPageToken);
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
