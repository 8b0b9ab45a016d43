// Which registered version a serving reference names, where its model files are in the blob store, and the data it
// was trained on (its source run's CSV/Parquet inputs, by hash), so serving and drift need no configuration.
import { extname } from 'node:path';
import type { Artifact } from '../core/types';
import { InvalidValueError, NotFoundError } from '../store/errors';
import { ModelRegistry, parseStage, type ModelVersion } from '../store/registry';
import type { Store } from '../store/store';
import { ModelsError } from './models';

/** One stored file: its path inside the run, its hash and where its bytes are in the blob store. */
export interface StoredFile {
  path: string;
  sha256: string;
  /** Absolute path of the blob (`.labbook/objects/ab/cdef…`). */
  blobPath: string;
}

/** A version's training data: its source run's tabular inputs, or why there are none. */
export type TrainingData = { files: (StoredFile & { format: 'csv' | 'parquet' })[] } | { files: []; reason: string };

const TABULAR: Record<string, 'csv' | 'parquet'> = { '.csv': 'csv', '.parquet': 'parquet', '.pq': 'parquet' };

function stored(store: Store, artifact: Artifact): StoredFile {
  return { path: artifact.path, sha256: artifact.sha256, blobPath: store.objects.pathOf(artifact.sha256) };
}

/** The CSV/Parquet files a model version's source run read (role data, by hash), with blob paths, or a clear reason when none. */
export function trainingDataOf(store: Store, name: string, version: number): TrainingData {
  const modelVersion = readRegistry(store).getVersion(name, version);
  if (!modelVersion.runId)
    return { files: [], reason: `${name} version ${version} was registered without a source run, so its training data is unknown.` };
  const run = store.findRun(modelVersion.runId);
  if (!run) return { files: [], reason: `The source run ${modelVersion.runId} of ${name} version ${version} is no longer in the store.` };
  const inputs = store.artifacts(run.id).filter((a) => a.direction === 'input' && a.role === 'data');
  const files = inputs.flatMap((a) => {
    const format = TABULAR[extname(a.path).toLowerCase()];
    return format ? [{ ...stored(store, a), format }] : [];
  });
  if (files.length) return { files };
  const seen = inputs.length ? ` (it read ${inputs.map((a) => a.path).join(', ')}, none of them CSV or Parquet)` : '';
  return {
    files: [],
    reason: `Run ${run.name}, the source of ${name} version ${version}, recorded no CSV or Parquet input${seen}: keep training data under data/ (artifacts.inputs in labbook.yaml) so runs record it.`,
  };
}

/** A parsed serving reference: `NAME`, `NAME/3`, `NAME/Production` or `NAME@champion`. */
export type ModelRef = { name: string; version?: number; stage?: string; alias?: string };

/** Splits `NAME[/Stage|@alias|/version]`; a bare name means its newest version. */
export function parseModelRef(text: string): ModelRef {
  const at = text.lastIndexOf('@');
  if (at > 0) return { name: text.slice(0, at), alias: text.slice(at + 1) };
  const slash = text.lastIndexOf('/');
  if (slash <= 0) return { name: text };
  const name = text.slice(0, slash);
  const tail = text.slice(slash + 1);
  if (/^\d+$/.test(tail)) return { name, version: Number(tail) };
  return { name, stage: tail };
}

function readRegistry(store: Store): ModelRegistry {
  return new ModelRegistry(store);
}

/** The version a serving reference names; an unknown model, version, stage or alias is a ModelsError that says which. */
export function resolveModelRef(store: Store, ref: ModelRef): ModelVersion {
  const registry = readRegistry(store);
  try {
    if (ref.alias !== undefined) return registry.versionByAlias(ref.name, ref.alias);
    if (ref.version !== undefined) return registry.getVersion(ref.name, ref.version);
    if (ref.stage !== undefined) {
      const stage = parseStage(ref.stage);
      const [latest] = registry.latestVersions(ref.name, [stage]);
      if (!latest) throw new ModelsError(`${ref.name} has no version in stage ${stage}.`);
      return latest;
    }
    const [newest] = registry.listVersions(ref.name);
    if (!newest) throw new ModelsError(`${ref.name} has no versions.`);
    return newest;
  } catch (error) {
    if (error instanceof NotFoundError || error instanceof InvalidValueError) throw new ModelsError((error as Error).message);
    throw error;
  }
}

// `runs:/<run>/<path>` (Labbook's register) or `mlflow-artifacts:/<root…>/<run>/artifacts/<path>` (what mlflow's
// register_model sends once it has resolved the run's artifact URI).
function pathInRun(source: string, runId: string): string | null {
  const runs = /^runs:\/[^/]+\/(.+)$/.exec(source);
  if (runs) return runs[1];
  const proxied = new RegExp(`^mlflow-artifacts:/.*${runId}/artifacts/(.+)$`).exec(source);
  return proxied ? proxied[1] : null;
}

/** The stored files of a version's model (one file, or every file of its folder, paths relative to it). */
export function modelFilesOf(store: Store, version: ModelVersion): StoredFile[] {
  const label = `${version.name} version ${version.version}`;
  if (!version.runId) throw new ModelsError(`${label} has no source run (source ${version.source}); Labbook serves models stored with a run.`);
  const path = pathInRun(version.source, version.runId)?.replace(/\/+$/, '');
  if (!path) throw new ModelsError(`${label} has a source Labbook cannot serve from the store: ${version.source}.`);
  const outputs = store.artifacts(version.runId).filter((a) => a.direction === 'output');
  const single = outputs.find((a) => a.path === path);
  if (single) return [{ ...stored(store, single), path: single.path.split('/').pop() ?? single.path }];
  const inFolder = outputs.filter((a) => a.path.startsWith(`${path}/`));
  if (!inFolder.length) throw new ModelsError(`${label}: its run stored no file at '${path}'.`);
  return inFolder.map((a) => ({ ...stored(store, a), path: a.path.slice(path.length + 1) }));
}
