import { lstatSync, readdirSync } from 'node:fs';
import { extname, isAbsolute, join, relative, sep } from 'node:path';
import type { ArtifactDirection, ArtifactRole } from '../core/types';
import type { Store } from '../store/store';
import { matchesAny } from './config';

/** Folders never walked when looking for outputs: tools' caches, environments and the store itself. */
const SKIPPED_DIRS = new Set([
  '.git',
  '.labbook',
  'node_modules',
  '__pycache__',
  '.venv',
  'venv',
  '.mypy_cache',
  '.pytest_cache',
  '.tox',
  '.ipynb_checkpoints',
]);

/** Walking stops after this many files so a huge tree cannot stall the start or end of a run. */
const MAX_FILES = 50_000;

/** Size and mtime of each matching file, to tell which files a run created or changed. */
export type FileSnapshot = Map<string, { size: number; mtimeMs: number }>;

/** Files under `root` (relative, with `/`) that match any of `globs`. */
export function snapshotFiles(root: string, globs: readonly string[]): FileSnapshot {
  const snapshot: FileSnapshot = new Map();
  if (globs.length === 0) return snapshot;
  const pending = [''];
  while (pending.length > 0 && snapshot.size < MAX_FILES) {
    const dir = pending.pop()!;
    let entries;
    try {
      entries = readdirSync(join(root, dir), { withFileTypes: true });
    } catch {
      continue; // vanished or unreadable: not ours to report
    }
    for (const entry of entries) {
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) pending.push(rel);
      } else if (entry.isFile() && matchesAny(rel, globs)) {
        const stat = lstatSync(join(root, rel));
        snapshot.set(rel, { size: stat.size, mtimeMs: stat.mtimeMs });
      }
    }
  }
  return snapshot;
}

/** Files in `after` that are new or changed since `before`. */
export function changedFiles(before: FileSnapshot, after: FileSnapshot): string[] {
  const changed: string[] = [];
  for (const [path, stat] of after) {
    const old = before.get(path);
    if (!old || old.size !== stat.size || old.mtimeMs !== stat.mtimeMs) changed.push(path);
  }
  return changed.sort();
}

/** The role of an output file: a model when its extension is a model format. */
export function outputRole(path: string, modelExtensions: readonly string[]): ArtifactRole {
  return modelExtensions.includes(extname(path).toLowerCase()) ? 'model' : 'output';
}

/** How an artifact is named in the store: relative to the run's folder when inside it, else absolute. */
export function artifactName(cwd: string, path: string): string {
  const absolute = isAbsolute(path) ? path : join(cwd, path);
  const rel = relative(cwd, absolute);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return absolute;
  return rel.split(sep).join('/');
}

/** Hashes a file into the object store and records it as an artifact of the run; returns an error message on failure. */
export async function storeArtifact(
  store: Store,
  runId: string,
  cwd: string,
  path: string,
  role: ArtifactRole,
  direction: ArtifactDirection,
  maxBytes: number,
): Promise<string | undefined> {
  const absolute = isAbsolute(path) ? path : join(cwd, path);
  try {
    const stat = lstatSync(absolute);
    if (!stat.isFile()) return `${path} is not a regular file`;
    if (stat.size > maxBytes) return `${path} is larger than ${maxBytes} bytes; not stored`;
    const { sha256, size } = await store.objects.putFile(absolute);
    store.addArtifact({ runId, path: artifactName(cwd, absolute), sha256, size, role, direction });
    return undefined;
  } catch (error) {
    return `could not store ${path}: ${(error as Error).message}`;
  }
}
