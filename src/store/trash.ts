// The Trash: a deleted run keeps everything and is only hidden (lifecycle 'deleted', as MLflow's soft delete),
// with the time it was deleted, so it can be restored for TRASH_DAYS and is purged after.

import type { Run } from '../core/types';
import { connectionOf } from './connection';
import { prepared } from './statements';
import type { Store } from './store';

/** Days a run stays restorable in the Trash before it is purged. */
export const TRASH_DAYS = 30;

const DAY_MS = 24 * 3600_000;

/** A run in the Trash, with when it was deleted and when it will be purged. */
export interface TrashedRun extends Run {
  deletedAt: number;
  expiresAt: number;
}

function eachRun(store: Store, runIds: readonly string[], sql: string, ...params: unknown[]): number {
  const statement = prepared(connectionOf(store), sql);
  return connectionOf(store)
    .transaction(() => runIds.reduce((n, id) => n + statement.run(...params, id).changes, 0))
    .immediate();
}

/** Moves runs to the Trash at `now` (a run deleted again keeps its first time); returns how many exist. */
export function trashRuns(store: Store, runIds: readonly string[], now = Date.now()): number {
  return eachRun(store, runIds, "UPDATE runs SET lifecycle = 'deleted', deleted_at = COALESCE(deleted_at, ?), updated_at = ? WHERE id = ?", now, now);
}

/** Brings runs back from the Trash; returns how many were in it. */
export function restoreRuns(store: Store, runIds: readonly string[]): number {
  return eachRun(
    store,
    runIds,
    "UPDATE runs SET lifecycle = 'active', deleted_at = NULL, updated_at = ? WHERE lifecycle = 'deleted' AND id = ?",
    Date.now(),
  );
}

/** Deletes runs that are in the Trash now, with everything they own (blobs are freed by gc); active runs are left. */
export function purgeTrashedRuns(store: Store, runIds: readonly string[]): number {
  return eachRun(store, runIds, "DELETE FROM runs WHERE lifecycle = 'deleted' AND id = ?");
}

/** Deletes every run in the Trash; returns how many. */
export function emptyTrash(store: Store): number {
  return prepared(connectionOf(store), "DELETE FROM runs WHERE lifecycle = 'deleted'").run().changes;
}

/**
 * Deletes runs trashed more than TRASH_DAYS before `now`. Called on every read-write open, so it first only
 * reads (through the partial index): opening beside a live run must not queue for the write lock for nothing.
 */
export function purgeExpiredTrash(store: Store, now = Date.now()): number {
  const before = now - TRASH_DAYS * DAY_MS;
  if (!prepared(connectionOf(store), 'SELECT 1 FROM runs WHERE deleted_at < ? LIMIT 1').get(before)) return 0;
  return prepared(connectionOf(store), "DELETE FROM runs WHERE lifecycle = 'deleted' AND deleted_at < ?").run(before).changes;
}

/** Runs in the Trash, most recently deleted first. */
export function listTrash(store: Store): TrashedRun[] {
  const rows = prepared(connectionOf(store), "SELECT id, deleted_at FROM runs WHERE lifecycle = 'deleted' ORDER BY deleted_at DESC, id").all() as {
    id: string;
    deleted_at: number | null;
  }[];
  return rows.map((row) => {
    const deletedAt = row.deleted_at ?? 0;
    return { ...store.getRun(row.id), deletedAt, expiresAt: deletedAt + TRASH_DAYS * DAY_MS };
  });
}

/** Which of these runs are in the Trash. */
export function trashedAmong(store: Store, runIds: readonly string[]): Set<string> {
  const sql = "SELECT id FROM runs WHERE lifecycle = 'deleted' AND id IN (SELECT value FROM json_each(?))";
  return new Set(prepared(connectionOf(store), sql).pluck().all(JSON.stringify(runIds)) as string[]);
}

/** How many runs are in the Trash. */
export function trashCount(store: Store): number {
  return (prepared(connectionOf(store), "SELECT COUNT(*) AS n FROM runs WHERE lifecycle = 'deleted'").get() as { n: number }).n;
}
