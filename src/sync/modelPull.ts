// Pulling registered model versions: each remote version whose run is a pulled run here becomes a version of the
// same registered model here (created when missing; numbered by this registry), its source pointing into the pulled
// run's files, with the remote's stage and aliases (the remote wins, as for the run). The pairing of local and remote
// numbers goes into the models ledger push keeps, so a second pull creates nothing and an adopted run's push does
// not register its versions twice.
import { InvalidValueError } from '../store/errors';
import type { ModelStage } from '../store/registry';
import { MODEL_STAGES, ModelRegistry } from '../store/registry';
import type { Store } from '../store/store';
import type { MlflowClient } from './client';
import type { Ledger, ModelLedger } from './ledger';
import { proxiedRoot } from './push';

/** What pulling model versions did. */
export interface ModelPullSummary {
  versions: number;
  stages: number;
  aliases: number;
}

interface WireVersion {
  name: string;
  version: string;
  current_stage?: string;
  description?: string;
  source?: string;
  run_id?: string;
  tags?: { key: string; value: string }[];
}

const PAGE = 1000;

/** Pulls the remote's model versions of runs pulled from it (the runs must be pulled first). */
export async function pullModelVersions(store: Store, client: MlflowClient, ledger: Ledger): Promise<ModelPullSummary> {
  const summary: ModelPullSummary = { versions: 0, stages: 0, aliases: 0 };
  const versions = (await remoteVersions(client)).filter((v) => v.run_id && store.originOf(v.run_id) === client.url);
  if (versions.length === 0) return summary;
  const registry = new ModelRegistry(store);
  const models = ledger.models();
  const localOf = new Map(Object.entries(models).map(([key, entry]) => [`${modelOf(key)}/${entry.remoteVersion}`, key]));
  for (const remote of versions.sort((a, b) => a.name.localeCompare(b.name) || Number(a.version) - Number(b.version))) {
    let key = localOf.get(`${remote.name}/${remote.version}`);
    if (!key || !registry.hasVersion(remote.name, localVersion(key))) {
      key = createLocal(registry, ledger, remote);
      models[key] = { remoteVersion: remote.version, aliases: [] };
      summary.versions++;
    }
    const stage = stageOf(remote.current_stage);
    if (registry.getVersion(remote.name, localVersion(key)).stage !== stage) {
      registry.transitionStage(remote.name, localVersion(key), stage);
      summary.stages++;
    }
    models[key] = { ...models[key], stage };
  }
  for (const name of new Set(versions.map((v) => v.name))) summary.aliases += await pullAliases(registry, client, models, name);
  ledger.putModels(models);
  return summary;
}

async function remoteVersions(client: MlflowClient): Promise<WireVersion[]> {
  const all: WireVersion[] = [];
  let token: string | undefined;
  do {
    const page = await client.get<{ model_versions?: WireVersion[]; next_page_token?: string }>('model-versions/search', {
      max_results: PAGE,
      page_token: token,
    });
    all.push(...(page.model_versions ?? []));
    token = page.next_page_token || undefined;
  } while (token);
  return all;
}

/** The model name of a ledger key `<name>/<local version>` (a name may itself hold '/'). */
function modelOf(key: string): string {
  return key.slice(0, key.lastIndexOf('/'));
}

function localVersion(key: string): number {
  return Number(key.slice(key.lastIndexOf('/') + 1));
}

function stageOf(text: string | undefined): ModelStage {
  return MODEL_STAGES.find((s) => s.toLowerCase() === (text ?? '').toLowerCase()) ?? 'None';
}

/** Registers the remote version here; its source in the pulled run's files is `runs:/<run>/<path>`. */
function createLocal(registry: ModelRegistry, ledger: Ledger, remote: WireVersion): string {
  try {
    registry.createModel(remote.name);
  } catch (error) {
    if (!registry.listModels().some((m) => m.name === remote.name)) throw error;
  }
  const created = registry.createVersion(remote.name, {
    source: localSource(remote, ledger.get(remote.run_id!)?.artifactUri),
    runId: remote.run_id,
    description: remote.description || undefined,
    tags: Object.fromEntries((remote.tags ?? []).map((t) => [t.key, t.value])),
  });
  return `${remote.name}/${created.version}`;
}

function localSource(remote: WireVersion, artifactUri: string | undefined): string {
  const source = remote.source ?? '';
  const root = proxiedRoot(artifactUri) === undefined ? undefined : artifactUri!.replace(/\/+$/, '');
  if (root && source.startsWith(`${root}/`)) return `runs:/${remote.run_id}/${source.slice(root.length + 1)}`;
  return source;
}

/** The remote's aliases of a model, on the versions pulled here: set when missing, moved when they point elsewhere. */
async function pullAliases(registry: ModelRegistry, client: MlflowClient, models: Record<string, ModelLedger>, name: string): Promise<number> {
  const found = await client.get<{ registered_model: { aliases?: { alias: string; version: string }[] } }>('registered-models/get', { name });
  let changes = 0;
  for (const { alias, version } of found.registered_model.aliases ?? []) {
    const key = Object.keys(models).find((k) => modelOf(k) === name && models[k].remoteVersion === version);
    if (!key) continue; // an alias on a version whose run is not pulled here
    const entry = models[key];
    if (registry.aliasVersion(name, alias) !== localVersion(key)) {
      try {
        registry.setAlias(name, alias, localVersion(key));
      } catch (error) {
        if (!(error instanceof InvalidValueError)) throw error;
        continue; // an alias MLflow allows but this registry refuses is left out
      }
      changes++;
    }
    if (!entry.aliases.includes(alias)) models[key] = { ...entry, aliases: [...entry.aliases, alias] };
  }
  return changes + dropAliases(registry, models, name, found.registered_model.aliases ?? []);
}

/** Aliases a pull set here that the remote no longer has on that version: removed here too. */
function dropAliases(
  registry: ModelRegistry,
  models: Record<string, ModelLedger>,
  name: string,
  remote: { alias: string; version: string }[],
): number {
  let changes = 0;
  for (const key of Object.keys(models).filter((k) => modelOf(k) === name)) {
    const entry = models[key];
    const gone = entry.aliases.filter((alias) => !remote.some((r) => r.alias === alias && r.version === entry.remoteVersion));
    for (const alias of gone) {
      if (registry.aliasVersion(name, alias) === localVersion(key)) {
        registry.deleteAlias(name, alias);
        changes++;
      }
    }
    if (gone.length) models[key] = { ...entry, aliases: entry.aliases.filter((alias) => !gone.includes(alias)) };
  }
  return changes;
}
