// Directory walking for the importers: bounded, and blind to folders no log lives in.
import { readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

const SKIPPED_DIRS = new Set(['.git', 'node_modules', '.labbook', '__pycache__', '.venv', 'venv']);
/** Deeper than any logger's layout; stops a symlink loop or a huge tree from running away. */
const MAX_DEPTH = 12;

/** Files under `root` (recursively, sorted) whose name passes `wanted`; a missing root gives []. */
export function filesUnder(root: string, wanted: (name: string) => boolean): string[] {
  return entriesUnder(root)
    .filter(({ entry }) => entry.isFile() && wanted(entry.name))
    .map(({ path }) => path)
    .sort();
}

/** Directories under `root` (itself included) whose path passes `wanted`. */
export function dirsUnder(root: string, wanted: (path: string) => boolean): string[] {
  const dirs = [
    root,
    ...entriesUnder(root)
      .filter(({ entry }) => entry.isDirectory())
      .map(({ path }) => path),
  ];
  return dirs.filter(wanted).sort();
}

function entriesUnder(root: string): Array<{ path: string; entry: Dirent }> {
  const found: Array<{ path: string; entry: Dirent }> = [];
  const pending: Array<{ dir: string; depth: number }> = [{ dir: root, depth: 0 }];
  while (pending.length > 0) {
    const { dir, depth } = pending.pop()!;
    for (const entry of readable(dir)) {
      const path = join(dir, entry.name);
      found.push({ path, entry });
      if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name) && depth < MAX_DEPTH) pending.push({ dir: path, depth: depth + 1 });
    }
  }
  return found;
}

function readable(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}
