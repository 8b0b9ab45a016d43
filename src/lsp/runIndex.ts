// Which runs ran which file. The index holds every active run's identity (not its data), keyed by the base
// names of the files its command mentions, and is kept current incrementally: a live run's flushes touch one
// row, so a change costs one scan of `runs` that returns a few rows instead of reloading 10,000 of them.
import { existsSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import type { RunStatus } from '../core/types';
import { activeRunCount, activeRunIndexRows, runIndexRowsSince } from '../store/runIndexReads';
import type { RunIndexRow } from '../store/runIndexReads';
import type { Store } from '../store/store';

/** What the language server knows of a run without reading its data. */
export interface RunIdentity {
  id: string;
  name: string;
  status: RunStatus;
  startTime: number;
  /** Last write to anything of the run (ms). */
  updatedAt: number;
  /** Moves whenever the index sees the run written to; cached run data is keyed by it. */
  revision: number;
  cwd: string | null;
  /** Paths the command names: the source file, file-like argv entries, `-m pkg.mod` as `pkg/mod.py`. */
  mentions: string[];
}

// A writer stamps updated_at before it may wait up to busy_timeout (10 s) for the lock, so a commit can land
// with a stamp older than rows already seen; re-reading the last 15 s of updates catches it. Two commits in
// the same millisecond leave updated_at unchanged, so a run written within that window counts as changed
// whenever the store changed: its data is read again rather than trusted.
const UPDATE_MARGIN_MS = 15_000;
const CASE_INSENSITIVE = process.platform === 'win32' || process.platform === 'darwin';

function fold(path: string): string {
  return CASE_INSENSITIVE ? path.toLowerCase() : path;
}

/** The last segment of a path written on any platform. */
export function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

function segments(path: string): string[] {
  return path.split(/[\\/]+/).filter((part) => part !== '' && part !== '.' && part !== '..');
}

function mentionsOf(argv: readonly string[], sourceFile: string | null): string[] {
  const found = new Set<string>(sourceFile ? [sourceFile] : []);
  argv.forEach((arg, i) => {
    if (arg === '-m' && argv[i + 1]) found.add(`${argv[i + 1].replace(/\./g, '/')}.py`);
    else if (/\.\w+$/.test(arg) && !arg.startsWith('-') && !arg.includes('=')) found.add(arg);
  });
  return [...found];
}

function parseArgv(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

/** Negative when `a` started before `b`; ties go by id, as `ORDER BY start_time, id` does. */
function compareAge(a: RunIdentity, b: RunIdentity): number {
  return a.startTime - b.startTime || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Inserts keeping `list` oldest first, so the usual case (a new run) is a push. */
function insertSorted(list: RunIdentity[], run: RunIdentity): void {
  let i = list.length;
  while (i > 0 && compareAge(list[i - 1], run) > 0) i--;
  list.splice(i, 0, run);
}

/** Identities of every active run, indexed by the base names of the files they ran. */
export class RunIndex {
  private readonly runs = new Map<string, RunIdentity>();
  private readonly byBaseName = new Map<string, RunIdentity[]>();
  private readonly all: RunIdentity[] = [];
  private readonly liveFolders = new Map<string, boolean>();
  private maxRowid = 0;
  private maxUpdatedAt = 0;
  private revisions = 0;
  /** Moves whenever runs are added or removed (not when they are only updated). */
  generation = 0;

  constructor(private readonly store: Store) {
    this.rebuild();
  }

  /** Brings the index up to date; returns the ids of runs added or updated, or null when it was rebuilt. */
  refresh(): Set<string> | null {
    const recent = Date.now() - UPDATE_MARGIN_MS;
    const since = Math.min(this.maxUpdatedAt - UPDATE_MARGIN_MS, recent);
    // `>=` re-reads the newest row: if it was deleted and its rowid reused, the new run shows up here.
    const rows = runIndexRowsSince(this.store, this.maxRowid, since);
    const changed = new Set<string>();
    for (const row of rows) {
      const known = this.runs.get(row[1]);
      this.maxRowid = Math.max(this.maxRowid, row[0]);
      this.maxUpdatedAt = Math.max(this.maxUpdatedAt, row[5]);
      if (row[9] !== 'active') {
        if (known) return this.rebuild();
      } else if (!known) {
        this.add(row);
        changed.add(row[1]);
      } else if (row[5] >= recent || known.updatedAt !== row[5] || known.name !== row[2] || known.status !== row[3]) {
        Object.assign(known, { name: row[2], status: row[3], updatedAt: row[5], revision: ++this.revisions });
        changed.add(row[1]);
      }
    }
    const count = activeRunCount(this.store);
    if (count !== this.runs.size) return this.rebuild();
    if (changed.size > 0) this.liveFolders.clear();
    return changed;
  }

  /** The newest `limit` runs whose command names the file at `path` (absolute), newest first. */
  runsForFile(path: string, limit: number): RunIdentity[] {
    return this.newestMatching(this.byBaseName.get(fold(baseName(path))) ?? [], path, limit);
  }

  /** The newest `limit` runs that ran in the folder holding `path` (a params file read from the run's cwd). */
  runsBesideFile(path: string, limit: number): RunIdentity[] {
    const name = baseName(path);
    return this.newestMatching(this.all, path, limit, (run) => [...run.mentions, name]);
  }

  private newestMatching(
    candidates: readonly RunIdentity[],
    path: string,
    limit: number,
    mentions = (run: RunIdentity) => run.mentions,
  ): RunIdentity[] {
    const found: RunIdentity[] = [];
    const name = fold(baseName(path));
    for (let i = candidates.length - 1; i >= 0 && found.length < limit; i--) {
      const run = candidates[i];
      if (mentions(run).some((mention) => fold(baseName(mention)) === name && this.pointsAt(run.cwd, mention, path))) found.push(run);
    }
    return found;
  }

  /**
   * Whether `mention`, as written in a run started in `cwd`, is the file at `target`. When the run's folder is
   * gone (the store moved with a clone, or came from another machine) the mention's trailing path segments decide.
   */
  private pointsAt(cwd: string | null, mention: string, target: string): boolean {
    if (isAbsolute(mention) || (cwd !== null && this.folderExists(cwd))) return fold(resolve(cwd ?? sep, mention)) === fold(resolve(target));
    const tail = segments(fold(mention));
    const path = segments(fold(resolve(target)));
    return tail.length <= path.length && tail.every((part, i) => part === path[path.length - tail.length + i]);
  }

  private folderExists(dir: string): boolean {
    let exists = this.liveFolders.get(dir);
    if (exists === undefined) {
      exists = existsSync(dir);
      this.liveFolders.set(dir, exists);
    }
    return exists;
  }

  private rebuild(): null {
    this.runs.clear();
    this.byBaseName.clear();
    this.all.length = 0;
    this.liveFolders.clear();
    this.maxRowid = 0;
    this.maxUpdatedAt = 0;
    const rows = activeRunIndexRows(this.store);
    for (const row of rows) {
      this.add(row);
      this.maxRowid = Math.max(this.maxRowid, row[0]);
      this.maxUpdatedAt = Math.max(this.maxUpdatedAt, row[5]);
    }
    return null;
  }

  private add(row: RunIndexRow): void {
    const [, id, name, status, startTime, updatedAt, argv, cwd, sourceFile] = row;
    const run: RunIdentity = {
      id,
      name,
      status,
      startTime,
      updatedAt,
      revision: ++this.revisions,
      cwd,
      mentions: mentionsOf(parseArgv(argv), sourceFile),
    };
    this.runs.set(id, run);
    insertSorted(this.all, run);
    for (const key of new Set(run.mentions.map((m) => fold(baseName(m))))) {
      const list = this.byBaseName.get(key);
      if (list) insertSorted(list, run);
      else this.byBaseName.set(key, [run]);
    }
    this.generation++;
  }
}
