// Pushing registered model versions: each version of a pushed run becomes a version of the same registered model on
// the remote (created when missing), with its source pointing into the remote run's artifacts, its stage and its
// aliases. Remote version numbers are the remote's own (another workspace may have registered versions there).
import type { ModelVersion } from '../store/registry';
import { ModelRegistry } from '../store/registry';
import type { Store } from '../store/store';
import type { MlflowClient } from './client';
import { SyncError } from './client';
import type { Ledger, ModelLedger } from './ledger';

/** The tag naming a remote version's local `<name>/<version>`, so a create whose answer was lost is found again. */
export const SOURCE_VERSION_TAG = 'labbook.source_version';

/** What pushing model versions did. */
export interface ModelPushSummary {
  versions: number;
  stages: number;
  aliases: number;
}

/** Pushes the registered model versions of the given runs (local id -> remote run id; their artifact roots from the ledger). */
export async function pushModelVersions(
  store: Store,
  client: MlflowClient,
  ledger: Ledger,
  remoteIds: Record<string, string>,
): Promise<ModelPushSummary> {
  const summary: ModelPushSummary = { versions: 0, stages: 0, aliases: 0 };
  const versions = new ModelRegistry(store).listVersions().filter((v) => v.runId !== null && remoteIds[v.runId]);
  const models = ledger.models();
  const known = new Set<string>();
  for (const version of versions.sort((a, b) => a.name.localeCompare(b.name) || a.version - b.version)) {
    const key = `${version.name}/${version.version}`;
    let entry = models[key];
    if (!entry?.remoteVersion) {
      if (!known.has(version.name)) await ensureModel(client, version.name);
      known.add(version.name);
      entry = await createVersion(client, ledger, models, key, version, remoteIds[version.runId!], ledger.get(version.runId!)?.artifactUri);
      summary.versions++;
    }
    if (entry.stage !== version.stage) {
      await client.post('model-versions/transition-stage', {
        name: version.name,
        version: entry.remoteVersion,
        stage: version.stage,
        archive_existing_versions: false,
      });
      models[key] = entry = { ...entry, stage: version.stage };
      ledger.putModels(models);
      summary.stages++;
    }
    summary.aliases += await syncAliases(client, ledger, models, key, version, entry);
  }
  return summary;
}

async function ensureModel(client: MlflowClient, name: string): Promise<void> {
  try {
    await client.post('registered-models/create', { name });
  } catch (error) {
    if (!(error instanceof SyncError) || error.code !== 'RESOURCE_ALREADY_EXISTS') throw error;
  }
}

async function createVersion(
  client: MlflowClient,
  ledger: Ledger,
  models: Record<string, ModelLedger>,
  key: string,
  version: ModelVersion,
  remoteRunId: string,
  artifactUri: string | undefined,
): Promise<ModelLedger> {
  const found = models[key] ? await findVersion(client, version.name, remoteRunId, key) : undefined;
  if (found) return (models[key] = { remoteVersion: found, aliases: [] });
  models[key] = { remoteVersion: '', aliases: [] };
  ledger.putModels(models);
  const created = await client.post<{ model_version: { version: string } }>(
    'model-versions/create',
    {
      name: version.name,
      source: remoteSource(version, remoteRunId, artifactUri),
      run_id: remoteRunId,
      description: version.description || undefined,
      tags: [...Object.entries(version.tags), [SOURCE_VERSION_TAG, key]].map(([k, value]) => ({ key: k, value })),
    },
    { once: true },
  );
  models[key] = { remoteVersion: String(created.model_version.version), aliases: [] };
  ledger.putModels(models);
  return models[key];
}

async function findVersion(client: MlflowClient, name: string, remoteRunId: string, key: string): Promise<string | undefined> {
  const found = await client.get<{ model_versions?: { version: string; tags?: { key: string; value: string }[] }[] }>('model-versions/search', {
    filter: `name = '${name.replace(/'/g, "''")}' AND run_id = '${remoteRunId}'`,
  });
  return found.model_versions?.find((v) => v.tags?.some((t) => t.key === SOURCE_VERSION_TAG && t.value === key))?.version;
}

/** The version's source in the remote run: `runs:/<local id>/<path>` becomes the remote run's artifact URI plus path. */
function remoteSource(version: ModelVersion, remoteRunId: string, artifactUri: string | undefined): string {
  const path = /^runs:\/[^/]+\/(.*)$/.exec(version.source)?.[1];
  if (path !== undefined) return artifactUri ? `${artifactUri.replace(/\/+$/, '')}/${path}` : `runs:/${remoteRunId}/${path}`;
  return version.runId ? version.source.split(version.runId).join(remoteRunId) : version.source;
}

async function syncAliases(
  client: MlflowClient,
  ledger: Ledger,
  models: Record<string, ModelLedger>,
  key: string,
  version: ModelVersion,
  entry: ModelLedger,
): Promise<number> {
  let changes = 0;
  for (const alias of version.aliases.filter((a) => !entry.aliases.includes(a))) {
    await client.post('registered-models/alias', { name: version.name, alias, version: entry.remoteVersion });
    entry = models[key] = { ...entry, aliases: [...entry.aliases, alias] };
    ledger.putModels(models);
    changes++;
  }
  for (const alias of entry.aliases.filter((a) => !version.aliases.includes(a))) {
    await client.delete('registered-models/alias', { name: version.name, alias });
    entry = models[key] = { ...entry, aliases: entry.aliases.filter((a) => a !== alias) };
    ledger.putModels(models);
    changes++;
  }
  return changes;
}
