import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { recoverOrphanedRuns } from '../capture/recovery';
import { readMarker } from '../capture/reproduce';
import { loadConfig, type LabbookConfig } from '../capture/config';
import { LARGE_MIGRATION_POINTS } from '../store/schema';
import type { MigrationProgress } from '../store/schema';
import { STORE_DIR_NAME, Store } from '../store/store';

/** A user-facing failure: printed without a stack trace, exit code 1 (or the given one). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/**
 * The workspace a command works in: inside a `labbook checkout`, the store its marker names; else the nearest
 * folder upwards holding `.labbook/`, else the nearest git work tree, else the current folder. LABBOOK_DIR names
 * the store folder directly.
 */
export function findWorkspace(cwd: string, env: NodeJS.ProcessEnv = process.env): { root: string; storeDir: string } {
  if (env.LABBOOK_DIR) return { root: resolve(cwd), storeDir: resolve(env.LABBOOK_DIR) };
  const start = resolve(cwd);
  const marker = readMarker(start);
  // The checkout's own labbook.yaml (as of the run's commit) configures the rerun; the original's store records it.
  if (marker) return { root: marker.root, storeDir: marker.store };
  const root = findUp(start, STORE_DIR_NAME) ?? findUp(start, '.git') ?? start;
  return { root, storeDir: join(root, STORE_DIR_NAME) };
}

function findUp(start: string, name: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, name))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** An open store plus the workspace config; crashed runs are recovered on open. */
export interface Workspace {
  root: string;
  store: Store;
  config: LabbookConfig;
  warnings: string[];
}

/** Opens the workspace store (creating it when `create`), recovering runs whose runner vanished. */
export async function openWorkspace(cwd: string, options: { create?: boolean } = {}): Promise<Workspace> {
  const { root, storeDir } = findWorkspace(cwd);
  if (!options.create && !existsSync(join(storeDir, 'labbook.db'))) {
    throw new CliError(`No Labbook store at ${storeDir}. Track a run first: labbook run -- python3 train.py`);
  }
  const { config, warnings } = loadConfig(root);
  const store = Store.open(storeDir, { onMigration: migrationReporter() });
  const recovered = await recoverOrphanedRuns(store, {
    modelExtensions: config.artifacts.modelExtensions,
    maxFileBytes: config.artifacts.maxFileBytes,
    metrics: config.metrics,
  });
  for (const id of recovered) warnings.push(`run ${id.slice(0, 8)} lost its runner; marked CRASHED (its logged data was kept)`);
  return { root, store, config, warnings };
}

/**
 * Prints a long store upgrade's progress (every 10%; on one line in a terminal, a line each otherwise, so logs
 * stay readable); quiet for stores too small to keep anyone waiting.
 */
export function migrationReporter(out: { write(text: string): unknown; isTTY?: boolean } = process.stderr): MigrationProgress {
  let shown = -1;
  return (done, total) => {
    if (total < LARGE_MIGRATION_POINTS) return;
    const tenth = Math.floor((10 * done) / total);
    if (tenth === shown) return;
    shown = tenth;
    const text = `labbook: upgrading the store: ${tenth * 10}% of ${total.toLocaleString('en-US')} metric points moved into chunks`;
    out.write(out.isTTY ? `\r${text}${done === total ? '\n' : ''}` : `${text}\n`);
  };
}

/** Folder of the bundled `labbook` Python package (next to dist/ when bundled, at the repo root in development). */
export function pythonShimDir(): string {
  const candidates = [join(__dirname, '..', 'python'), join(__dirname, '..', '..', 'python')];
  return candidates.find((dir) => existsSync(join(dir, 'labbook', '__init__.py'))) ?? candidates[0];
}
