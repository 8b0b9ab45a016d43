// A run's inputs: the files it read (from Python's audit hook) or, for other programs, the configured globs.
// Each is hashed once per (path, size, mtime) and its bytes copied into the store once; DVC-tracked data is
// recorded by DVC's md5 instead of being copied (DVC already keeps it).
import { existsSync, lstatSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import type { Store } from '../store/store';
import { sha256OfFile } from '../store/objects';
import { artifactName, snapshotFiles } from './artifacts';
import type { LabbookConfig } from './config';
import { dvcTrackingOf, type DvcTracking } from './dvc';

/** Inputs of a program whose reads are not recorded (not Python) when labbook.yaml names no `artifacts.inputs`. */
export const UNTRACKED_INPUT_GLOBS = ['data/**'];

/** Tag holding, as JSON, each DVC-tracked input's path -> how DVC tracks it. */
export const DVC_INPUTS_TAG = 'labbook.dvc_inputs';
/** Tag naming the dvc.yaml stage whose command the run ran. */
export const DVC_STAGE_TAG = 'labbook.dvc.stage';
/** Tag set when the run's inputs come from the files it read (the Python audit hook), not from globs. */
export const INPUTS_FROM_TAG = 'labbook.inputs_from';

/** Environment variable naming the folders (path-list) whose files the Python shim reports when read. */
export const READ_ROOTS_ENV = 'LABBOOK_READ_ROOTS';

/** Where reads count as inputs: the workspace (the store's folder's parent, when the run is inside it, else the run's folder) and the data roots. */
export function readRoots(cwd: string, storeDir: string, dataRoots: readonly string[]): string[] {
  const workspace = dirname(resolve(storeDir));
  const root = resolve(cwd) === workspace || resolve(cwd).startsWith(workspace + sep) ? workspace : resolve(cwd);
  return [root, ...dataRoots.map((dir) => resolve(workspace, dir))];
}

/** The workspace root DVC lookups search up to: the nearest folder holding `.dvc/` above `cwd`, if any. */
export function dvcRootOf(cwd: string): string | undefined {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.dvc'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** What recording one input did: nothing to say, a problem, or the DVC entry it was recorded by. */
export type InputOutcome = { problem?: string; dvc?: DvcTracking };

/** A tag holding a JSON object, parsed; {} when absent or not an object. */
export function jsonObjectTag(store: Store, runId: string, key: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(store.tags(runId)[key] ?? '{}') as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Records files as inputs (those the run already has are skipped) and their DVC facts; returns the problems met. */
export async function recordInputs(
  store: Store,
  runId: string,
  cwd: string,
  paths: readonly string[],
  maxBytes: number,
  dvcRoot?: string,
): Promise<string[]> {
  const known = new Set(store.artifacts(runId).flatMap((artifact) => (artifact.direction === 'input' ? [artifact.path] : [])));
  const problems: string[] = [];
  const dvc: Record<string, DvcTracking> = {};
  for (const path of new Set(paths)) {
    const name = artifactName(cwd, path);
    if (known.has(name)) continue;
    const outcome = await recordInput(store, runId, cwd, path, maxBytes, dvcRoot);
    if (outcome.problem) problems.push(outcome.problem);
    if (outcome.dvc) dvc[name] = outcome.dvc;
  }
  if (Object.keys(dvc).length > 0)
    store.setTags(runId, { [DVC_INPUTS_TAG]: JSON.stringify({ ...jsonObjectTag(store, runId, DVC_INPUTS_TAG), ...dvc }) });
  return problems;
}

/**
 * Records the configured `artifacts.inputs` now (an explicit addition to what the run reads). When none are
 * configured, notes the files under data/ and, at the end (the returned function), records those left unchanged
 * unless the run's reads were recorded: then they are exactly its inputs.
 */
export function globInputs(
  store: Store,
  runId: string,
  cwd: string,
  artifacts: LabbookConfig['artifacts'],
  dvcRoot?: string,
): () => Promise<string[]> {
  const record = (paths: string[]): Promise<string[]> => recordInputs(store, runId, cwd, paths, artifacts.maxFileBytes, dvcRoot);
  const explicit = record([...snapshotFiles(cwd, artifacts.inputs ?? []).keys()]);
  const before = artifacts.inputs === undefined ? snapshotFiles(cwd, UNTRACKED_INPUT_GLOBS) : new Map();
  return async () => {
    const problems = await explicit;
    if (before.size === 0 || store.tags(runId)[INPUTS_FROM_TAG] === 'reads') return problems;
    const after = snapshotFiles(cwd, UNTRACKED_INPUT_GLOBS);
    const unchanged = [...before].filter(([path, stat]) => after.get(path)?.size === stat.size && after.get(path)?.mtimeMs === stat.mtimeMs);
    return [...problems, ...(await record(unchanged.map(([path]) => path)))];
  };
}

/**
 * Records a file as an input of the run. Files over `maxBytes` and DVC-tracked files are hashed (once per path, size
 * and mtime) but not copied; other files are copied into the store the first time their content is seen.
 */
export async function recordInput(store: Store, runId: string, cwd: string, path: string, maxBytes: number, dvcRoot?: string): Promise<InputOutcome> {
  const absolute = isAbsolute(path) ? path : join(cwd, path);
  try {
    const stat = lstatSync(absolute);
    if (!stat.isFile()) return { problem: `${path} is not a regular file` };
    const dvc = dvcRoot && absolute.startsWith(dvcRoot + sep) ? dvcTrackingOf(absolute, dvcRoot) : undefined;
    const copy = !dvc && stat.size <= maxBytes;
    const sha256 = await hashOnce(store, absolute, copy);
    store.addArtifact({ runId, path: artifactName(cwd, absolute), sha256, size: stat.size, role: 'data', direction: 'input' });
    return { dvc };
  } catch (error) {
    return { problem: `could not record input ${path}: ${(error as Error).message}` };
  }
}

async function hashOnce(store: Store, path: string, copy: boolean): Promise<string> {
  const { size, mtimeMs } = statSync(path);
  const known = store.knownFileHash(path, size, mtimeMs);
  if (known && (!copy || store.objects.has(known))) return known;
  const sha256 = copy ? (await store.objects.putFile(path)).sha256 : await sha256OfFile(path);
  store.rememberFileHash(path, size, mtimeMs, sha256);
  return sha256;
}
