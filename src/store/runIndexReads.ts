// The runs rows the language server's run index reads. Raw rows (arrays): the index may hold 10,000 runs and
// refreshes once a second, and row objects would cost that much more.
import type { RunStatus } from '../core/types';
import { connectionOf } from './connection';
import { prepared } from './statements';
import type { Store } from './store';

/** A run's identity as the run index reads it. */
export type RunIndexRow = [
  rowid: number,
  id: string,
  name: string,
  status: RunStatus,
  startTime: number,
  updatedAt: number,
  argv: string,
  cwd: string | null,
  sourceFile: string | null,
  lifecycle: string,
];

const COLUMNS = 'rowid, id, name, status, start_time, updated_at, argv, cwd, source_file, lifecycle';

/** Runs (of any lifecycle) with a rowid from `minRowid` on or updated at or after `updatedSince`. */
export function runIndexRowsSince(store: Store, minRowid: number, updatedSince: number): RunIndexRow[] {
  return prepared(connectionOf(store), `SELECT ${COLUMNS} FROM runs WHERE rowid >= ? OR updated_at >= ?`)
    .raw()
    .all(minRowid, updatedSince) as RunIndexRow[];
}

/** Every active run, oldest first. */
export function activeRunIndexRows(store: Store): RunIndexRow[] {
  return prepared(connectionOf(store), `SELECT ${COLUMNS} FROM runs WHERE lifecycle = 'active' ORDER BY start_time, id`).raw().all() as RunIndexRow[];
}

/** How many runs are active. */
export function activeRunCount(store: Store): number {
  return prepared(connectionOf(store), "SELECT COUNT(*) FROM runs WHERE lifecycle = 'active'").pluck().get() as number;
}
